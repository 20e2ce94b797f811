"""CSRF: every POST route refuses a request without a valid token, with the styled 400 page and no change.
And no GET route changes anything."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from quizapp.errors import CSRF_TEXT
from quizapp.extensions import db

from .conftest import bank_yaml, csrf_token, log_in
from .test_access import make_attempts, routes, url_for_object

# Item analyses a page computed are handed to the background worker to store for every worker (here the
# worker runs at once, inside the request): a cache of what the page read, not a change the page made.
CACHES = {"stored_analyses"}


def snapshot(app) -> dict[str, list]:
    """Every row of every table but the caches."""
    with app.app_context():
        return {
            table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
            for table in db.metadata.sorted_tables
            if table.name not in CACHES
        }


@pytest.fixture
def world(app, make_user, make_bank):
    make_bank(bank_yaml())
    ids = {
        "admin": make_user("admin", role="admin"),
        "learner_a": make_user("learner_a"),
        "learner_c": make_user("learner_c"),
    }
    return ids | make_attempts(app, ("admin", "learner_a", "learner_c"))


def post_routes(app) -> list[tuple[str, tuple[str, ...]]]:
    found = [(endpoint, arguments) for endpoint, method, arguments in routes(app) if method == "POST"]
    assert len(found) >= 9
    return found


@pytest.mark.parametrize("token", [None, "", "not-a-token"])
def test_every_post_route_without_a_valid_token_is_rejected(app, world, token):
    admin = app.test_client()
    log_in(admin, "admin")
    anonymous = app.test_client()
    csrf_token(anonymous)  # give the visitor a session with a real token that is not sent
    before = snapshot(app)
    for endpoint, arguments in post_routes(app):
        url = url_for_object(app, endpoint, arguments, "other", "admin", world)
        for client in (admin, anonymous):
            data = {"login": "admin", "password": "correct horse battery staple", "role": "admin"}
            if token is not None:
                data["csrf_token"] = token
            response = client.post(url, data=data)
            html = response.get_data(as_text=True)
            assert response.status_code == 400, (url, response.status_code)
            assert CSRF_TEXT in html and "<h1>Bad request</h1>" in html, url
            assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert snapshot(app) == before
    assert admin.get("/account").status_code == 200  # the logout without a token did not log out


def test_a_token_from_another_session_is_rejected(app, world):
    mallory = app.test_client()
    stolen = csrf_token(mallory)
    victim = app.test_client()
    log_in(victim, "admin")
    response = victim.post(f"/admin/users/{world['learner_c']}/disable", data={"csrf_token": stolen})
    assert response.status_code == 400


def test_no_get_route_changes_anything(app, world):
    """Every GET page, for every kind of visitor, leaves every table as it was."""
    clients = {"anonymous": app.test_client(), "admin": app.test_client(), "learner_a": app.test_client()}
    log_in(clients["admin"], "admin")
    log_in(clients["learner_a"], "learner_a")
    before = snapshot(app)  # logging in writes (last login time); the pages must not
    for endpoint, method, arguments in routes(app):
        if method != "GET":
            continue
        for actor, client in clients.items():
            for obj in ("own", "other", "missing") if arguments else ("own",):
                url = url_for_object(app, endpoint, arguments, obj, actor, world)
                client.get(url).close()
    assert snapshot(app) == before


# --- Origin ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost:8080", "https://localhost"])
def test_a_valid_token_from_a_foreign_origin_is_refused_over_http(app, make_user, origin):
    make_user()
    client = app.test_client()
    log_in(client, "learner@example.org")
    before = snapshot(app)
    response = client.post("/logout", data={"csrf_token": csrf_token(client)}, headers={"Origin": origin})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    assert snapshot(app) == before
    assert client.get("/account").status_code == 200  # still logged in: the logout was not accepted


def test_the_sites_own_origin_and_no_origin_are_accepted(app, make_user):
    make_user()
    for headers in ({"Origin": "http://localhost"}, {}, {"Origin": "null"}):  # null: origin withheld, token decides
        client = app.test_client()
        log_in(client, "learner@example.org")
        response = client.post("/logout", data={"csrf_token": csrf_token(client)}, headers=headers)
        assert response.status_code == 302, headers
