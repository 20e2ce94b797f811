"""Under gunicorn, X-Forwarded-Proto counts only when the app is told to trust a proxy for it."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_gunicorn_throttle import START_LIMIT, Site, free_port

pytestmark = pytest.mark.slow


def serve(tmp_path: Path, **settings: str) -> tuple[subprocess.Popen, Site]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZAPP_") and k != "FORWARDED_ALLOW_IPS"}
    env |= {
        "QUIZAPP_SECRET_KEY": secrets.token_urlsafe(48),
        "QUIZAPP_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'proxy.sqlite'}",
        **{f"QUIZAPP_{k}": v for k, v in settings.items()},
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "quizapp", "db", "upgrade"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    site, deadline = Site(port), time.monotonic() + START_LIMIT
    while True:
        try:
            site.request("GET", "/login")
            return server, site
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)


def secure_answer(site: Site) -> bool:
    """Whether the app took the request as HTTPS (it then sends HSTS)."""
    _status, headers, _ = site.request("GET", "/login", headers={"X-Forwarded-Proto": "https"})
    return any(k.lower() == "strict-transport-security" for k, _ in headers)


@pytest.mark.parametrize(("settings", "secure"), [({}, False), ({"PROXY_FIX_X_PROTO": "1"}, True)])
def test_forwarded_proto_is_believed_only_when_the_app_trusts_a_proxy(tmp_path, settings, secure):
    server, site = serve(tmp_path, **settings)
    try:
        assert secure_answer(site) is secure
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
