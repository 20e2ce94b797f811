"""Database engine set-up: SQLite made safe for several worker processes.

pysqlite's default starts transactions lazily and in "deferred" mode, so two processes can read the same
row, both write, and one update is silently lost; deferred transactions that later write fail with
"database is locked" instead. Following SQLAlchemy's documented recipe ("Serializable isolation /
Savepoints / Transactional DDL" in its SQLite dialect notes), pysqlite's own BEGIN is turned off when a
connection is made and SQLAlchemy emits ``BEGIN IMMEDIATE`` itself when a transaction begins, so a writing
transaction holds the write lock from its first statement and waits (SQLite's ``busy_timeout``) rather
than failing. Requests that cannot write (GET, HEAD, OPTIONS) use a plain deferred BEGIN so readers never
queue behind writers; WAL lets them read while a writer works.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, scoped_session

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
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(f"BEGIN {_begin_mode.get()}")


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


@contextmanager
def reads_before_writing(session: Session | scoped_session) -> Iterator[Session | scoped_session | Connection]:
    """Something to run reads on before ``session`` begins its transaction.

    On SQLite, while ``session`` has not begun, that is a connection of the same engine in a short deferred
    transaction of its own, which sees what is committed, so that the request's ``BEGIN IMMEDIATE``, and
    the write lock it takes, wait until the request has something to change. Otherwise (a transaction
    already under way, or another database, where a transaction takes no lock by beginning) it is
    ``session`` itself, as it is when this context's transactions are deferred anyway (a read-only
    request). Only for reads whose result does not have to hold once the transaction begins, or
    that are checked again within it. Both give the same :class:`~sqlalchemy.engine.Result` rows.
    """
    plain = session() if isinstance(session, scoped_session) else session  # Flask-SQLAlchemy's is scoped
    engine = plain.get_bind()
    if plain.in_transaction() or engine.dialect.name != "sqlite":
        yield session
        return
    if _begin_mode.get() == "DEFERRED":
        # A deferred transaction takes no lock by beginning, so the session's own is as good and spares a
        # second connection, BEGIN and ROLLBACK (a read-only request's reads all share it). Its connection
        # rather than the session: the same rows without the ORM's execution layer.
        yield plain.connection()
        return
    with deferred(), engine.connect() as connection:
        yield connection


# --- when the database cannot do its part -----------------------------------------------------------------


@dataclass(frozen=True)
class Trouble:
    """A database failure that is the server's condition, not the request's fault: what to tell people, and
    when to try again. Nothing was saved: the transaction that met it is rolled back."""

    kind: str  # "disk-full", "unavailable" or "busy"
    message: str
    retry_after: int


DISK_FULL = Trouble("disk-full", "The server is out of disk space; nothing was saved. Please try again later.", 300)
UNAVAILABLE = Trouble(
    "unavailable", "The database cannot be reached right now; nothing was saved. Please try again shortly.", 10
)
BUSY = Trouble("busy", "The server is too busy to save this right now; nothing was saved. Please try again.", 5)
# SQLSTATE classes and codes (PostgreSQL appendix A) and SQLite's messages for each kind of trouble.
_PG_DISK_FULL = {"53100"}  # disk_full
_PG_UNAVAILABLE = {"08000", "08001", "08003", "08004", "08006", "57P01", "57P02", "57P03"}
_PG_BUSY = {"53000", "53200", "53300", "55P03", "40P01"}
_SQLITE = {"database or disk is full": DISK_FULL, "disk i/o error": DISK_FULL, "database is locked": BUSY}
_SQLITE |= {"unable to open database file": UNAVAILABLE}


def trouble(error: BaseException) -> Trouble | None:
    """The kind of server trouble ``error`` (a SQLAlchemy or driver error) is, or None for anything else."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return UNAVAILABLE
    original = getattr(error, "orig", error)
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if code:
        for codes, kind in ((_PG_DISK_FULL, DISK_FULL), (_PG_UNAVAILABLE, UNAVAILABLE), (_PG_BUSY, BUSY)):
            if code in codes:
                return kind
        return None
    if isinstance(error, OperationalError | DBAPIError) or type(original).__module__.startswith("sqlite3"):
        text = str(original).lower()
        for phrase, kind in _SQLITE.items():
            if phrase in text:
                return kind
        if isinstance(error, OperationalError) and "connection" in text:
            return UNAVAILABLE
    return None
