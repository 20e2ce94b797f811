"""Accounts: roles, login names, the password policy and password hashing.

Pure: no Flask, no database. The policy follows NIST SP 800-63B and the OWASP cheat sheets: at least
8 characters, long passphrases welcome and never truncated, no composition rules, the most common
passwords refused, argon2id at or above OWASP's parameters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cached_property, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

PASSWORD_MIN = 8
PASSWORD_MAX = 256  # long enough for any passphrase; bounds the work one request can ask for
USERNAME_MIN, USERNAME_MAX = 3, 40
EMAIL_MAX = 254
USERNAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+$")

# OWASP Password Storage Cheat Sheet: equally strong argon2id settings (memory in KiB, iterations), p=1.
OWASP_ARGON2_MINIMUMS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))


class Role(StrEnum):
    LEARNER = "learner"
    TEACHER = "teacher"
    ADMIN = "admin"


ROLES = tuple(r.value for r in Role)
STAFF = (Role.TEACHER, Role.ADMIN)  # may manage question banks


class AccountBehaviour:
    """What an account answers, from its columns: Flask-Login's questions, its owner and its shown name.
    Shared by the account's table row and by :class:`SessionUser`."""

    if TYPE_CHECKING:  # provided by the class that mixes this in (declared here for type checkers only)
        id: int
        email: str | None
        username: str | None
        role: str
        session_token: str
        disabled_at: dt.datetime | None

    is_authenticated = True  # Flask-Login: a real account, not its anonymous visitor
    is_anonymous = False

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to log in inactive users
        return self.disabled_at is None

    def get_id(self) -> str:  # Flask-Login knows a user by their session token, never by id
        return self.session_token

    @property
    def owner_id(self) -> int:
        """Whose object this is, for ownership checks: a user owns their own account."""
        return self.id

    @property
    def login(self) -> str:
        return shown_login(self.email, self.username)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


@dataclass(frozen=True)
class SessionUser(AccountBehaviour):
    """A logged-in user as one request sees them: their account, read once, without the password hash.

    It has what Flask-Login asks of a user. Operations that change an account take the account itself.
    """

    id: int
    email: str | None
    username: str | None
    role: str
    session_token: str
    created_at: dt.datetime
    password_changed_at: dt.datetime
    last_login_at: dt.datetime | None
    disabled_at: dt.datetime | None


SESSION_USER_FIELDS = tuple(f.name for f in fields(SessionUser))


def shown_login(email: str | None, username: str | None) -> str:
    """The name shown for a user: their email address, or their username if they have no email."""
    return email or username or ""


class InvalidLogin(ValueError):
    """A login name that is neither a valid email address nor a valid username."""


@dataclass(frozen=True)
class LoginName:
    kind: str  # "email" or "username"
    value: str  # normalised: NFKC, trimmed, lowercase


def normalize_login(text: str) -> str:
    """The form a login name is stored and looked up in (also for names that are not valid)."""
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def parse_login(text: str) -> LoginName:
    """Validate an email address or username; raise :class:`InvalidLogin` with a message for people."""
    value = normalize_login(text)
    if not value:
        raise InvalidLogin("Enter an email address or a username.")
    if "@" in value:
        if len(value) > EMAIL_MAX or not EMAIL_RE.match(value):
            raise InvalidLogin("Enter an email address like name@example.org, or a username without “@”.")
        return LoginName("email", value)
    if not USERNAME_MIN <= len(value) <= USERNAME_MAX or not USERNAME_RE.match(value):
        raise InvalidLogin(
            f"A username has {USERNAME_MIN} to {USERNAME_MAX} characters: letters a to z, digits, dots, hyphens "
            "and underscores, starting and ending with a letter or digit."
        )
    return LoginName("username", value)


def normalize_password(password: str) -> str:
    """NFKC, so the same passphrase typed on different keyboards gives the same bytes (SP 800-63B)."""
    return unicodedata.normalize("NFKC", password)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lowercase); see the header of the file for its source."""
    text = resources.files("quizapp").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    _header, _, body = text.partition("\n\n")
    return frozenset(line for line in body.splitlines() if line)


def password_problems(password: str, context: tuple[str, ...] = ()) -> list[str]:
    """Everything wrong with a new password, in words for people; empty when it is acceptable.

    ``context`` holds words the password must not be, such as the user's email address or username.
    """
    password = normalize_password(password or "")
    if len(password) < PASSWORD_MIN:
        return [f"Use at least {PASSWORD_MIN} characters. A few unusual words together make a strong password."]
    if len(password) > PASSWORD_MAX:
        return [f"Use at most {PASSWORD_MAX} characters."]
    lowered = password.lower()
    if lowered in common_passwords():
        return ["This password is one of the most common ones and easy to guess. Choose another."]
    names = {normalize_login(c) for c in context if c} | {normalize_login(c).split("@")[0] for c in context if c}
    if lowered in names:
        return ["Your password must not be your email address or username."]
    if len(set(password)) == 1:
        return ["A password made of one repeated character is easy to guess. Choose another."]
    return []


class WeakHashParameters(ValueError):
    pass


@dataclass(frozen=True)
class HashParameters:
    """argon2id cost settings: memory in KiB, iterations and lanes."""

    memory_cost: int = 19456
    time_cost: int = 2
    parallelism: int = 1

    def check(self) -> None:
        """Raise :class:`WeakHashParameters` if these are below every OWASP-recommended setting."""
        strong = any(self.memory_cost >= m and self.time_cost >= t for m, t in OWASP_ARGON2_MINIMUMS)
        if not strong or self.parallelism < 1:
            raise WeakHashParameters(
                f"argon2id memory_cost={self.memory_cost} KiB, time_cost={self.time_cost}, "
                f"parallelism={self.parallelism} is weaker than the OWASP minimum "
                "(e.g. 19456 KiB with 2 iterations, or 47104 KiB with 1)"
            )


class Passwords:
    """Hash and verify passwords with argon2id; verifying for an unknown user costs the same as for a known one."""

    def __init__(self, params: HashParameters | None = None):
        self.params = params or HashParameters()
        self.params.check()
        self.hasher = PasswordHasher(
            time_cost=self.params.time_cost,
            memory_cost=self.params.memory_cost,
            parallelism=self.params.parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )

    @cached_property
    def _dummy_hash(self) -> str:
        return self.hasher.hash(secrets.token_urlsafe(24))

    def hash(self, password: str) -> str:
        return self.hasher.hash(normalize_password(password))

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True if ``password`` matches; with no hash, spend the same time and return False."""
        if password_hash is None:
            self._verify(self._dummy_hash, password)
            return False
        return self._verify(password_hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, normalize_password(password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)


# --- login throttling -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failed password checks are allowed within ``window``, and how many new accounts.

    Failures are counted three ways, each with its own limit: for one account from one client address
    (``per_account``), for one client address across accounts (``per_address``), and for one account from
    every address together (``per_account_everywhere``). The first stops a guesser at their own address
    without locking the owner out elsewhere; the last stops guessing spread over many addresses, and a
    browser the account has logged in from before (a signed "known device" cookie) is exempt from it, so
    even then the owner gets in from their usual browser. Registrations are limited per address and for
    the whole site within ``registration_window``.
    """

    per_account: int = 5
    per_address: int = 30
    window: dt.timedelta = dt.timedelta(minutes=15)
    per_account_everywhere: int = 50
    registrations_per_address: int = 30
    registrations_total: int = 300
    registration_window: dt.timedelta = dt.timedelta(hours=1)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ThrottlePolicy:
        def number(key: str, default: float) -> int:
            return int(config.get(key, default))

        policy = cls(
            per_account=number("LOGIN_MAX_FAILURES_PER_ACCOUNT", cls.per_account),
            per_address=number("LOGIN_MAX_FAILURES_PER_ADDRESS", cls.per_address),
            window=dt.timedelta(seconds=number("LOGIN_THROTTLE_WINDOW", cls.window.total_seconds())),
            per_account_everywhere=number("LOGIN_MAX_FAILURES_PER_ACCOUNT_EVERYWHERE", cls.per_account_everywhere),
            registrations_per_address=number("REGISTRATIONS_PER_ADDRESS", cls.registrations_per_address),
            registrations_total=number("REGISTRATIONS_TOTAL", cls.registrations_total),
            registration_window=dt.timedelta(
                seconds=number("REGISTRATION_WINDOW", cls.registration_window.total_seconds())
            ),
        )
        limits = (policy.per_account, policy.per_address, policy.per_account_everywhere)
        limits += (policy.registrations_per_address, policy.registrations_total)
        windows = (policy.window, policy.registration_window)
        if min(limits) < 1 or min(w.total_seconds() for w in windows) < 1:
            raise ValueError("login and registration limits and windows must be at least 1")
        return policy


# --- password-reset links ---------------------------------------------------------------------------------

RESET_LINK_LIFETIME = dt.timedelta(hours=1)
RESET_TOKEN_BYTES = 32  # 256 bits: a link cannot be guessed
RESET_TOKEN_MAX = 100  # longer than any token made here; a longer one in a URL is refused unread
RESET_SOURCES = ("admin", "email")  # who made a link: an administrator, or the account's holder by email


def new_reset_token() -> str:
    """A fresh random token for a password-reset link (URL-safe text)."""
    return secrets.token_urlsafe(RESET_TOKEN_BYTES)


def reset_token_digest(token: str) -> str:
    """What is stored of a reset token: its SHA-256 digest, so the table alone resets nothing."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def reset_policy_from_config(config: Mapping[str, Any]) -> ThrottlePolicy:
    """How many password-reset emails may be asked for per account and per client address within the window:
    every request counts, whether or not an account has the address."""
    policy = ThrottlePolicy(
        per_account=int(config.get("PASSWORD_RESET_MAX_PER_ACCOUNT", 3)),
        per_address=int(config.get("PASSWORD_RESET_MAX_PER_ADDRESS", 20)),
        window=dt.timedelta(seconds=int(config.get("PASSWORD_RESET_WINDOW", 60 * 60))),
    )
    if policy.per_account < 1 or policy.per_address < 1 or policy.window.total_seconds() < 1:
        raise ValueError("password-reset request limits and window must be at least 1")
    return policy
