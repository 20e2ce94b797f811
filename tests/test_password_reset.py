"""Password help: one-time reset links made by an administrator or asked for by email, sent through a real
SMTP server started by the tests; the same answer whether or not an address has an account."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from quizapp import create_app
from quizapp.extensions import db, passwords
from quizapp.mail import mailer
from quizapp.models import AuditEntry, LoginFailure, PasswordResetLink, User, utcnow
from quizapp.operations import (
    BadCredentials,
    ResetsThrottled,
    create_user,
    make_reset_link,
    request_reset_by_email,
    reset_link_user,
    reset_password_with_link,
)
from quizapp.operations import log_in as log_in_operation
from quizapp.operations.accounts import ThrottlePolicy
from quizapp.operations.password_resets import INVALID_LINK

from .conftest import PASSWORD, csrf_token, log_in, make_app, post_form
from .smtp import SMTPServer, free_port, smtp_server  # noqa: F401 - smtp_server is a fixture

NEW_PASSWORD = "a brand new long passphrase"
LEARNER = "learner@example.org"
WHEN = dt.datetime(2026, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
LINK_PATH = re.compile(r"/password/reset/[A-Za-z0-9_-]+")


@pytest.fixture
def mail_app(tmp_path: Path, smtp_server: SMTPServer):  # noqa: F811
    app = make_app(f"sqlite:///{tmp_path / 'mail.sqlite'}", tmp_path, **smtp_server.config())
    yield app
    with app.app_context():
        mailer().wait()
        db.engine.dispose()


@pytest.fixture
def learner(mail_app: Flask) -> int:
    with mail_app.app_context():
        user = create_user(db.session, LEARNER, PASSWORD, passwords=passwords(), now=utcnow())
        db.session.commit()
        return user.id


def ask(app: Flask, client, email: str):
    response = post_form(client, "/password/forgot", email=email)
    with app.app_context():
        mailer().wait()
    return response


def path_of(link: str) -> str:
    return LINK_PATH.search(link).group(0)


def reset(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    page = client.get(path)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    data = {"password": password, "confirm": confirm if confirm is not None else password}
    return client.post(path, data={"csrf_token": token.group(1) if token else csrf_token(client), **data})


def actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def password_is(app: Flask, login: str, password: str) -> bool:
    return log_in(app.test_client(), login, password).status_code == 302


# --- without email ----------------------------------------------------------------------------------------


def test_without_a_mail_server_the_link_is_not_offered_and_the_page_says_why(app, client):
    login_page = client.get("/login").text
    assert "/password/forgot" not in login_page and "Ask your teacher or the site" in login_page
    for response in (client.get("/password/forgot"), post_form(client, "/password/forgot", email=LEARNER)):
        assert response.status_code == 404
        assert "This site does not send email" in response.text and "one-time link" in response.text


# --- asking by email --------------------------------------------------------------------------------------


def test_an_emailed_link_resets_the_password_and_logs_out_other_sessions(mail_app, smtp_server, learner):  # noqa: F811
    elsewhere = mail_app.test_client()
    assert log_in(elsewhere, LEARNER).status_code == 302
    client = mail_app.test_client()
    assert 'href="/password/forgot"' in client.get("/login").text
    response = ask(mail_app, client, "  Learner@Example.org ")
    assert response.status_code == 200 and "Check your email" in response.text
    (mail,) = smtp_server.inbox.wait_for(1)
    assert smtp_server.inbox.recipients == [[LEARNER]]
    assert (mail["From"], mail["To"], mail["Subject"]) == (
        "quizapp@example.org",
        LEARNER,
        "Choose a new password for quizapp",
    )
    assert mail.get_content_type() == "text/plain" and LEARNER in mail.get_content()
    link = smtp_server.inbox.link()
    assert link.startswith("http://localhost/password/reset/")
    form = client.get(path_of(link))
    assert form.status_code == 200 and "Choose a new password" in form.text and LEARNER in form.text
    assert form.headers["Cache-Control"] == "no-store" and form.headers["Referrer-Policy"] == "no-referrer"
    done = reset(client, path_of(link))
    assert done.status_code == 303 and done.headers["Location"] == "/login"
    assert "Your password has been changed" in client.get("/login").text
    assert elsewhere.get("/account").status_code == 302  # the other session ended
    assert password_is(mail_app, LEARNER, NEW_PASSWORD) and not password_is(mail_app, LEARNER, PASSWORD)
    again = client.get(path_of(link))
    assert again.status_code == 404 and INVALID_LINK in again.text
    assert reset(client, path_of(link), "yet another passphrase").status_code == 404
    assert password_is(mail_app, LEARNER, NEW_PASSWORD)
    assert actions(mail_app) == ["password.reset_request", "password.reset"]
    with mail_app.app_context():
        assert db.session.scalars(select(PasswordResetLink)).all() == []  # used: gone


def test_an_unknown_address_gets_the_same_answer_and_no_email(mail_app, smtp_server, learner):  # noqa: F811
    unknown = ask(mail_app, mail_app.test_client(), "nobody@example.org")
    known = ask(mail_app, mail_app.test_client(), LEARNER)
    assert unknown.status_code == known.status_code == 200

    def page(response, email):
        body = response.text.replace(email, "ADDRESS")
        return re.sub(r'name="csrf_token" value="[^"]+"', "", body)

    assert page(unknown, "nobody@example.org") == page(known, LEARNER)
    smtp_server.inbox.wait_for(1)
    assert smtp_server.inbox.recipients == [[LEARNER]]  # both sends have finished: only one message
    with mail_app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.summary, e.details["account"]) for e in entries] == [
            ("password.reset_request", "nobody@example.org", "none"),
            ("password.reset_request", LEARNER, "found"),
        ]
        assert len(db.session.scalars(select(PasswordResetLink)).all()) == 1


def test_a_disabled_account_gets_the_same_answer_and_no_email(mail_app, smtp_server, learner):  # noqa: F811
    assert mail_app.test_cli_runner().invoke(args=["user", "disable", LEARNER]).exit_code == 0
    response = ask(mail_app, mail_app.test_client(), LEARNER)
    assert response.status_code == 200 and "Check your email" in response.text
    assert smtp_server.inbox.messages == []


@pytest.mark.parametrize("typed", ["", "learner", "not an address@", "x" * 250 + "@example.org"])
def test_what_is_not_an_email_address_is_a_clear_422(mail_app, smtp_server, learner, typed):  # noqa: F811
    response = ask(mail_app, mail_app.test_client(), typed)
    assert response.status_code == 422 and "There is a problem" in response.text
    assert actions(mail_app) == [] and smtp_server.inbox.messages == []


def test_requests_are_limited_per_account_and_per_client_address(mail_app, smtp_server, learner):  # noqa: F811
    client = mail_app.test_client()
    for _ in range(3):
        assert ask(mail_app, client, LEARNER).status_code == 200
        assert ask(mail_app, client, "nobody@example.org").status_code == 200
    for email in (LEARNER, "nobody@example.org"):  # the same answer for both
        refused = ask(mail_app, client, email)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 3500
        assert "Too many password-reset emails" in refused.text and "about 60 minutes" in refused.text
    assert len(smtp_server.inbox.wait_for(3)) == 3
    assert ask(mail_app, client, "third@example.org").status_code == 200  # another address, same client
    with mail_app.app_context():
        scopes = set(db.session.scalars(select(LoginFailure.scope)))
        assert scopes == {"reset:account", "reset:address"}  # hashed keys, no addresses in the clear


def test_the_client_address_limit_counts_every_address(mail_app, smtp_server):  # noqa: F811
    with mail_app.app_context():
        policy = ThrottlePolicy(per_account=3, per_address=4, window=dt.timedelta(hours=1))
        for i in range(4):
            request_reset_by_email(db.session, f"n{i}@example.org", "192.0.2.1", policy=policy, now=WHEN)
        with pytest.raises(Exception, match="Too many password-reset emails") as refused:
            request_reset_by_email(db.session, "n9@example.org", "192.0.2.1", policy=policy, now=WHEN)
        assert refused.value.status == 429
        later = WHEN + dt.timedelta(hours=1, seconds=1)
        request_reset_by_email(db.session, "n9@example.org", "192.0.2.1", policy=policy, now=later)


@pytest.fixture
def unreachable_mail_app(tmp_path):
    """The app configured to send through a port nothing listens on (made before the test's log capture
    starts: running the migrations configures logging afresh)."""
    app = make_app(
        f"sqlite:///{tmp_path / 'down.sqlite'}",
        tmp_path,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=free_port(),
        MAIL_FROM="quizapp@example.org",
        MAIL_TIMEOUT=2,
    )
    with app.app_context():
        create_user(db.session, LEARNER, PASSWORD, passwords=passwords(), now=utcnow())
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_failed_send_is_logged_and_the_answer_is_the_same(unreachable_mail_app, caplog):
    with caplog.at_level(logging.ERROR, logger="quizapp.mail"):
        response = ask(unreachable_mail_app, unreachable_mail_app.test_client(), LEARNER)
    assert response.status_code == 200 and "Check your email" in response.text
    assert any("could not send the email" in r.getMessage() and LEARNER in r.getMessage() for r in caplog.records)
    assert not any("/password/reset/" in r.getMessage() for r in caplog.records)  # the link is never logged


# --- links and their checks -------------------------------------------------------------------------------


def test_expired_used_and_unknown_links_get_one_answer_and_change_nothing(mail_app, learner):
    with mail_app.app_context():
        user = db.session.get(User, learner)
        expired, _ = make_reset_link(db.session, user, acting=None, now=utcnow() - dt.timedelta(hours=1))
        fresh, _ = make_reset_link(db.session, user, acting=None, now=utcnow())
        db.session.commit()
    client = mail_app.test_client()
    bodies = set()
    for token in (expired, fresh[:-1], "x" * 101, "no-such-token"):
        page = client.get(f"/password/reset/{token}")
        assert page.status_code == 404 and INVALID_LINK in page.text
        bodies.add(page.text)
        assert reset(client, f"/password/reset/{token}").status_code == 404
    assert len(bodies) == 1
    assert password_is(mail_app, LEARNER, PASSWORD)
    assert reset(client, f"/password/reset/{fresh}").status_code == 303  # the fresh one still works


def test_the_link_expires_after_one_hour(mail_app, learner):
    with mail_app.app_context():
        user = db.session.get(User, learner)
        token, expires_at = make_reset_link(db.session, user, acting=None, now=WHEN)
        db.session.commit()
        assert expires_at == WHEN + dt.timedelta(hours=1)
        assert reset_link_user(db.session, token, WHEN + dt.timedelta(minutes=59, seconds=59)).id == learner
        with pytest.raises(Exception, match="does not work") as refused:
            reset_link_user(db.session, token, WHEN + dt.timedelta(hours=1))
        assert refused.value.status == 404


def test_only_the_digest_of_a_token_is_stored(mail_app, learner):
    with mail_app.app_context():
        token, _ = make_reset_link(db.session, db.session.get(User, learner), acting=None, now=WHEN)
        db.session.commit()
        link = db.session.scalars(select(PasswordResetLink)).one()
        assert link.token_digest == hashlib.sha256(token.encode()).hexdigest() and link.source == "admin"
        with db.engine.connect() as conn:
            dump = "\n".join(conn.connection.driver_connection.iterdump())
        assert token not in dump


def test_using_a_link_cancels_the_accounts_other_links(mail_app, smtp_server, learner):  # noqa: F811
    with mail_app.app_context():
        first, _ = make_reset_link(db.session, db.session.get(User, learner), acting=None, now=utcnow())
        db.session.commit()
    ask(mail_app, mail_app.test_client(), LEARNER)
    smtp_server.inbox.wait_for(1)
    client = mail_app.test_client()
    assert reset(client, path_of(smtp_server.inbox.link())).status_code == 303
    assert client.get(f"/password/reset/{first}").status_code == 404


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", "short", "Use at least 8 characters"),
        (LEARNER, LEARNER, "must not be your email address"),
        (NEW_PASSWORD, "something else entirely", "The two passwords are not the same."),
        ("password1", "password1", "one of the most common ones"),
    ],
)
def test_a_refused_new_password_keeps_the_link_and_the_old_password(mail_app, learner, password, confirm, message):
    with mail_app.app_context():
        token, _ = make_reset_link(db.session, db.session.get(User, learner), acting=None, now=utcnow())
        db.session.commit()
    client = mail_app.test_client()
    response = reset(client, f"/password/reset/{token}", password, confirm)
    assert response.status_code == 422 and message in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert password_is(mail_app, LEARNER, PASSWORD)
    assert reset(client, f"/password/reset/{token}").status_code == 303


# --- made by an administrator -----------------------------------------------------------------------------


def test_an_admin_makes_a_link_that_is_shown_once_and_works(app, client, make_user):
    make_user("admin@example.org", role="admin")
    learner = make_user(LEARNER)
    log_in(client, "admin@example.org")
    assert "Make a password-reset link" in client.get(f"/admin/users/{learner}").text
    shown = post_form(client, f"/admin/users/{learner}/reset-link")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert "it is not shown again" in shown.text
    (link,) = set(re.findall(r"http://localhost/password/reset/[A-Za-z0-9_-]+", shown.text))
    assert "/password/reset/" not in client.get(f"/admin/users/{learner}").text  # once only
    elsewhere = app.test_client()
    log_in(elsewhere, LEARNER)
    visitor = app.test_client()
    assert reset(visitor, path_of(link)).status_code == 303
    assert elsewhere.get("/account").status_code == 302
    assert password_is(app, LEARNER, NEW_PASSWORD)
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.actor_name, e.target_user_id) for e in entries] == [
            ("password.reset_link", "admin@example.org", learner),
            ("password.reset", "visitor (not logged in)", learner),
        ]
        assert entries[1].details["link_from"] == "admin"
        assert "expires_at" in entries[0].details


def test_no_link_for_a_disabled_account_and_none_for_a_missing_one(app, client, make_user):
    make_user("admin@example.org", role="admin")
    learner = make_user(LEARNER)
    log_in(client, "admin@example.org")
    post_form(client, f"/admin/users/{learner}/disable")
    response = post_form(client, f"/admin/users/{learner}/reset-link")
    assert response.status_code == 403 and "This account is disabled" in response.text
    assert post_form(client, "/admin/users/999999/reset-link").status_code == 404
    assert post_form(client, f"/admin/users/{10**20}/reset-link").status_code == 404  # beyond any id
    assert client.get(f"/admin/users/{10**20}").status_code == 404
    with app.app_context():
        assert db.session.scalars(select(PasswordResetLink)).all() == []


def test_a_link_for_an_account_disabled_after_it_was_made_does_not_work(app, client, make_user):
    make_user("admin@example.org", role="admin")
    learner = make_user(LEARNER)
    log_in(client, "admin@example.org")
    link = re.search(r"/password/reset/[A-Za-z0-9_-]+", post_form(client, f"/admin/users/{learner}/reset-link").text)
    post_form(client, f"/admin/users/{learner}/disable")
    assert app.test_client().get(link.group(0)).status_code == 404


# --- configuration ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"MAIL_SERVER": "mail.example.org"}, "Set QUIZAPP_MAIL_FROM"),
        ({"MAIL_USE_TLS": True, "MAIL_USE_STARTTLS": "true"}, "Set only one of QUIZAPP_MAIL_USE_TLS"),
        ({"MAIL_PORT": "smtp"}, "QUIZAPP_MAIL_PORT must be a whole number"),
        ({"MAIL_PORT": 70000}, "QUIZAPP_MAIL_PORT must be 1 to 65535"),
        ({"MAIL_USE_STARTTLS": "maybe"}, "QUIZAPP_MAIL_USE_STARTTLS must be true or false"),
        ({"MAIL_USERNAME": "quiz"}, "Set both QUIZAPP_MAIL_USERNAME and QUIZAPP_MAIL_PASSWORD"),
    ],
)
def test_incomplete_mail_settings_stop_the_app_with_a_message(tmp_path, settings, message):
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    config |= {"MAIL_SERVER": "mail.example.org", "MAIL_FROM": "quiz@example.org", **settings}
    if "MAIL_FROM" not in settings and message.startswith("Set QUIZAPP_MAIL_FROM"):
        config.pop("MAIL_FROM")
    with pytest.raises(RuntimeError, match="Email is misconfigured") as error:
        create_app(config)
    assert message in str(error.value)


def test_mail_settings_are_read_from_the_environment(tmp_path, monkeypatch):
    for key, value in {
        "MAIL_SERVER": "mail.example.org",
        "MAIL_USE_STARTTLS": "true",
        "MAIL_USERNAME": "quiz",
        "MAIL_PASSWORD": "s3cret",
        "MAIL_FROM": "quiz@example.org",
        "SECRET_KEY": "k" * 40,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'env.sqlite'}",
    }.items():
        monkeypatch.setenv(f"QUIZAPP_{key}", value)
    app = create_app()
    with app.app_context():
        settings = mailer().settings
    assert (settings.server, settings.port, settings.use_starttls, settings.use_tls) == (
        "mail.example.org",
        587,
        True,
        False,
    )
    assert (settings.username, settings.password, settings.sender) == ("quiz", "s3cret", "quiz@example.org")


@pytest.mark.postgres
def test_links_throttling_and_the_audit_log_on_postgres(pg_app):
    with pg_app.app_context():
        user = create_user(db.session, LEARNER, PASSWORD, passwords=passwords(), now=WHEN)
        policy = ThrottlePolicy(per_account=2, per_address=20, window=dt.timedelta(hours=1))
        asked = request_reset_by_email(db.session, LEARNER, "192.0.2.7", policy=policy, now=WHEN)
        request_reset_by_email(db.session, LEARNER, "192.0.2.7", policy=policy, now=WHEN)
        with pytest.raises(Exception, match="Too many password-reset emails"):
            request_reset_by_email(db.session, LEARNER, "192.0.2.7", policy=policy, now=WHEN)
        token, _ = make_reset_link(db.session, user, acting=None, now=WHEN)
        db.session.commit()
        reset_password_with_link(db.session, asked.token, NEW_PASSWORD, None, passwords=passwords(), now=WHEN)
        db.session.commit()
        assert db.session.scalars(select(PasswordResetLink)).all() == []
        with pytest.raises(Exception, match="does not work"):
            reset_link_user(db.session, token, WHEN)
        db.session.delete(user)
        db.session.commit()
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.summary, e.target_user_id) for e in entries] == [
            ("password.reset_request", LEARNER, None),
            ("password.reset_request", LEARNER, None),
            ("password.reset_link", LEARNER, None),
            ("password.reset", LEARNER, None),
        ]


def test_a_failed_login_does_not_clear_the_count_of_reset_requests(mail_app, learner):
    """Both are counted in one table over different windows: clearing old login failures keeps reset rows."""
    with mail_app.app_context():
        policy = ThrottlePolicy(per_account=2, per_address=20, window=dt.timedelta(hours=1))
        for _ in range(2):
            request_reset_by_email(db.session, LEARNER, None, policy=policy, now=WHEN)
        later = WHEN + dt.timedelta(minutes=20)  # past the login window of 15 minutes
        checks = {"passwords": passwords(), "policy": ThrottlePolicy(), "now": later}
        with pytest.raises(BadCredentials):
            log_in_operation(db.session, LEARNER, "wrong", None, **checks)
        with pytest.raises(ResetsThrottled):
            request_reset_by_email(db.session, LEARNER, None, policy=policy, now=later)
