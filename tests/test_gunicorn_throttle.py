"""Brute force against the real app served by gunicorn with 4 worker processes: no more than the configured
number of password checks get through, because the failure counter lives in the database or in Redis, not in
a worker. Run with each store."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest

from .conftest import PASSWORD, ROOT, redis_limit_keys

pytestmark = pytest.mark.slow

PER_ACCOUNT = 5
PER_ADDRESS = 12
TIMEOUT = 60  # seconds, for any one request: limits only a hang, never a slow machine
START_LIMIT = 180  # seconds for gunicorn to answer at all; polled, so a quick start is not slowed down
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    def __init__(self, port: int):
        self.port = port

    def request(self, method: str, path: str, body: str | None = None, headers=None, source: str = "127.0.0.1"):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT, source_address=(source, 0))
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read().decode()
        finally:
            conn.close()

    def attempt(self, login: str, password: str, source: str = "127.0.0.1") -> int:
        """One login as a browser does it: fetch the form (session cookie, CSRF token), then post it."""
        status, headers, html = self.request("GET", "/login", source=source)
        assert status == 200, status
        cookie = next(v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie" and v.startswith("session="))
        token = CSRF.search(html).group(1)
        body = urlencode({"csrf_token": token, "login": login, "password": password})
        status, _, _ = self.request(
            "POST",
            "/login",
            body,
            {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            source=source,
        )
        return status


def flask(env: dict, *args: str, stdin: str | None = None) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "quizapp", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def site(tmp_path: Path, limits_store: dict[str, str]):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZAPP_")}
    env |= {
        "QUIZAPP_SECRET_KEY": secrets.token_urlsafe(48),
        "QUIZAPP_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'gunicorn.sqlite'}",
        "QUIZAPP_LOGIN_MAX_FAILURES_PER_ACCOUNT": str(PER_ACCOUNT),
        "QUIZAPP_LOGIN_MAX_FAILURES_PER_ADDRESS": str(PER_ADDRESS),
    }
    env |= {f"QUIZAPP_{name}": value for name, value in limits_store.items()}
    flask(env, "db", "upgrade")
    for login in ("victim@example.org", "bystander@example.org"):
        flask(env, "user", "create", "--password-stdin", login, stdin=PASSWORD + "\n")
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "4", "-b", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        site = Site(port)
        deadline = time.monotonic() + START_LIMIT
        while True:
            try:
                if site.request("GET", "/login")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, f"gunicorn did not start within {START_LIMIT} s"
            time.sleep(0.2)
        yield site
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()
    workers = len(re.findall(r"Booting worker with pid", (tmp_path / "gunicorn.log").read_text()))
    assert workers >= 4


def attack(site: Site, logins: list[str]) -> dict[int, int]:
    """Try every login in ``logins`` with a wrong password, 8 at a time; count the statuses."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda login: site.attempt(login, "not the password"), logins, timeout=300))
    return {s: statuses.count(s) for s in set(statuses)}


def test_brute_force_against_four_gunicorn_workers(site, limits_store):
    # 40 guesses at one account from one address: at most PER_ACCOUNT are checked, the rest refused.
    first = attack(site, ["victim@example.org"] * 40)
    assert set(first) <= {422, 429}, first
    assert first.get(422, 0) <= PER_ACCOUNT
    assert first.get(422, 0) >= 1 and first[429] >= 40 - PER_ACCOUNT
    assert site.attempt("victim@example.org", PASSWORD) == 429  # even the right password waits

    # 40 guesses at other names from the same address: the address budget caps the total.
    second = attack(site, [f"guess{i}@example.org" for i in range(40)])
    assert set(second) <= {422, 429}, second
    assert first.get(422, 0) + second.get(422, 0) <= PER_ADDRESS
    assert site.attempt("bystander@example.org", PASSWORD) == 429  # this address is paused

    # Someone else, at another address, is not affected.
    assert site.attempt("bystander@example.org", PASSWORD, source="127.0.0.2") == 302
    if limits_store:  # counted in Redis, not in the database
        assert any(":limits:address:" in key for key in redis_limit_keys(limits_store))
