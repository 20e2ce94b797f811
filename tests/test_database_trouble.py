"""When the database cannot do its part — out of disk space, unreachable — the web answers 503 with
Retry-After and a page that says nothing was saved, the command line says so in one line, and nothing is
half-written."""

from __future__ import annotations

import io
import socket
import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from quizapp import create_app
from quizapp.database import trouble
from quizapp.extensions import db
from quizapp.models import Question

from .conftest import CSRF_RE, ROOT, bank_yaml, log_in

MANY = "".join(
    f"""
  - id: q{n}
    type: true_false
    prompt: "Statement number {n} about the central nervous system, long enough to take some room?"
    answer: true
    tags: [demo]"""
    for n in range(400)
)


def fill_the_disk(app) -> None:
    """Let the SQLite file grow no further: every new page it needs fails with SQLITE_FULL, exactly as a
    full disk does."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with app.app_context():
        db.engine.dispose()
        with closing(sqlite3.connect(path, isolation_level=None)) as raw:
            raw.execute("VACUUM")  # no free pages left inside the file either
            pages = raw.execute("PRAGMA page_count").fetchone()[0]

        @event.listens_for(db.engine, "connect")
        def _cap(dbapi_connection, _record):
            dbapi_connection.execute(f"PRAGMA max_page_count={pages}")


def test_a_full_disk_is_a_503_that_says_nothing_was_saved(app, client, make_user, caplog):
    make_user("teacher@example.org", role="teacher")
    log_in(client, "teacher@example.org")
    fill_the_disk(app)
    response = client.post(
        "/teach/banks",
        data={
            "csrf_token": _token(client),
            "bank": (io.BytesIO(bank_yaml("big", MANY).encode()), "big.yaml"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "300"
    page = response.get_data(as_text=True)
    assert "The server is out of disk space; nothing was saved." in page and "Traceback" not in page
    assert "database trouble (disk-full)" in caplog.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 0


def _token(client) -> str:
    return CSRF_RE.search(client.get("/teach/").get_data(as_text=True)).group(1)


def test_a_full_disk_at_the_command_line_is_one_line_and_exit_1(app, runner, tmp_path):
    fill_the_disk(app)
    bank = tmp_path / "big.yaml"
    bank.write_text(bank_yaml("big", MANY))
    result = runner.invoke(args=["bank", "import", str(bank)])
    assert result.exit_code == 1
    assert f"{bank}: Error: The server is out of disk space; nothing was saved." in result.output
    assert "Traceback" not in result.output and "OperationalError" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_database_is_a_503_with_retry_after(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none?connect_timeout=2",
            "QUESTIONS_DIR": str(ROOT / "questions"),
        }
    )
    app.instance_path = str(tmp_path)
    response = app.test_client().get("/")
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    assert "The database cannot be reached right now" in response.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("database or disk is full", "disk-full"),
        ("database is locked", "busy"),
        ("no such table: users", None),
    ],
)
def test_sqlite_errors_are_told_apart(message, kind):
    error = OperationalError("INSERT", {}, sqlite3.OperationalError(message))
    found = trouble(error)
    assert (found.kind if found else None) == kind


def test_a_connection_lost_after_a_page_was_made_leaves_the_page(app, client, caplog, monkeypatch):
    """A database restart can end a connection between a page's last query and the end of its read
    transaction: the page was made, so it is sent (not a 500), the dead connection is dropped, and the
    next request is served on a fresh one."""
    with app.app_context():
        dialect = db.engine.dialect
    rollback, failures = dialect.do_rollback, []

    def dies_once(dbapi_connection):
        if not failures:
            failures.append(dbapi_connection)
            raise sqlite3.OperationalError("unable to open database file")
        rollback(dbapi_connection)

    monkeypatch.setattr(dialect, "do_rollback", dies_once)
    response = client.get("/banks")
    assert response.status_code == 200 and b"<h1" in response.data
    assert failures  # the read transaction's end did meet the lost connection
    assert "database trouble (unavailable) ending a read" in caplog.text
    assert client.get("/banks").status_code == 200
