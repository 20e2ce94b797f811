"""Sessions that really end: a session cookie copied earlier is refused after logout, a password change and
disabling the account; cookie flags."""

from __future__ import annotations

from flask.testing import FlaskClient

from quizapp.extensions import db
from quizapp.models import User

from .conftest import PASSWORD, csrf_token, log_in, post_form


def copy_session(app, client: FlaskClient) -> FlaskClient:
    """A second browser holding a copy of ``client``'s session cookie, as an attacker who stole it would."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def logged_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


def test_copied_cookie_works_while_the_session_lives(app, client, make_user):
    make_user()
    log_in(client, "learner@example.org")
    assert logged_in(copy_session(app, client))


def test_copied_cookie_is_refused_after_logout(app, client, make_user):
    make_user()
    log_in(client, "learner@example.org")
    thief = copy_session(app, client)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert not logged_in(client)
    assert not logged_in(thief)
    response = thief.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_copied_cookie_is_refused_after_a_password_change(app, client, make_user):
    make_user()
    log_in(client, "learner@example.org")
    thief = copy_session(app, client)
    response = post_form(
        client,
        "/account/password",
        current_password=PASSWORD,
        new_password="an entirely new phrase",
        confirm="an entirely new phrase",
    )
    assert response.status_code == 302
    assert logged_in(client)  # the session that changed the password goes on with a new token
    assert not logged_in(thief)


def test_copied_cookie_is_refused_after_the_account_is_disabled(app, client, make_user):
    make_user("admin@example.org", role="admin")
    learner = make_user()
    log_in(client, "learner@example.org")
    thief = copy_session(app, client)
    admin = app.test_client()
    log_in(admin, "admin@example.org")
    assert post_form(admin, f"/admin/users/{learner}/disable").status_code == 303
    assert not logged_in(client)
    assert not logged_in(thief)
    assert post_form(admin, f"/admin/users/{learner}/enable").status_code == 303
    assert not logged_in(thief)  # enabling again does not bring old sessions back
    assert log_in(client, "learner@example.org").status_code == 302


def test_session_names_the_user_by_token_not_by_id(app, client, make_user):
    user_id = make_user()
    log_in(client, "learner@example.org")
    with client.session_transaction() as session:
        token = session["_user_id"]
    with app.app_context():
        assert token == db.session.get(User, user_id).session_token
    assert token != str(user_id) and len(token) >= 40


def test_forged_cookie_with_a_user_id_is_refused(app, client, make_user):
    user_id = make_user()
    with client.session_transaction() as session:  # even with the secret key, an id alone is not enough
        session["_user_id"] = str(user_id)
    assert not logged_in(client)


def test_session_cookie_flags(app, client, make_user):
    make_user()
    response = log_in(client, "learner@example.org")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is False  # tests run as development does


def test_production_cookies_are_secure(tmp_path):
    from quizapp import create_app

    app = create_app({"SECRET_KEY": "s" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with app.app_context():
        db.engine.dispose()
