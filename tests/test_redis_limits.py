"""Limits counted in Redis: atomic under many threads at once, and nothing breaks when Redis goes away — the
database counts meanwhile, a warning is logged, and Redis is used again by itself once it answers."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from quizapp.extensions import db, passwords
from quizapp.limits import Failover, RedisCounters, counters_for
from quizapp.models import LoginFailure, RegistrationAttempt, utcnow
from quizapp.operations import ThrottlePolicy, create_user
from quizapp.operations.limits import DATABASE_COUNTERS, Limit, LimitReached

from .conftest import PASSWORD, csrf_token, log_in, make_app
from .test_auth import register
from .test_gunicorn_throttle import free_port

WINDOW = dt.timedelta(minutes=15)


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self, level: int = logging.DEBUG) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno >= level]


@pytest.fixture
def limits_log() -> Iterator[Records]:
    """What the limits log, caught at their own logger (migrations reconfigure the root logger's handlers)."""
    logger, handler = logging.getLogger("quizapp.limits"), Records()
    level, logger.level = logger.level, logging.DEBUG
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def failures_in_database(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(LoginFailure)).all())


def test_no_redis_url_means_the_database():
    assert counters_for({}) is DATABASE_COUNTERS
    assert counters_for({"REDIS_URL": ""}) is DATABASE_COUNTERS
    chosen = counters_for({"REDIS_URL": "redis://:secret@127.0.0.1:6390/2", "REDIS_KEY_PREFIX": "site"})
    assert isinstance(chosen, Failover) and chosen.where == "127.0.0.1:6390" and "secret" not in chosen.where
    assert chosen.primary.name("pair", "ab12") == "site:limits:pair:ab12"


def test_many_threads_at_once_take_at_most_the_limit(redis_config):
    """The Lua script counts and reserves in one step on the server: 5 slots, 60 callers, 5 get through."""
    store = RedisCounters(redis.Redis.from_url(redis_config["REDIS_URL"]), redis_config["REDIS_KEY_PREFIX"])
    limits = (Limit("pair", "a" * 64, 5, WINDOW), Limit("address", "b" * 64, 8, WINDOW))
    now = utcnow()

    def one(_):
        try:
            store.take(None, limits, now)
        except LimitReached as full:
            return full.limit.scope, round(full.retry_after.total_seconds())
        return "taken"

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(one, range(60), timeout=60))
    assert results.count("taken") == 5
    assert set(results) - {"taken"} == {("pair", 900)}  # the first full limit, and when it frees a slot
    assert store.client.zcard(store.name("address", "b" * 64)) == 5  # nothing reserved by the refused


def test_released_slots_do_not_count_and_forgotten_keys_are_gone(redis_config):
    store = RedisCounters(redis.Redis.from_url(redis_config["REDIS_URL"]), redis_config["REDIS_KEY_PREFIX"])
    limits = (Limit("pair", "c" * 64, 1, WINDOW),)
    store.release(None, store.take(None, limits, utcnow()))
    store.keep(None, store.take(None, limits, utcnow()))
    with pytest.raises(LimitReached):
        store.take(None, limits, utcnow())
    store.forget(None, [("pair", "c" * 64)])
    store.take(None, limits, utcnow())


# --- Redis that goes away and comes back ------------------------------------------------------------------


class OwnRedis:
    """A redis-server of this test's own, on a free port, keeping nothing on disk: stop it, start it again."""

    def __init__(self, binary: str, workdir: Path):
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen([*args, "--dir", str(self.workdir)], stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                assert self.process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    binary = shutil.which("redis-server")
    if binary is None:  # the Redis service the other tests use may run elsewhere; this one needs the program
        pytest.skip("redis-server is not installed here: the restart test starts and stops a server of its own")
    server = OwnRedis(binary, tmp_path)
    server.start()
    yield server
    server.stop()


def test_an_unreachable_redis_leaves_the_counting_to_the_database(tmp_path, make_user_at, limits_log):
    app = make_app(f"sqlite:///{tmp_path / 'q.sqlite'}", tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    app.extensions["quizapp.throttle"] = ThrottlePolicy(per_account=3)
    make_user_at(app)
    client = app.test_client()
    assert [log_in(client, "learner@example.org", "wrong").status_code for _ in range(4)] == [422] * 3 + [429]
    assert failures_in_database(app) == 9  # pair, account and address for each of the three
    warnings = limits_log.messages(logging.WARNING)
    assert len(warnings) == 1 and "is not answering" in warnings[0]  # once a minute, not once a request
    ready = client.get("/readyz")
    assert ready.status_code == 200 and "Redis at 127.0.0.1" in ready.text and "not answering" in ready.text
    # Registrations are limited all the same.
    app.extensions["quizapp.throttle"] = ThrottlePolicy(registrations_per_address=1)
    newcomer = app.test_client()
    newcomer.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert register(newcomer, "first@example.org").status_code == 302
    newcomer.post("/logout", data={"csrf_token": csrf_token(newcomer)})
    refused = register(newcomer, "second@example.org")
    assert refused.status_code == 429 and "from your network" in refused.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RegistrationAttempt)) == 1


def test_redis_restarting_costs_no_error_and_is_used_again_by_itself(tmp_path, own_redis, make_user_at, limits_log):
    prefix = "quizapp-restart"
    app = make_app(f"sqlite:///{tmp_path / 'q.sqlite'}", tmp_path, REDIS_URL=own_redis.url, REDIS_KEY_PREFIX=prefix)
    app.extensions["quizapp.throttle"] = ThrottlePolicy(per_account=3)
    app.extensions["quizapp.limits"].retry_after_failure = 0  # ask Redis again on the very next request
    make_user_at(app)
    guesser = app.test_client()
    watch = redis.Redis.from_url(own_redis.url)

    def guesses(n: int) -> list[int]:
        return [log_in(guesser, "learner@example.org", "wrong").status_code for _ in range(n)]

    assert guesses(4) == [422, 422, 422, 429]  # counted in Redis
    assert failures_in_database(app) == 0 and len(list(watch.scan_iter(f"{prefix}:limits:*"))) == 3
    assert "limits counted in Redis" in guesser.get("/readyz").text

    own_redis.stop()
    assert guesses(4) == [422, 422, 422, 429]  # no error page: the database counts, from zero
    assert failures_in_database(app) == 9
    ready = guesser.get("/readyz")
    assert ready.status_code == 200 and "not answering" in ready.text
    own_redis.start()  # empty: nothing is saved to disk
    assert guesses(1) == [422]  # Redis counts again; the database is left alone
    assert failures_in_database(app) == 9 and len(list(watch.scan_iter(f"{prefix}:limits:*"))) == 3
    messages = limits_log.messages()
    assert any("is not answering" in m for m in messages) and any("answers again" in m for m in messages)
    # The owner, elsewhere, logs in; their account's failures are forgiven in both stores.
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    assert log_in(owner, "learner@example.org").status_code == 302
    with app.app_context():
        assert {f.scope for f in db.session.scalars(select(LoginFailure))} == {"address", "pair"}


def test_redis_failing_between_taking_and_giving_back_a_slot_is_logged_not_raised(own_redis, limits_log):
    failover = counters_for({"REDIS_URL": own_redis.url})
    hold = failover.take(None, (Limit("pair", "d" * 64, 2, WINDOW),), utcnow())
    assert hold.store is failover.primary
    own_redis.stop()
    failover.release(None, hold)
    assert any("is not answering" in m for m in limits_log.messages(logging.WARNING))


@pytest.fixture
def make_user_at():
    def _make(app) -> None:
        with app.app_context():
            create_user(db.session, "learner@example.org", PASSWORD, passwords=passwords(), now=utcnow())
            db.session.commit()

    return _make
