"""Counters for the app's own limits (failed password checks, new accounts), and the database's store of them.

A limit is a key (a scope and a digest: never a login or an address in clear), how many events it allows
and the window they count in. A request *takes* a slot on every limit it is subject to before doing the
costly or guessable thing (a password check, a registration), all at once or not at all; afterwards it
either *keeps* the slot (a failure, an account made: it counts) or *releases* it (it does not count). A
successful login *forgets* the account's failures.

Two stores keep the counts: :class:`DatabaseCounters` here (rows in ``login_failures`` and
``registration_attempts``, counted under a lock so concurrent requests in several processes are counted one
after another), and a Redis store (``quizapp.limits``) that does the same atomically on the Redis server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from ..models import LoginFailure, RegistrationAttempt

LOGIN_SCOPES = ("pair", "account", "address")  # failed password checks, in ``login_failures``
REGISTRATION, SITE = "registration", "site"  # new accounts per address and overall, in ``registration_attempts``
REGISTRATION_LOCK = 0x7155_7265_6769_7374  # an advisory lock id of its own ("qregist")


def digest(scope: str, value: str) -> str:
    """The key a limit is counted under: a digest of what it counts, never the login or address itself."""
    return hashlib.sha256(f"{scope}:{value}".encode()).hexdigest()


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` events for (``scope``, ``key``) within ``window``."""

    scope: str
    key: str
    limit: int
    window: dt.timedelta


class LimitReached(Exception):
    """The limit at ``limits[index]`` is full; a slot frees up in ``retry_after``."""

    def __init__(self, limit: Limit, retry_after: dt.timedelta):
        super().__init__(f"{limit.scope} limit reached")
        self.limit = limit
        self.retry_after = retry_after


@dataclass
class Hold:
    """Slots taken on ``limits`` at ``now`` by one request, in the store that took them."""

    store: Counters
    limits: tuple[Limit, ...]
    now: dt.datetime
    token: str = ""


class Counters(Protocol):
    def take(self, session: Session, limits: Sequence[Limit], now: dt.datetime) -> Hold:
        """Take one slot on every limit, or none: raise :class:`LimitReached` for the first one that is full."""

    def keep(self, session: Session, hold: Hold) -> None:
        """The slots count (a failed check, an account made)."""

    def release(self, session: Session, hold: Hold) -> None:
        """The slots do not count after all."""

    def forget(self, session: Session, scopes_and_keys: Sequence[tuple[str, str]]) -> None:
        """Drop every count of these keys."""

    def state(self) -> str | None:
        """Where counts go now, for the readiness page, if there is a choice."""


class DatabaseCounters:
    """Counts as rows in the database, within the request's transaction, which the caller commits.

    Taking a slot counts the recent rows under a lock (SQLite: ``BEGIN IMMEDIATE`` holds the write lock from
    the first statement; PostgreSQL: an advisory lock per key, taken in key order), and the lock is held to
    the end of the transaction, so the check that follows and the row it may add are counted in turn.
    Keeping adds the rows; releasing adds nothing.
    """

    def take(self, session: Session, limits: Sequence[Limit], now: dt.datetime) -> Hold:
        limits = tuple(limits)
        self._lock(session, limits)
        for limit in limits:
            since = now - limit.window
            if limit.scope in (REGISTRATION, SITE):
                session.execute(delete(RegistrationAttempt).where(RegistrationAttempt.created_at <= since))
                column = RegistrationAttempt.created_at
                query = select(column).where(column > since)
                if limit.scope == REGISTRATION:
                    query = query.where(RegistrationAttempt.address_key == limit.key)
            else:
                column = LoginFailure.created_at
                query = select(column).where(
                    LoginFailure.scope == limit.scope, LoginFailure.key == limit.key, column > since
                )
            recent = session.scalars(query.order_by(column.desc()).limit(limit.limit)).all()
            if len(recent) >= limit.limit:
                raise LimitReached(limit, recent[-1] + limit.window - now)
        return Hold(self, limits, now)

    def keep(self, session: Session, hold: Hold) -> None:
        logins = [limit for limit in hold.limits if limit.scope not in (REGISTRATION, SITE)]
        if logins:
            # Only rows of these scopes: another limit (password-reset requests) may count over a longer window.
            oldest = min(limit.window for limit in logins)
            scopes = {limit.scope for limit in logins}
            session.execute(
                delete(LoginFailure).where(LoginFailure.scope.in_(scopes), LoginFailure.created_at <= hold.now - oldest)
            )
            session.add_all(LoginFailure(scope=limit.scope, key=limit.key, created_at=hold.now) for limit in logins)
        address = next((limit.key for limit in hold.limits if limit.scope == REGISTRATION), None)
        if address is not None:
            session.add(RegistrationAttempt(address_key=address, created_at=hold.now))
        session.flush()

    def release(self, session: Session, hold: Hold) -> None:
        return None

    def forget(self, session: Session, scopes_and_keys: Sequence[tuple[str, str]]) -> None:
        if not scopes_and_keys:
            return
        condition = None
        for scope, key in scopes_and_keys:
            one = (LoginFailure.scope == scope) & (LoginFailure.key == key)
            condition = one if condition is None else condition | one
        session.execute(delete(LoginFailure).where(condition))

    def state(self) -> str | None:
        return None

    @staticmethod
    def _lock(session: Session, limits: tuple[Limit, ...]) -> None:
        if session.get_bind().dialect.name != "postgresql":
            return  # SQLite: the request's BEGIN IMMEDIATE already holds the database's one write lock
        ids = set()
        for limit in limits:
            if limit.scope in (REGISTRATION, SITE):
                ids.add(REGISTRATION_LOCK)  # one registration at a time is counted
            else:
                ids.add(int.from_bytes(bytes.fromhex(limit.key)[:8], "big", signed=True))
        for lock_id in sorted(ids):
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_id})


DATABASE_COUNTERS = DatabaseCounters()
