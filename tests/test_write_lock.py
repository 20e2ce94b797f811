"""Waiting for SQLite's write lock: a writer waits (up to the busy timeout) rather than failing, then goes on.

Nothing here depends on how fast the machine is: the thread that holds the lock lets it go at a point the
test chooses (once the writer has been seen waiting), not after a delay that the writer has to fall inside.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, event, select, text, update
from sqlalchemy.exc import OperationalError

from quizapp import database
from quizapp.extensions import db

WAIT = 60  # seconds: only ever reached when something is broken, so generous


class LockHolder:
    """Another connection that holds the database's write lock until :meth:`release` is called."""

    def __init__(self, path: str):
        self.path = path
        self.held = threading.Event()
        self._release = threading.Event()
        self.released = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            self.held.set()
            self._release.wait(WAIT)
            conn.execute("COMMIT")
        finally:
            conn.close()
            self.released.set()

    def __enter__(self) -> LockHolder:
        self.thread.start()
        assert self.held.wait(WAIT)
        return self

    def release(self) -> None:
        self._release.set()
        assert self.released.wait(WAIT)

    def __exit__(self, *exc) -> None:
        self._release.set()
        self.thread.join(WAIT)


def database_path(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def wait_for(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds (it is about to, unless something is broken)."""
    pause = threading.Event()
    for _ in range(WAIT * 1000):
        if condition():
            return
        pause.wait(0.001)
    raise AssertionError("timed out waiting for a condition that should have held at once")


def trace_begins(app) -> list[tuple[int, str]]:
    """The BEGIN statements SQLite runs on the app's connections from now on, with their threads, as they run.

    SQLite traces a statement as it starts, so a ``BEGIN IMMEDIATE`` traced while another connection holds
    the write lock is one that is being refused and is waiting.
    """
    begins: list[tuple[int, str]] = []

    def trace(statement: str) -> None:
        if statement.startswith("BEGIN"):
            begins.append((threading.get_ident(), statement))

    with app.app_context():
        db.engine.dispose()  # new connections, each with the trace
        event.listen(db.engine, "connect", lambda dbapi_connection, _record: dbapi_connection.set_trace_callback(trace))
    return begins


def test_a_writer_waits_for_the_lock_and_gets_it_once_it_comes_free(app):
    begins = trace_begins(app)
    outcome: list[object] = []

    def writer() -> None:
        with app.app_context():
            try:
                db.session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: waits for the holder
                outcome.append(db.session.execute(text("PRAGMA busy_timeout")).scalar())
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                outcome.append(exc)

    with LockHolder(database_path(app)) as holder:
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        wait_for(lambda: (thread.ident, "BEGIN IMMEDIATE") in begins or not thread.is_alive())
        assert thread.is_alive() and outcome == []  # refused while the lock is held: still waiting
        holder.release()
        thread.join(WAIT)
    assert outcome == [database.BUSY_TIMEOUT_MS]  # it got the lock, and the timeout is as configured


def test_a_writer_gives_up_after_the_busy_timeout(app, monkeypatch):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    with LockHolder(database_path(app)), app.app_context():  # held until the writer has given up
        db.engine.dispose()  # new connections, with the shorter timeout
        began = time.monotonic()
        with pytest.raises(OperationalError, match="locked"):
            db.session.execute(text("SELECT 1"))
        waited = time.monotonic() - began
        db.session.rollback()
    # At least the timeout; the upper bound only tells it from the default 30 s, so a slow machine passes.
    assert 0.2 <= waited < 10


# --- read-modify-write under the lock ---------------------------------------------------------------------

counters = Table("write_lock_counter", MetaData(), Column("id", Integer, primary_key=True), Column("value", Integer))


@pytest.fixture
def counter(app) -> Iterator[list[tuple[int, str]]]:
    """A counter row at 0; yields the BEGIN statements SQLite runs from now on, with their threads."""
    with app.app_context():
        counters.create(db.engine)
        db.session.execute(counters.insert().values(id=1, value=0))
        db.session.commit()
    yield trace_begins(app)


def read(session) -> int:
    return session.execute(select(counters.c.value).where(counters.c.id == 1)).scalar_one()


def test_a_second_writer_waits_for_the_first_and_reads_what_it_wrote(app, counter):
    """Two read-modify-write transactions at once, in a fixed order: the second begins while the first holds
    the write lock, so it waits, then reads the first one's result: no update is lost.

    Without BEGIN IMMEDIATE the second would read 0 alongside the first and then either write 1 over its 1
    or fail with "database is locked" when it came to write."""
    first_has_read = threading.Event()
    second_has_read = threading.Event()
    result: list[object] = []

    def second() -> None:
        assert first_has_read.wait(WAIT)
        with app.app_context():
            try:
                value = read(db.session)  # its transaction begins here
                second_has_read.set()
                db.session.execute(update(counters).where(counters.c.id == 1).values(value=value + 1))
                db.session.commit()
                result.append(value)
            except Exception as exc:  # only when locking is broken
                db.session.rollback()
                result.append(exc)
            finally:
                second_has_read.set()

    with app.app_context():
        value = read(db.session)  # the first transaction begins (and takes the write lock)
        thread = threading.Thread(target=second, daemon=True)
        thread.start()
        first_has_read.set()
        # The first writes only once the second has either tried BEGIN IMMEDIATE while the lock is held (so
        # it is refused and waits) or, were there no lock to wait for, read the counter itself: what happens
        # next is then decided by the locking, not by which thread the machine runs first.
        tried = lambda: any(t == thread.ident and s == "BEGIN IMMEDIATE" for t, s in counter)  # noqa: E731
        wait_for(lambda: tried() or second_has_read.is_set())
        db.session.execute(update(counters).where(counters.c.id == 1).values(value=value + 1))
        db.session.commit()
        thread.join(WAIT)
        assert result == [1], result  # it saw the first one's write
        assert read(db.session) == 2
        db.session.rollback()
