"""The account rules on their own: login names, the password policy, argon2id parameters and hashing."""

from __future__ import annotations

import pytest

from quizapp.domain.accounts import (
    PASSWORD_MAX,
    HashParameters,
    InvalidLogin,
    LoginName,
    Passwords,
    WeakHashParameters,
    common_passwords,
    parse_login,
    password_problems,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ada@Example.ORG", LoginName("email", "ada@example.org")),
        ("  ada.l  ", LoginName("username", "ada.l")),
        ("\uff21\uff24\uff21", LoginName("username", "ada")),  # full-width letters fold (NFKC)
        ("a_b-c.9", LoginName("username", "a_b-c.9")),
    ],
)
def test_parse_login(text, expected):
    assert parse_login(text) == expected


@pytest.mark.parametrize("text", ["", "ab", "-ada", "ada-", "a b", "ada!", "x" * 41, "a@b", "@example.org", "a@@b.c"])
def test_invalid_logins(text):
    with pytest.raises(InvalidLogin):
        parse_login(text)


def test_common_password_list_ships_with_the_package():
    common = common_passwords()
    assert len(common) > 8000
    assert {"password", "12345678", "iloveyou", "qwertyuiop"} <= common
    assert all(len(p) >= 8 and p == p.lower() for p in common)
    assert not any(p.startswith("# ") for p in common)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", "at least 8"),
        ("1234567", "at least 8"),
        ("PassWord", "most common"),
        ("iloveyou", "most common"),
        ("aaaaaaaaaaaa", "one repeated character"),
        ("x" * (PASSWORD_MAX + 1), "at most 256"),
        ("ada.lovelace", "must not be your email address or username"),
    ],
)
def test_password_problems(password, problem):
    problems = password_problems(password, ("ada.lovelace@example.org",))
    assert len(problems) == 1 and problem in problems[0]


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "tr0ub4dor&3", "ümlaut-passwört", "q7-w!" * 26, "        spaces ok"]
)
def test_acceptable_passwords_have_no_composition_rules(password):
    assert password_problems(password) == []


def test_default_hash_parameters_meet_owasp():
    params = HashParameters()
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19456, 2, 1)
    params.check()
    HashParameters(memory_cost=47104, time_cost=1).check()
    HashParameters(memory_cost=65536, time_cost=3, parallelism=4).check()
    for weak in (HashParameters(memory_cost=19455), HashParameters(time_cost=1), HashParameters(parallelism=0)):
        with pytest.raises(WeakHashParameters):
            weak.check()


def test_hash_and_verify():
    passwords = Passwords()
    digest = passwords.hash("correct horse battery staple")
    assert digest.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify(digest, "correct horse battery staple")
    assert not passwords.verify(digest, "correct horse battery stapl")
    assert not passwords.verify(digest, "correct horse battery staple ")  # never trimmed or truncated
    assert not passwords.verify("not a hash", "anything")
    assert not passwords.verify(None, "anything")  # the dummy hash: same work, always false
    assert not passwords.needs_rehash(digest)
    assert Passwords(HashParameters(time_cost=3)).needs_rehash(digest)


def test_long_passwords_are_hashed_whole():
    passwords = Passwords()
    long = "a" * 127 + "b"
    digest = passwords.hash(long)
    assert passwords.verify(digest, long)
    assert not passwords.verify(digest, "a" * 127 + "c")
    assert not passwords.verify(digest, "a" * 127)


def test_unicode_passwords_are_normalised():
    passwords = Passwords()
    digest = passwords.hash("caf\u00e9 au lait")  # é as one code point
    assert passwords.verify(digest, "cafe\u0301 au lait")  # e + combining accent, as some keyboards send it
