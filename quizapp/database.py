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
import sqlite3
import time
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.sql.expression import Executable

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
        # Straight to the driver: these statements run at the start of every transaction, and SQLAlchemy's
        # statement layer would add several times their own cost.
        raw = connection.connection.driver_connection
        mode = _begin_mode.get()
        if mode == "IMMEDIATE":
            _begin_immediate(raw)
        else:
            raw.execute(f"BEGIN {mode}")


def _begin_immediate(raw: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE`` on the driver connection ``raw``, waiting for the write lock in short steps.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25… ms between tries, so when workers take turns
    at short write transactions, most of the waiting one's time would be spent asleep after the lock had
    already come free. So while the lock is taken the busy timeout is 0, and the lock is tried again after
    0.1 ms, then a little longer each time up to 2 ms, for as long as the busy timeout would have waited.
    """
    raw.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        pause = 0.0001
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc  # as SQLAlchemy would raise it
            time.sleep(pause)
            pause = min(pause * 1.5, 0.002)
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


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


# --- prepared statements for the hottest paths ------------------------------------------------------------


class Prepared:
    """A Core statement compiled once per dialect; on SQLite it runs straight on the driver's cursor.

    SQLAlchemy's execution layer costs some 40 µs a statement, ten times what SQLite itself takes to find a
    row by key, and answering a question runs several. Values still pass through the columns' own type
    processors (JSON, booleans, UTC datetimes), so rows come back exactly as SQLAlchemy would give them, as
    named tuples. Other databases take the ordinary path. Statements must select plain columns or be
    INSERT, UPDATE or DELETE; ``columns`` names the columns an INSERT or UPDATE sets.
    """

    def __init__(self, statement: Executable, columns: Sequence[str] | None = None):
        self.statement = statement
        self.columns = list(columns) if columns is not None else None
        self._plans: dict[str, _Plan] = {}

    def execute(self, target: Session | scoped_session | Unlocked, params: Mapping[str, Any]) -> _Outcome:
        """Run on ``target``: a session (in its transaction) or what :func:`reads_before_transaction` gave."""
        if isinstance(target, Unlocked):
            return self._run(target.dialect, target.driver, params)
        connection = target.connection()
        if connection.dialect.name != "sqlite":
            return _Outcome.of(target.execute(self.statement, params))
        return self._run(connection.dialect, connection.connection.driver_connection, params)

    def first(self, target: Session | scoped_session | Unlocked, params: Mapping[str, Any]) -> Any:
        rows = self.execute(target, params).rows
        return rows[0] if rows else None

    def scalar(self, target: Session | scoped_session | Unlocked, params: Mapping[str, Any]) -> Any:
        row = self.first(target, params)
        return row[0] if row is not None else None

    def _run(self, dialect: Dialect, driver: Any, params: Mapping[str, Any]) -> _Outcome:
        plan = self._plans.get(dialect.name) or self._plan(dialect)
        values = [convert(params[name] if name in params else default()) for name, convert, default in plan.binds]
        cursor = driver.execute(plan.sql, values)
        if plan.row is None:
            return _Outcome([], cursor.lastrowid, cursor.rowcount)
        convert_row = plan.results
        rows = [plan.row(*[f(v) for f, v in zip(convert_row, raw, strict=True)]) for raw in cursor.fetchall()]
        return _Outcome(rows, None, len(rows))

    def _plan(self, dialect: Dialect) -> _Plan:
        compiled = self.statement.compile(dialect=dialect, column_keys=self.columns)
        binds = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            convert = _processor(bind.type.dialect_impl(dialect).bind_processor(dialect))
            binds.append((name, convert, _missing(name) if bind.required else _value(bind.effective_value)))
        row = results = None
        if isinstance(self.statement, Select):
            selected = list(self.statement.selected_columns)
            row = namedtuple("Row", [c.key for c in selected], rename=True)  # type: ignore[misc]
            results = [_processor(c.type.dialect_impl(dialect).result_processor(dialect, None)) for c in selected]
        plan = _Plan(str(compiled), binds, row, results)
        self._plans[dialect.name] = plan
        return plan


@dataclass(frozen=True)
class Unlocked:
    """A pooled SQLite connection in autocommit mode, for reads outside any transaction."""

    dialect: Dialect
    driver: Any


@contextmanager
def reads_before_transaction(session: Session | scoped_session) -> Iterator[Session | scoped_session | Unlocked]:
    """Something to run :class:`Prepared` reads on before ``session`` begins its transaction.

    On SQLite, while ``session`` has not begun, that is a pooled connection in autocommit mode, where each
    read sees what is committed, so that a request's ``BEGIN IMMEDIATE``, and the write lock it takes, wait
    until the request has something to change. Otherwise it is ``session`` itself. Only for reads whose
    result does not have to hold once the transaction begins (or that are checked again within it).
    """
    engine = session.get_bind()
    plain = session() if isinstance(session, scoped_session) else session  # Flask-SQLAlchemy's is scoped
    if plain.in_transaction() or engine.dialect.name != "sqlite":
        yield session
        return
    raw = engine.raw_connection()  # type: ignore[union-attr]
    try:
        yield Unlocked(engine.dialect, raw.driver_connection)
    finally:
        raw.close()  # back to the pool


def _missing(name: str) -> Callable[[], Any]:
    def missing() -> Any:
        raise KeyError(f"no value for the statement's parameter {name!r}")

    return missing


def _value(value: Any) -> Callable[[], Any]:
    return lambda: value


def _unchanged(value: Any) -> Any:
    return value


def _processor(processor: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    return processor or _unchanged


@dataclass(frozen=True)
class _Plan:
    sql: str
    binds: list[tuple[str, Callable[[Any], Any], Callable[[], Any]]]  # (name, converter, value when not given)
    row: Any  # a named tuple type for SELECTs, else None
    results: list[Callable[[Any], Any]] | None


@dataclass(frozen=True)
class _Outcome:
    rows: list[Any]
    inserted_id: int | None
    rowcount: int

    @classmethod
    def of(cls, result: Any) -> _Outcome:
        if result.is_insert:  # PostgreSQL fetches the new key with RETURNING, so check this first
            return cls([], result.inserted_primary_key[0], result.rowcount)
        if result.returns_rows:
            rows = list(result)
            return cls(rows, None, len(rows))
        return cls([], None, result.rowcount)
