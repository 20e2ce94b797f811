"""Administrators' pages: list and search users, change roles, disable and enable accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import User

from .conftest import log_in, post_form


@pytest.fixture
def admin(client, make_user):
    make_user("admin@example.org", role="admin")
    log_in(client, "admin@example.org")
    client.get("/")  # shows (and so clears) the "logged in as" message
    return client


def main(html: str) -> str:
    """The page's content, not its header (which names the admin)."""
    return html.split("<h1>", 1)[1]


def role_of(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).role


def test_users_list_search_and_pages(app, admin, make_user):
    for i in range(55):
        make_user(f"user{i:02d}")
    html = main(admin.get("/admin/users").text)
    assert "56 users." in html and "Page 1 of 2" in html and "Next page" in html
    assert "user54" in html and "admin@example.org" not in html  # newest first
    assert "admin@example.org" in main(admin.get("/admin/users?page=2").text)
    found = main(admin.get("/admin/users?q=USER1").text)
    assert "10 users matching" in found and "user10" in found and "user20" not in found
    assert "0 users matching" in admin.get("/admin/users?q=%25").text  # % is a character, not a wildcard
    assert admin.get("/admin/users?page=9").status_code == 404


def test_change_a_role(app, admin, make_user):
    learner = make_user()
    page = admin.get(f"/admin/users/{learner}").text
    assert '<option selected value="learner">' in page
    response = post_form(admin, f"/admin/users/{learner}/role", role="teacher")
    assert response.status_code == 303
    assert "learner@example.org is now a teacher." in admin.get(response.headers["Location"]).text
    assert role_of(app, learner) == "teacher"
    assert post_form(admin, f"/admin/users/{learner}/role", role="emperor").status_code == 422
    assert role_of(app, learner) == "teacher"


def test_an_admin_cannot_change_their_own_role_or_disable_themselves(app, admin):
    with app.app_context():
        me = db.session.scalars(select(User)).one().id
    page = admin.get(f"/admin/users/{me}").text
    assert "This is your own account" in page and "Disable account" not in page
    response = post_form(admin, f"/admin/users/{me}/role", role="learner")
    assert response.status_code == 422 and "You cannot change your own role" in response.text
    response = post_form(admin, f"/admin/users/{me}/disable")
    assert response.status_code == 422 and "You cannot disable your own account." in response.text
    assert role_of(app, me) == "admin"


def test_disable_and_enable(app, admin, make_user):
    learner = make_user()
    response = post_form(admin, f"/admin/users/{learner}/disable")
    assert response.status_code == 303
    page = admin.get(f"/admin/users/{learner}").text
    assert "is disabled and logged out everywhere" in page and "disabled since" in page
    assert log_in(app.test_client(), "learner@example.org").status_code == 422  # as for a wrong password
    post_form(admin, f"/admin/users/{learner}/enable")
    assert log_in(app.test_client(), "learner@example.org").status_code == 302


def test_another_admin_can_be_demoted(app, admin, make_user):
    other = make_user("other-admin", role="admin")
    assert post_form(admin, f"/admin/users/{other}/role", role="teacher").status_code == 303
    assert role_of(app, other) == "teacher"


def test_unknown_user_is_404(admin):
    assert admin.get("/admin/users/4242").status_code == 404
    assert post_form(admin, "/admin/users/4242/disable").status_code == 404
