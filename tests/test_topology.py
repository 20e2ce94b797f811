"""Two hosts, one database: two gunicorn instances (different ports, the same secret key) against one
PostgreSQL database, each started as a deployment starts a host (migrate, then serve). A session begun on
one works on the other; login throttling and registration limits hold across both, counted in the database
or, with ``QUIZAPP_REDIS_URL`` set, in Redis."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy

from .conftest import POSTGRES_ADMIN_URL, ROOT, redis_limit_keys
from .test_gunicorn_throttle import START_LIMIT, Site, free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "a phrase for two hosts"


class Browser:
    """One person's cookies, carried from host to host as a load balancer would send their requests."""

    def __init__(self, source: str = "127.0.0.1"):
        self.cookies: dict[str, str] = {}
        self.source = source

    def get(self, site: Site, path: str) -> tuple[int, str]:
        status, headers, body = site.request("GET", path, headers=self._headers(), source=self.source)
        self._keep(headers)
        return status, body

    def post(self, site: Site, path: str, form_page: str, **fields: str) -> int:
        _status, page = self.get(site, form_page)
        body = urlencode({"csrf_token": CSRF.search(page).group(1), **fields})
        headers = {**self._headers(), "Content-Type": "application/x-www-form-urlencoded"}
        status, response_headers, _ = site.request("POST", path, body, headers, source=self.source)
        self._keep(response_headers)
        return status

    def _headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def _keep(self, headers) -> None:
        for name, value in headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]


@pytest.fixture
def database(postgres_url) -> Iterator[str]:
    """An empty database of its own (``postgres_url`` says whether the server is there)."""
    admin = sqlalchemy.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"quizapp_hosts_{secrets.token_hex(5)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sqlalchemy.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def hosts(database, tmp_path: Path, limits_store: dict[str, str]) -> Iterator[tuple[Site, Site]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZAPP_")}
    env |= {
        "QUIZAPP_SECRET_KEY": secrets.token_urlsafe(48),
        "QUIZAPP_SQLALCHEMY_DATABASE_URI": database,
        "QUIZAPP_LOGIN_MAX_FAILURES_PER_ACCOUNT": "4",
        "QUIZAPP_REGISTRATIONS_PER_ADDRESS": "3",
        "QUIZAPP_DEVELOPMENT": "true",  # plain HTTP here: session cookies without the Secure flag
    }
    env |= {f"QUIZAPP_{name}": value for name, value in limits_store.items()}  # Redis, when it is the store
    migrate = [sys.executable, "-m", "flask", "--app", "quizapp", "db", "upgrade"]
    starts = [
        subprocess.Popen(migrate, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"
    ]
    for start in starts:  # both hosts migrate at once, as they would on a deployment
        _out, err = start.communicate(timeout=300)
        assert start.returncode == 0, err.decode()[-2000:]
    servers, sites = [], []
    for name in "ab":
        port = free_port()
        log = (tmp_path / f"host-{name}.log").open("w")
        servers.append(
            (
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
                log,
            )
        )
        sites.append(Site(port))
    try:
        deadline = time.monotonic() + START_LIMIT
        for site, (server, _log) in zip(sites, servers, strict=True):
            while True:
                try:
                    if site.request("GET", "/readyz")[0] == 200:
                        break
                except OSError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, "a host did not start"
                time.sleep(0.2)
        yield sites[0], sites[1]
    finally:
        for server, log in servers:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
            log.close()


def register(browser: Browser, site: Site, login: str) -> int:
    return browser.post(site, "/register", "/register", login=login, password=PASSWORD, confirm=PASSWORD)


def log_in(browser: Browser, site: Site, login: str, password: str = PASSWORD) -> int:
    return browser.post(site, "/login", "/login", login=login, password=password)


def test_two_hosts_share_sessions_throttling_and_limits(hosts, limits_store):
    a, b = hosts
    # A session begun on one host is good on the other.
    learner = Browser()
    assert register(learner, a, "traveller@example.org") == 302
    status, page = learner.get(b, "/account")
    assert status == 200 and "traveller@example.org" in page
    # Logging out on one host ends the session on both.
    assert learner.post(b, "/logout", "/account") == 302
    assert learner.get(a, "/account")[0] == 302

    # Wrong passwords for one account from one address, spread over both hosts, share one budget.
    guesser = Browser("127.0.0.3")
    statuses = [log_in(guesser, site, "traveller@example.org", "wrong") for site in (a, b, a, b, a, b)]
    assert statuses == [422, 422, 422, 422, 429, 429], statuses
    assert log_in(Browser("127.0.0.4"), b, "traveller@example.org") == 302  # the owner elsewhere is not locked out

    # Registrations from one address: the limit (3 an hour, one already used) holds across both hosts.
    newcomers = [register(Browser(), site, f"new{n}@example.org") for n, site in enumerate((b, a, b))]
    assert newcomers == [302, 302, 429], newcomers
    if limits_store:  # the hosts counted through Redis
        keys = redis_limit_keys(limits_store)
        assert any(":limits:pair:" in key for key in keys) and any(":limits:registration:" in key for key in keys)
        assert "limits counted in Redis" in a.request("GET", "/readyz")[2]
