"""SQLite with several worker processes: read-modify-write transactions lose no update."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from quizapp.database import deferred
from quizapp.extensions import db

from .conftest import make_app

PROCESSES = 4
TRANSACTIONS = 200

counters = Table("counter_test", MetaData(), Column("id", Integer, primary_key=True), Column("value", Integer))


def _worker(database_url: str, tmp: str, barrier) -> int:
    """Read the counter, add one in Python, write it back: the classic lost-update pattern."""
    app = make_app(database_url, Path(tmp))
    errors = 0
    barrier.wait()
    with app.app_context():
        for _ in range(TRANSACTIONS):
            try:
                value = db.session.execute(select(counters.c.value).where(counters.c.id == 1)).scalar_one()
                db.session.execute(update(counters).where(counters.c.id == 1).values(value=value + 1))
                db.session.commit()
            except Exception:
                db.session.rollback()
                errors += 1
    return errors


def _race(app, tmp_path, worker) -> tuple[int, list[int]]:
    """Run ``worker`` in PROCESSES processes at once on a fresh counter; return (final value, errors)."""
    with app.app_context():
        counters.create(db.engine)
        db.session.execute(counters.insert().values(id=1, value=0))
        db.session.commit()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(PROCESSES)
        with ctx.Pool(PROCESSES) as pool:
            args = [(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path), barrier)] * PROCESSES
            errors = pool.starmap(worker, args)
    with app.app_context():
        return db.session.execute(select(counters.c.value)).scalar_one(), errors


def test_no_update_is_lost_across_processes(app, tmp_path):
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        db.session.rollback()
    final, errors = _race(app, tmp_path, _worker)
    assert errors == [0] * PROCESSES
    assert final == PROCESSES * TRANSACTIONS  # zero lost updates


def test_the_same_pattern_loses_updates_without_begin_immediate(app):
    """The control: deferred transactions (what GET requests use) cannot do read-modify-write safely,
    which is why every transaction that may write starts with BEGIN IMMEDIATE. Two transactions are
    interleaved by hand, the way two processes can be, so the outcome does not depend on scheduling."""
    with app.app_context():
        counters.create(db.engine)
        db.session.execute(counters.insert().values(id=1, value=0))
        db.session.commit()
        errors = 0
        with deferred(), Session(db.engine) as one, Session(db.engine) as two:
            seen = [s.execute(select(counters.c.value).where(counters.c.id == 1)).scalar_one() for s in (one, two)]
            for session, value in zip((one, two), seen, strict=True):
                try:
                    session.execute(update(counters).where(counters.c.id == 1).values(value=value + 1))
                    session.commit()
                except OperationalError:
                    session.rollback()
                    errors += 1
        final = db.session.execute(select(counters.c.value)).scalar_one()
    assert seen == [0, 0]  # both read before either wrote: nothing made the second wait
    # Either the update was lost or the transaction failed with "database is locked": never neither.
    assert final + errors <= 2
    assert final < 2


def trace_statements(engine) -> list[str]:
    """Every statement SQLite runs on ``engine``'s connections from now on, including those the
    transaction set-up sends straight to the driver."""
    from sqlalchemy import event

    statements: list[str] = []
    engine.dispose()
    event.listen(
        engine, "connect", lambda dbapi_connection, _record: dbapi_connection.set_trace_callback(statements.append)
    )
    return statements


def test_begin_immediate_is_used_for_writes(app):
    with app.app_context():
        statements = trace_statements(db.engine)
        db.session.execute(text("SELECT 1"))
        db.session.commit()
        with deferred():
            db.session.execute(text("SELECT 1"))
            db.session.commit()
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE", "BEGIN DEFERRED"]


def test_get_requests_read_in_deferred_transactions(app, client):
    with app.app_context():
        statements = trace_statements(db.engine)
    assert client.get("/").status_code == 200
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN DEFERRED"]
