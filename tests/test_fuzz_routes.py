"""Every route, fed whatever an attacker might send, answers below 500.

Hypothesis picks a route of the app's URL map (so routes added later are fuzzed too), a method it takes, a
value for each part of its path (small ids that exist, ids past what a database can hold, odd text), query
parameters and form fields named as the app's own code and forms name them, with hostile values, and a
caller: anonymous, a learner, a teacher or an administrator. Before each request the accounts are put back
as they were (enabled, in their role, logged in), so what one example changed does not blind the next.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from quizapp.domain.banks import parse_bank
from quizapp.domain.ids import MAX_ID
from quizapp.extensions import db, passwords
from quizapp.models import User, utcnow
from quizapp.operations import create_user, import_bank

from .conftest import DATA, ROOT, bank_yaml, make_app

PACKAGE = ROOT / "quizapp"
ROLES = ("anonymous", "learner", "teacher", "admin")
SKIP_ENDPOINTS = {"static"}
ODD = [
    "",
    "0",
    "-1",
    str(MAX_ID),
    str(MAX_ID + 1),
    str(2**63),
    "9" * 40,
    "1e309",
    "NaN",
    "-inf",
    "\x00",
    "A" * 5000,
    "../../etc/passwd",
    "America",
    "Europe/London",
    "<script>alert(1)</script>",
    "{{c1::",
    "%",
    "é",
    "1,2",
    "true",
    "all-types",
    "demo",
]


def _names_in_code() -> list[str]:
    """Query and form names the views read, plus every field of every form."""
    source = "\n".join(p.read_text() for p in PACKAGE.rglob("*.py"))
    names = set(re.findall(r"request\.(?:args|form|values|files)\.(?:get|getlist)\(\s*\"([\w-]+)\"", source))
    templates = "\n".join(p.read_text() for p in (PACKAGE / "templates").rglob("*.html"))
    names |= set(re.findall(r'name="([\w-]+)"', templates))
    forms: list[type] = [FlaskForm]
    while forms:
        form = forms.pop()
        forms.extend(form.__subclasses__())
        names |= {name for name in vars(form) if not name.startswith("_") and hasattr(vars(form)[name], "field_class")}
    names.discard("csrf_token")
    return sorted(names)


NAMES = _names_in_code()
VALUES = st.one_of(st.sampled_from(ODD), st.text(max_size=40), st.integers(-5, 10**12).map(str))
FIELDS = st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=6)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory) -> Flask:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    app = make_app(f"sqlite:///{tmp / 'fuzz.sqlite'}", tmp, WTF_CSRF_ENABLED=False)
    with app.app_context():
        for name, source in (
            ("all-types.yaml", (DATA / "banks" / "all-types.yaml").read_bytes()),
            ("demo.yaml", bank_yaml().encode()),
        ):
            import_bank(db.session, parse_bank(source, name), source, name, utcnow())
        for role in ROLES[1:]:
            create_user(db.session, role, "correct horse battery staple", role, passwords=passwords(), now=utcnow())
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def _routes(app: Flask) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        converters = tuple((name, type(conv).__name__) for name, conv in rule._converters.items())
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.rule, method, converters))
    return routes


def _path_value(kind: str) -> st.SearchStrategy[str]:
    if "Id" in kind or "Integer" in kind:
        return st.one_of(st.integers(0, 6).map(str), st.sampled_from([str(MAX_ID), str(MAX_ID + 1), "9" * 25]))
    return st.one_of(st.sampled_from(["all-types", "demo", "x", "-", "a" * 300]), st.text(min_size=1, max_size=20))


@st.composite
def requests(draw, routes):
    rule, method, converters = draw(st.sampled_from(routes))
    path = rule
    for name, kind in converters:
        value = quote(draw(_path_value(kind)), safe="")
        path = re.sub(r"<(?:[^<>:]+:)?" + re.escape(name) + r">", value, path)
    return draw(st.sampled_from(ROLES)), method, path, draw(FIELDS), draw(FIELDS)


def _as(app: Flask, client, role: str) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.username.in_(ROLES[1:])).values(disabled_at=None))
        for name in ROLES[1:]:
            db.session.execute(update(User).where(User.username == name).values(role=name))
        db.session.commit()
        token = db.session.scalar(select(User.session_token).where(User.username == role))
    with client.session_transaction() as session:
        session.clear()
        if token is not None:
            session["_user_id"] = token
            session["_fresh"] = True


def test_no_request_gets_a_server_error(fuzz_app):
    routes = _routes(fuzz_app)
    assert len(routes) > 40  # the whole app, not a corner of it
    client = fuzz_app.test_client()
    seen: list[tuple[str, str, str, int]] = []

    @settings(
        max_examples=600,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(requests(routes))
    def check(request):
        role, method, path, query, form = request
        _as(fuzz_app, client, role)
        response = client.open(path, method=method, query_string=query, data=form if method != "GET" else None)
        response.close()
        seen.append((role, method, path, response.status_code))
        assert response.status_code < 500, f"{role} {method} {path} {query} {form} -> {response.status_code}"

    check()
    assert {status for *_, status in seen} & {200, 302, 303}  # some requests got through to real pages
    assert {status for *_, status in seen} & {400, 404, 422}  # and many were refused
