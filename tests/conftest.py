"""Shared fixtures: app, client, runner, bank factory, PostgreSQL database, live server and browser."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from quizapp import create_app
from quizapp.domain.banks import parse_bank
from quizapp.extensions import db, passwords
from quizapp.models import utcnow
from quizapp.operations import create_user, import_bank

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CHROMIUM = os.environ.get("QUIZAPP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
POSTGRES_ADMIN_URL = os.environ.get(
    "QUIZAPP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def make_app(database_url: str, tmp_path: Path, **extra) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "QUESTIONS_DIR": str(ROOT / "questions"),
        "JOBS_IMMEDIATE": True,  # background jobs run at once, in the test's process
        **extra,
    }
    app = create_app(config)
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = make_app(f"sqlite:///{tmp_path / 'quizapp.sqlite'}", tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def bank_yaml(bank_id: str = "demo", questions: str | None = None, **header: str) -> str:
    """YAML text of a small valid bank; ``questions`` replaces the question list (indented YAML)."""
    fields = {
        "title": f'"Bank {bank_id}"',
        "description": '"A bank for tests."',
        "language": "en",
        "license": "CC0-1.0",
        "authors": '["tests"]',
        "reviewed_on": "2026-11-25",
        "tags": "[demo]",
        **header,
    }
    head = "\n".join(f"{k}: {v}" for k, v in fields.items())
    if questions is None:
        questions = """
  - id: q1
    type: single
    prompt: "First question?"
    choices:
      - {id: a, text: "Right", correct: true}
      - {id: b, text: "Wrong", feedback: "No."}
    tags: [demo]
  - id: q2
    type: true_false
    prompt: "Second question?"
    answer: false
    tags: [demo]
  - id: q3
    type: flashcard
    front: "Front"
    back: "Back"
"""
    return f"format: 1\nid: {bank_id}\n{head}\nquestions:{questions}"


@pytest.fixture
def make_bank(app: Flask):
    """Import a bank from YAML text; return the import result."""

    def _make(text: str | None = None, name: str = "bank.yaml", **kwargs):
        source = (text if text is not None else bank_yaml(**kwargs)).encode()
        with app.app_context():
            result = import_bank(db.session, parse_bank(source, name), source, name, utcnow())
            db.session.commit()
        return result

    return _make


# --- users ------------------------------------------------------------------------------------------------

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def make_user(app: Flask):
    """Create a user (committed) and return their id."""

    def _make(login: str = "learner@example.org", role: str = "learner", password: str = PASSWORD) -> int:
        with app.app_context():
            user = create_user(db.session, login, password, role, passwords=passwords(), now=utcnow())
            db.session.commit()
            return user.id

    return _make


def csrf_token(client) -> str:
    """A CSRF token for ``client``'s session, read from a real form as a browser would."""
    response = client.get("/login")
    if response.status_code == 302:  # logged in: the account page has the logout form
        response = client.get("/account")
    match = CSRF_RE.search(response.get_data(as_text=True))
    if match is None and not client.application.config.get("WTF_CSRF_ENABLED", True):
        return ""
    assert match, "no CSRF token on the page"
    return match.group(1)


def log_in(client, login: str, password: str = PASSWORD, **query):
    """Post the login form; return the response."""
    return client.post(
        "/login", query_string=query, data={"login": login, "password": password, "csrf_token": csrf_token(client)}
    )


def post_form(client, path: str, **data):
    """Post a form with a valid CSRF token."""
    return client.post(path, data={"csrf_token": csrf_token(client), **data})


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards.

    Without a server the tests are skipped with the reason, except under CI=true, where the server is part
    of the environment and its absence must fail the run rather than pass it quietly."""
    import sqlalchemy

    try:
        admin = sqlalchemy.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            name = f"quizapp_test_{uuid.uuid4().hex[:12]}"
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        reason = (
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc.__class__.__name__}); "
            "set QUIZAPP_TEST_POSTGRES_URL to run these tests"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    url = sqlalchemy.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


REDIS_TEST_URL = os.environ.get("QUIZAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis server for tests that count limits there: skipped with the reason when it is not reachable,
    except under CI=true, where its absence fails the run."""
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        reason = (
            f"Redis is not reachable at {REDIS_TEST_URL} ({exc.__class__.__name__}); "
            "set QUIZAPP_TEST_REDIS_URL to run these tests"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return REDIS_TEST_URL


@pytest.fixture
def redis_config(redis_url: str) -> Iterator[dict[str, str]]:
    """App settings that count limits in Redis under a key prefix of this test's own; its keys deleted after."""
    prefix = f"quizapp-test-{uuid.uuid4().hex[:12]}"
    yield {"REDIS_URL": redis_url, "REDIS_KEY_PREFIX": prefix}
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["database", "redis"])
def limits_store(request) -> dict[str, str]:
    """The settings of each store the app can count its limits in: the database (none), then Redis."""
    return request.getfixturevalue("redis_config") if request.param == "redis" else {}


def redis_limit_keys(store: dict[str, str]) -> list[str]:
    """The limit keys the app keeps in Redis under ``store``'s prefix (none for the database store)."""
    if not store:
        return []
    client = redis.Redis.from_url(store["REDIS_URL"])
    try:
        return [key.decode() for key in client.scan_iter(f"{store['REDIS_KEY_PREFIX']}:limits:*")]
    finally:
        client.close()


@pytest.fixture
def pg_app(postgres_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on PostgreSQL, by configuration only, with empty tables; its connections closed after."""
    app = make_app(postgres_url, tmp_path)
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- live server and browser ------------------------------------------------------------------------------


class LiveServer:
    def __init__(self, app: Flask):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory) -> Iterator[Flask]:
    """The real app with the banks of questions/ and the tests' all-types bank imported."""
    tmp = tmp_path_factory.mktemp("live")
    # Every browser test registers its learners from 127.0.0.1, as a classroom behind one address would.
    app = make_app(f"sqlite:///{tmp / 'live.sqlite'}", tmp, REGISTRATIONS_PER_ADDRESS=100_000)
    runner = app.test_cli_runner()
    for path in (ROOT / "questions", DATA / "banks"):
        if any(path.glob("*.yaml")) or any(path.glob("*/bank.yaml")):
            result = runner.invoke(args=["bank", "import", str(path)])
            assert result.exit_code == 0, result.output
    yield app


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(live_app) as server:
        yield server


BROWSER_TIMEOUT_MS = 30_000  # generous: CI machines have 2 cores and run gunicorn tests alongside


@pytest.fixture(scope="session")
def browser_instance():
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}; `make test` installs it (scripts/ensure-chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser_instance):
    context = browser_instance.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser_instance):
    context = browser_instance.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield page
    context.close()
