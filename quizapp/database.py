"""Database engine set-up: SQLite made safe for several worker processes.

pysqlite's default starts transactions lazily and in "deferred" mode, so two processes can read the same
row, both write, and one update is silently lost; deferred transactions that later write fail with
"database is locked" instead. Following SQLAlchemy's documented recipe, pysqlite's own BEGIN is turned
off and SQLAlchemy emits ``BEGIN IMMEDIATE`` itself, so a writing transaction holds the write lock from
its first statement and waits (``busy_timeout``) rather than failing. Requests that cannot write (GET,
HEAD, OPTIONS) use a plain deferred BEGIN so readers never queue behind writers; WAL lets them read
while a writer works.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

BUSY_TIMEOUT_MS = 30_000
_begin_mode: contextvars.ContextVar[str] = contextvars.ContextVar("quizapp_sqlite_begin", default="IMMEDIATE")


def configure_engine(engine: Engine) -> None:
    """Install the SQLite pragmas and BEGIN IMMEDIATE on ``engine``; other databases are left alone."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised through every test
        dbapi_connection.isolation_level = None  # SQLAlchemy, not pysqlite, emits BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = _begin_mode.get()
        if mode == "IMMEDIATE":
            _begin_immediate(connection)
        else:
            connection.exec_driver_sql(f"BEGIN {mode}")


def _begin_immediate(connection: Connection) -> None:
    """``BEGIN IMMEDIATE``, waiting for the write lock in short steps.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25… ms between tries, so when workers take turns
    at short write transactions, most of the waiting one's time would be spent asleep after the lock had
    already come free. So while the lock is taken the busy timeout is 0, and the lock is tried again after
    0.1 ms, then a little longer each time up to 2 ms, for as long as the busy timeout would have waited.
    """
    connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        pause = 0.0001
        while True:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if "locked" not in str(exc.orig) or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 1.5, 0.002)
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def read_only_transactions() -> contextvars.Token[str]:
    """Make this context's SQLite transactions deferred (for requests that never write)."""
    return _begin_mode.set("DEFERRED")


def reset_transactions(token: contextvars.Token[str]) -> None:
    _begin_mode.reset(token)


@contextmanager
def deferred() -> Iterator[None]:
    token = read_only_transactions()
    try:
        yield
    finally:
        reset_transactions(token)
