"""What whoever runs the site relies on: health and readiness checks, JSON logs with a request id, backups
that restore, and migrations that two hosts may start at once."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy
from sqlalchemy import func, select, text

from quizapp.extensions import db, passwords
from quizapp.models import Question, User, utcnow
from quizapp.operations import create_user
from quizapp.queries.ops import head_revisions

from .conftest import POSTGRES_ADMIN_URL, ROOT, log_in, make_app

# --- health and readiness ---------------------------------------------------------------------------------


def test_healthz_answers_without_touching_the_database(app, client):
    with app.app_context():
        db.engine.dispose()
    statements = []
    with app.app_context():
        sqlalchemy.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok\n" and response.mimetype == "text/plain"
    assert statements == [] and "Set-Cookie" not in response.headers


def test_readyz_says_ready_at_the_latest_migration(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.text.startswith("ready: database reachable, schema at ")
    assert all(head in response.text for head in head_revisions())


def test_readyz_is_503_behind_the_latest_migration(app, client):
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '88067d3a21aa'"))
        db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "schema is at 88067d3a21aa; run `flask db upgrade`" in response.text


def test_readyz_is_503_when_the_database_is_gone(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'gone.sqlite'}", tmp_path)
    with app.app_context():
        db.session.execute(text("DROP TABLE alembic_version"))
        db.session.commit()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and "the database cannot be read" in response.text


# --- JSON logs --------------------------------------------------------------------------------------------


def test_each_request_is_one_json_line_with_its_id_user_and_time(tmp_path, capsys):
    app = make_app(f"sqlite:///{tmp_path / 'logs.sqlite'}", tmp_path, LOG_FORMAT="json")
    with app.app_context():
        user = create_user(
            db.session, "logger@example.org", "correct horse battery staple", passwords=passwords(), now=utcnow()
        )
        db.session.commit()
        user_id = user.id
    client = app.test_client()
    log_in(client, "logger@example.org")
    capsys.readouterr()
    response = client.get("/account", headers={"X-Request-ID": "edge-1234"})
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id; " + "x" * 100})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    account = next(line for line in lines if line.get("path") == "/account")
    assert response.headers["X-Request-ID"] == "edge-1234" == account["request_id"]
    assert account["user_id"] == user_id and account["status"] == 200 and account["method"] == "GET"
    assert isinstance(account["duration_ms"], float) and account["level"] == "INFO"
    assert account["time"].endswith("+00:00") and account["logger"] == "quizapp.request"
    health = next(line for line in lines if line.get("path") == "/healthz")
    assert health["user_id"] is None and len(health["request_id"]) == 32  # a new id: the sent one was not valid
    assert forged.headers["X-Request-ID"] == health["request_id"]
    logging.getLogger("quizapp").handlers.clear()
    logging.getLogger("quizapp").propagate = True


# --- backups ----------------------------------------------------------------------------------------------


def test_a_sqlite_backup_restores_what_was_there(app, runner, make_user, make_bank, tmp_path):
    make_bank()
    make_user("kept@example.org")
    backup = tmp_path / "backup.sqlite"
    result = runner.invoke(args=["db", "backup", str(backup)])
    assert result.exit_code == 0 and f"Backed up the database to {backup}" in result.output
    make_user("after@example.org")
    with app.app_context():
        db.session.execute(Question.__table__.delete())
        db.session.commit()
    refused = runner.invoke(args=["db", "restore", str(backup)], input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    result = runner.invoke(args=["db", "restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 3
        assert set(db.session.scalars(select(User.email))) == {"kept@example.org"}
    assert runner.invoke(args=["db", "backup", str(backup)]).exit_code == 1  # no silent overwrite


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a database at all", "is not an SQLite database"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "cannot be read as a quizapp database"),
    ],
)
def test_restoring_something_that_is_not_a_backup_changes_nothing(app, runner, make_user, tmp_path, content, message):
    make_user("kept@example.org")
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(content)
    result = runner.invoke(args=["db", "restore", str(bad), "--yes"])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_a_postgresql_backup_restores_what_was_there(postgres_url, tmp_path):
    app = make_app(postgres_url, tmp_path)
    runner = app.test_cli_runner()
    with app.app_context():
        db.session.execute(text("DELETE FROM users"))
        db.session.execute(
            text(
                "INSERT INTO users (email, password_hash, role, session_token, created_at, password_changed_at) "
                "VALUES ('pg@example.org', 'x', 'learner', 'tok-backup', now(), now())"
            )
        )
        db.session.commit()
    backup = tmp_path / "pg.dump"
    result = runner.invoke(args=["db", "backup", str(backup)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.execute(text("DELETE FROM users"))
        db.session.commit()
    result = runner.invoke(args=["db", "restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert list(db.session.scalars(text("SELECT email FROM users"))) == ["pg@example.org"]
        db.session.execute(text("DELETE FROM users"))
        db.session.commit()
        db.engine.dispose()


# --- migrations from two hosts at once --------------------------------------------------------------------


@pytest.fixture
def empty_postgres(postgres_url):
    """A database of its own, with nothing in it."""
    admin = sqlalchemy.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"quizapp_migrate_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sqlalchemy.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_two_hosts_may_run_the_migrations_at_once(empty_postgres, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZAPP_")}
    env |= {"QUIZAPP_SQLALCHEMY_DATABASE_URI": empty_postgres, "QUIZAPP_SECRET_KEY": "k" * 40}
    command = [sys.executable, "-m", "flask", "--app", "quizapp", "db", "upgrade"]
    hosts = [
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(host.returncode, host.communicate(timeout=300)[1]) for host in hosts]
    results = [(host.returncode, err) for host, (_, err) in zip(hosts, results, strict=True)]
    assert [code for code, _ in results] == [0, 0], results
    engine = sqlalchemy.create_engine(empty_postgres)
    with engine.connect() as conn:
        assert set(conn.scalars(text("SELECT version_num FROM alembic_version"))) == set(head_revisions())
        assert conn.scalar(text("SELECT count(*) FROM users")) == 0
    engine.dispose()
    # One ran the revisions; the other waited, then found nothing to do.
    assert sum("Running upgrade" in err for _, err in results) == 1, [err[-300:] for _, err in results]
