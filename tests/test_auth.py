"""Accounts through the web: register, log in and out, change the password, export, delete; no enumeration."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import event, func, select

from quizapp.domain.accounts import HashParameters, Passwords
from quizapp.extensions import db
from quizapp.models import LoginFailure, User
from quizapp.operations import ThrottlePolicy

from .conftest import CSRF_RE, PASSWORD, csrf_token, log_in, post_form

ARGON2_PARAMETERS = re.compile(r"^\$argon2id\$v=\d+\$m=\d+,t=\d+,p=\d+\$")  # what a check costs


def user_row(app, login: str) -> User | None:
    with app.app_context():
        user = db.session.scalars(select(User).where((User.email == login) | (User.username == login))).first()
        if user is not None:
            db.session.expunge(user)
        return user


def register(client, login: str, password: str = PASSWORD, confirm: str | None = None, **query):
    data = {"login": login, "password": password, "confirm": password if confirm is None else confirm}
    return client.post("/register", query_string=query, data={**data, "csrf_token": csrf_token(client)})


# --- registration -----------------------------------------------------------------------------------------


def test_register_creates_a_learner_and_logs_in(app, client):
    response = register(client, "  New.Person@Example.ORG ")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = user_row(app, "new.person@example.org")
    assert user is not None and user.role == "learner" and user.username is None
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    page = client.get("/").get_data(as_text=True)
    assert "Welcome! Your account is ready" in page
    assert "new.person@example.org" in page and 'class="role role-learner">learner<' in page


def test_register_with_a_username(app, client):
    assert register(client, "Ada_L").status_code == 302
    user = user_row(app, "ada_l")
    assert user.username == "ada_l" and user.email is None


@pytest.mark.parametrize(
    ("login", "password", "confirm", "message"),
    [
        ("", PASSWORD, None, "Enter an email address or a username."),
        ("no spaces allowed", PASSWORD, None, "A username has 3 to 40 characters"),
        ("a@b", PASSWORD, None, "Enter an email address like name@example.org"),
        ("someone@example.org", "short", None, "Use at least 8 characters."),
        ("someone@example.org", "password1", None, "one of the most common ones"),
        ("someone@example.org", "Qwertyuiop", None, "one of the most common ones"),
        ("someone@example.org", "someone@example.org", None, "must not be your email address or username"),
        ("someone@example.org", PASSWORD, "something else", "The two passwords are not the same."),
        ("someone@example.org", "x" * 257, None, "Use at most 256 characters."),
    ],
)
def test_register_refuses_bad_input_with_a_message_on_the_field(app, client, login, password, confirm, message):
    response = register(client, login, password, confirm)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert "There is a problem" in html and 'aria-invalid="true"' in html
    with app.app_context():
        assert db.session.scalars(select(User)).first() is None


def test_long_passwords_are_accepted_whole_and_never_truncated(app, client):
    long = "word " * 25 + "end"  # 128 characters
    assert len(long) == 128
    assert register(client, "longpass@example.org", long).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert log_in(client, "longpass@example.org", long[:-1]).status_code == 422  # one character short fails
    assert log_in(client, "longpass@example.org", long).status_code == 302


def test_register_a_taken_name_reveals_no_more_than_it_must(app, client, make_user):
    make_user("taken@example.org")
    make_user("takenname")
    first = register(client, "TAKEN@example.org")
    second = register(client, "takenname")
    assert first.status_code == second.status_code == 422
    for response in (first, second):
        assert "This email address or username cannot be used for a new account" in response.get_data(as_text=True)
    with app.app_context():  # a refused registration counts against the address, so names cannot be tested fast
        assert db.session.scalars(select(LoginFailure).where(LoginFailure.scope == "address")).all()


def test_logged_in_users_are_sent_home_from_login_and_register(client, make_user):
    make_user()
    log_in(client, "learner@example.org")
    assert client.get("/login").status_code == 302
    assert client.get("/register").status_code == 302


# --- logging in and out -----------------------------------------------------------------------------------


def test_login_is_case_insensitive_and_logout_is_a_post(app, client, make_user):
    make_user("Learner@Example.org")
    response = log_in(client, "LEARNER@example.ORG")
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert client.get("/logout").status_code == 405  # no GET route changes state
    assert client.get("/account").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert client.get("/account").status_code == 302


def test_unknown_user_and_wrong_password_look_the_same(app, client, make_user):
    make_user("known@example.org")
    unknown = log_in(client, "unknown@example.org", "some password here")
    wrong = log_in(client, "known@example.org", "some password here")
    assert unknown.status_code == wrong.status_code == 422
    pages = [r.get_data(as_text=True) for r in (unknown, wrong)]
    # The pages differ only in the name typed (echoed in its field) and the CSRF tokens.
    same = [CSRF_RE.sub("", p.replace("unknown@example.org", "X").replace("known@example.org", "X")) for p in pages]
    assert same[0] == same[1]
    assert "The email address or username, or the password, is not right." in pages[0]


def test_unknown_user_and_wrong_password_take_about_as_long(app, client, make_user, monkeypatch):
    """The cost of a failed login is one argon2id verification, made with the same parameters whether or not
    the account exists, plus the same database work; counted rather than timed, so a busy machine cannot
    make it fail."""
    make_user("known@example.org")
    app.extensions["quizapp.throttle"] = ThrottlePolicy(per_account=1000, per_address=1000)
    passwords = app.extensions["quizapp.passwords"]
    original = passwords._verify
    verified: list[str] = []
    monkeypatch.setattr(passwords, "_verify", lambda h, p: verified.append(h) or original(h, p))
    with app.app_context():
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    work: dict[str, list[tuple[list[str], list[str]]]] = {"unknown": [], "wrong": []}
    for _ in range(3):
        for kind, login in (("unknown", "nobody@example.org"), ("wrong", "known@example.org")):
            token = csrf_token(client)
            verified.clear()
            statements.clear()
            response = client.post("/login", data={"login": login, "password": "not it at all", "csrf_token": token})
            assert response.status_code == 422
            work[kind].append(([ARGON2_PARAMETERS.match(h).group(0) for h in verified], list(statements)))
    known_hash = user_row(app, "known@example.org").password_hash
    for kind in work:
        for hashes, _ in work[kind]:
            assert hashes == [ARGON2_PARAMETERS.match(known_hash).group(0)], kind  # one check, the same cost
    unknown_sql = [[sql.split()[0] for sql in statements] for _, statements in work["unknown"]]
    wrong_sql = [[sql.split()[0] for sql in statements] for _, statements in work["wrong"]]
    assert unknown_sql == wrong_sql  # the same kinds of statement, in the same order


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/banks/demo", "/banks/demo"),
        ("/account?tab=1", "/account?tab=1"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        ("http://localhost/account", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/\t/evil.example", "/"),
        ("", "/"),
    ],
)
def test_next_only_redirects_to_this_site(client, make_user, target, expected):
    make_user()
    response = log_in(client, "learner@example.org", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_anonymous_visitors_are_sent_to_login_and_back(client, make_user):
    make_user("teacher@example.org", role="teacher")
    response = client.get("/teach/?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/teach/?x%3D1"
    response = log_in(client, "teacher@example.org", next="/teach/?x=1")
    assert response.headers["Location"] == "/teach/?x=1"


def test_session_changes_at_login(client, make_user):
    make_user()
    csrf_token(client)  # the visitor now has a session (with a CSRF token)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    log_in(client, "learner@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def test_rehash_on_login_when_parameters_change(app, client, make_user):
    make_user()
    stronger = HashParameters(memory_cost=19456, time_cost=3, parallelism=1)
    app.extensions["quizapp.passwords"] = Passwords(stronger)
    assert log_in(client, "learner@example.org").status_code == 302
    assert user_row(app, "learner@example.org").password_hash.startswith("$argon2id$v=19$m=19456,t=3,p=1$")


def strip_tokens(page: str) -> str:
    return CSRF_RE.sub("", page)


def test_disabled_account_cannot_log_in(app, client, make_user):
    make_user()
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        user.disabled_at = user.created_at
        db.session.commit()
    right = log_in(client, "learner@example.org")
    wrong = log_in(client, "learner@example.org", "wrong password")
    # The right password for a disabled account is answered exactly as a wrong one, and counted as one.
    assert right.status_code == wrong.status_code == 422
    assert strip_tokens(right.get_data(as_text=True)) == strip_tokens(wrong.get_data(as_text=True))
    assert "is not right" in right.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(LoginFailure)) == 6
        )  # x2: account here, account, address


# --- the account ------------------------------------------------------------------------------------------


def test_change_password(app, client, make_user):
    make_user()
    log_in(client, "learner@example.org")
    wrong = post_form(
        client, "/account/password", current_password="nope nope", new_password="new pass phrase", confirm="x"
    )
    assert wrong.status_code == 422
    assert "The two passwords are not the same." in wrong.get_data(as_text=True)
    bad_current = post_form(
        client,
        "/account/password",
        current_password="nope nope",
        new_password="a brand new phrase",
        confirm="a brand new phrase",
    )
    assert bad_current.status_code == 422 and "Your current password is not right." in bad_current.text
    same = post_form(client, "/account/password", current_password=PASSWORD, new_password=PASSWORD, confirm=PASSWORD)
    assert same.status_code == 422 and "same as the current one" in same.text
    ok = post_form(
        client,
        "/account/password",
        current_password=PASSWORD,
        new_password="a brand new phrase",
        confirm="a brand new phrase",
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200  # this session goes on
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert log_in(client, "learner@example.org").status_code == 422
    assert log_in(client, "learner@example.org", "a brand new phrase").status_code == 302


def test_export_downloads_my_data_and_only_mine(app, client, make_user):
    me = make_user("me@example.org")
    other = make_user("other@example.org")
    log_in(client, "me@example.org")
    response = client.get(f"/account/{me}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="quizapp-account-{me}.json"'
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "me@example.org" and data["account"]["role"] == "learner"
    assert "password" not in response.get_data(as_text=True).replace("password_changed_at", "")
    assert PASSWORD not in response.get_data(as_text=True)
    assert "session_token" not in data["account"]
    assert client.get(f"/account/{other}/export").status_code == 404
    assert client.get(f"/account/{other + 1000}/export").status_code == 404


def test_delete_account_needs_the_password(app, client, make_user):
    make_user()
    log_in(client, "learner@example.org")
    assert client.get("/account/delete").status_code == 200
    wrong = post_form(client, "/account/delete", password="not my password")
    assert wrong.status_code == 422 and "That password is not right." in wrong.text
    assert user_row(app, "learner@example.org") is not None
    ok = post_form(client, "/account/delete", password=PASSWORD)
    assert ok.status_code == 302
    assert "Your account and all its data have been deleted." in client.get("/").text
    assert user_row(app, "learner@example.org") is None
    assert client.get("/account").status_code == 302
    assert log_in(client, "learner@example.org").status_code == 422


def test_the_last_admin_cannot_delete_their_account(app, client, make_user):
    make_user("admin@example.org", role="admin")
    log_in(client, "admin@example.org")
    response = post_form(client, "/account/delete", password=PASSWORD)
    assert response.status_code == 422
    assert "last active administrator" in response.text
    assert user_row(app, "admin@example.org") is not None


def test_home_says_what_visitors_can_do_and_what_needs_an_account(client, make_user):
    html = client.get("/").text
    assert "Browse the banks below without an account" in html and "keep your progress" in html
    assert 'href="/login"' in html and 'href="/register"' in html
    assert "Anyone can browse the banks" in client.get("/banks").text
    make_user()
    log_in(client, "learner@example.org")
    html = client.get("/").text
    assert "Browse the banks below" not in html and "<h1>Home</h1>" in html
    assert "learner@example.org" in html and ">Log out</button>" in html
    assert "Anyone can browse the banks" not in client.get("/banks").text


def test_weak_argon2_settings_are_refused_at_startup(tmp_path):
    from quizapp import create_app
    from quizapp.domain.accounts import WeakHashParameters

    with pytest.raises(WeakHashParameters, match="weaker than the OWASP minimum"):
        create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'w.sqlite'}",
                "ARGON2_MEMORY_COST": 4096,
                "ARGON2_TIME_COST": 1,
            }
        )
