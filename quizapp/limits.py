"""Where the app's own limits are counted: Redis when ``REDIS_URL`` is set, the database otherwise.

The Redis store takes slots atomically on the server (one Lua script per request: for every limit, drop the
entries older than its window, compare the count with the limit; then, only if every limit has room, add the
request's entry to each sorted set, timestamped, and give the key an expiry), so at most ``limit`` requests
get through a window however many processes and hosts ask at once.

If Redis does not answer (socket timeouts of half a second), the request is counted in the database instead,
a warning is logged (at most once a minute per process), and Redis is tried again a few seconds later, by
itself. Counts are not copied between the two: during an outage the limits count afresh in the database
(the failures recorded there in the window before are counted too), and when Redis is back it counts from
what it held before the outage. An attacker thus gains at most one extra budget per outage; nobody is
locked out by one.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy.orm import Session

from .operations.limits import DATABASE_COUNTERS, Counters, Hold, Limit, LimitReached

log = logging.getLogger("quizapp.limits")
SOCKET_TIMEOUT = 0.5  # seconds: a Redis that does not answer costs a request at most this much
RETRY_AFTER_FAILURE = 5.0  # seconds before Redis is asked again after it failed
WARN_EVERY = 60.0  # seconds between two warnings of one process

# KEYS: the limits' keys. ARGV: now (ms), the request's member, then a limit and a window (ms) per key.
# Returns {0, 0} when a slot was taken on every key, else {the 1-based index of the full one, ms to wait}.
TAKE = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local limit, window = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= limit then
    local edge = redis.call('ZREVRANGE', key, limit - 1, limit - 1, 'WITHSCORES')
    return {i, tonumber(edge[2]) + window - now}
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[1], ARGV[2])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 + 2 * i]) + 1000)
end
return {0, 0}
"""


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


class RedisCounters:
    """Counts as sorted sets in Redis, one per key, named ``<prefix>:limits:<scope>:<digest>``."""

    def __init__(self, client: redis.Redis, prefix: str = "quizapp"):
        self.client = client
        self.prefix = prefix
        self._take = client.register_script(TAKE)

    def name(self, scope: str, key: str) -> str:
        return f"{self.prefix}:limits:{scope}:{key}"

    def take(self, session: Session, limits: Sequence[Limit], now: dt.datetime) -> Hold:
        limits = tuple(limits)
        token = secrets.token_hex(8)
        if not limits:
            return Hold(self, limits, now, token)
        args: list[Any] = [_ms(now), token]
        for limit in limits:
            args += [limit.limit, int(limit.window.total_seconds() * 1000)]
        full, wait_ms = self._take(keys=[self.name(limit.scope, limit.key) for limit in limits], args=args)
        if full:
            raise LimitReached(limits[int(full) - 1], dt.timedelta(milliseconds=int(wait_ms)))
        return Hold(self, limits, now, token)

    def keep(self, session: Session, hold: Hold) -> None:
        return None  # the entry taken is the count

    def release(self, session: Session, hold: Hold) -> None:
        if hold.limits:
            pipe = self.client.pipeline(transaction=False)
            for limit in hold.limits:
                pipe.zrem(self.name(limit.scope, limit.key), hold.token)
            pipe.execute()

    def forget(self, session: Session, scopes_and_keys: Sequence[tuple[str, str]]) -> None:
        if scopes_and_keys:
            self.client.delete(*(self.name(scope, key) for scope, key in scopes_and_keys))

    def ping(self) -> bool:
        return bool(self.client.ping())


class Failover:
    """Redis first; the database for any request Redis does not answer, until Redis answers again.

    A slot is kept or released in the store that took it. Forgetting an account's failures happens in both
    stores, so failures counted in the database during an outage are forgiven too.
    """

    def __init__(self, primary: RedisCounters, where: str, secondary: Counters = DATABASE_COUNTERS):
        self.primary = primary
        self.secondary = secondary
        self.where = where  # host and port, for log lines (never the password)
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._down = False
        self._warned_at = -WARN_EVERY
        self.retry_after_failure = RETRY_AFTER_FAILURE

    @property
    def using_redis(self) -> bool:
        return time.monotonic() >= self._down_until

    def take(self, session: Session, limits: Sequence[Limit], now: dt.datetime) -> Hold:
        if self.using_redis:
            try:
                hold = self.primary.take(session, limits, now)
            except redis.RedisError as exc:
                self._failed(exc)
            else:
                self._answered()
                return hold
        return self.secondary.take(session, limits, now)

    def keep(self, session: Session, hold: Hold) -> None:
        self._in(hold.store, "keep", session, hold)

    def release(self, session: Session, hold: Hold) -> None:
        self._in(hold.store, "release", session, hold)

    def forget(self, session: Session, scopes_and_keys: Sequence[tuple[str, str]]) -> None:
        self.secondary.forget(session, scopes_and_keys)
        self._in(self.primary, "forget", session, scopes_and_keys)  # tried even while Redis seems down

    def state(self) -> str:
        """A line for the readiness page: where limits are counted now (asks Redis, never raises)."""
        try:
            self.primary.ping()
        except redis.RedisError as exc:
            self._failed(exc)
            return f"limits counted in the database: Redis at {self.where} is not answering"
        self._answered()
        return f"limits counted in Redis at {self.where}"

    def _in(self, store: Counters, action: str, *args: Any) -> None:
        if store is not self.primary:
            getattr(store, action)(*args)
            return
        try:
            getattr(store, action)(*args)
        except redis.RedisError as exc:  # the entry expires with its window
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            now = time.monotonic()
            self._down_until = now + self.retry_after_failure
            self._down = True
            warn = now - self._warned_at >= WARN_EVERY
            if warn:
                self._warned_at = now
        if warn:
            log.warning(
                "Redis at %s is not answering (%s: %s); login and registration limits are counted in the "
                "database until it answers again",
                self.where,
                exc.__class__.__name__,
                exc,
            )

    def _answered(self) -> None:
        with self._lock:
            was_down, self._down = self._down, False
            self._down_until = 0.0
        if was_down:
            log.info("Redis at %s answers again; limits are counted there", self.where)


def counters_for(config: Mapping[str, Any]) -> Counters | Failover:
    """The store the app's configuration asks for: ``REDIS_URL`` (a ``redis://`` URL) or the database."""
    url = config.get("REDIS_URL")
    if not url:
        return DATABASE_COUNTERS
    client = redis.Redis.from_url(
        str(url),
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        retry=Retry(NoBackoff(), 0),  # one try: a Redis that does not answer is the database's turn
    )
    kwargs = client.connection_pool.connection_kwargs
    where = f"{kwargs.get('host', kwargs.get('path', '?'))}:{kwargs.get('port', '')}".rstrip(":")
    return Failover(RedisCounters(client, str(config.get("REDIS_KEY_PREFIX") or "quizapp")), where)
