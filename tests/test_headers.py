"""Security headers on every response — pages, errors and static files — and templates without inline code."""

from __future__ import annotations

import re

import pytest
from flask import request
from werkzeug.exceptions import TooManyRequests

from quizapp import create_app
from quizapp.extensions import db
from quizapp.security import CONTENT_SECURITY_POLICY

from .conftest import ROOT, csrf_token, log_in

TEMPLATES = ROOT / "quizapp" / "templates"


def assert_baseline(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert csp == CONTENT_SECURITY_POLICY
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here
    response.close()


@pytest.fixture
def boom(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return "/boom"


def test_headers_on_a_normal_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert_baseline(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")  # public pages may be cached


def test_headers_on_a_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "Page not found" in response.text
    assert_baseline(response)


def test_headers_on_a_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"login": "x" * 4096, "password": "y"})
    assert response.status_code == 413
    assert "Too large" in response.text and "The limit is 1 KiB." in response.text
    assert_baseline(response)


def test_413_for_an_oversized_upload_on_the_real_limit(app, client, make_user):
    make_user("teacher", role="teacher")
    log_in(client, "teacher")
    token = csrf_token(client)
    boundary = "b0undary"
    big = b"# padding\n" * (app.config["MAX_CONTENT_LENGTH"] // 10 + 10)
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="bank"; filename="big.yaml"\r\n\r\n'
        ).encode()
        + big
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post("/teach/banks", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413 and "The limit is 32 MiB." in response.text
    assert_baseline(response)


def test_headers_on_a_static_file(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert_baseline(response)


def test_headers_on_a_500(client, boom):
    response = client.get(boom)
    assert response.status_code == 500
    assert "Something went wrong" in response.text and "secret internal detail" not in response.text
    assert_baseline(response)


def test_headers_on_400_403_405_and_429(app, client, make_user):
    @app.get("/slow-down")
    def slow_down():
        raise TooManyRequests(retry_after=60)

    response = client.get("/slow-down")
    assert response.status_code == 429 and "Too many requests" in response.text
    assert response.headers["Retry-After"] == "60"
    assert_baseline(response)
    assert_baseline(client.post("/login", data={}))  # 400: no CSRF token
    response = client.get("/logout")
    assert response.status_code == 405 and response.headers["Allow"]
    assert_baseline(response)
    make_user()
    log_in(client, "learner@example.org")
    response = client.get("/teach/")
    assert response.status_code == 403 and "You do not have permission" in response.text
    assert_baseline(response)


def test_hsts_only_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_logged_in_pages_are_not_stored(client, make_user, boom):
    make_user()
    log_in(client, "learner@example.org")
    for path in ("/", "/account", "/no/such/page", boom):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert_baseline(response)
    static = client.get("/static/style.css")
    assert static.headers.get("Cache-Control") != "no-store"  # the stylesheet is the same for everyone
    static.close()


def test_proxy_headers_are_ignored_unless_configured(app, client, make_user):
    """Login throttling counts by client address: a forged X-Forwarded-For must not choose it."""
    seen = []
    app.before_request(lambda: seen.append(request.remote_addr))
    client.get("/", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["127.0.0.1"]
    proxied = create_app({**app.config, "PROXY_FIX_X_FOR": 1})
    seen_proxied = []
    proxied.before_request(lambda: seen_proxied.append(request.remote_addr))
    proxied.test_client().get("/", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen_proxied == ["203.0.113.9"]
    with proxied.app_context():
        db.engine.dispose()


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_templates_have_no_inline_scripts_or_styles():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) >= 10
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in templates
        for pattern, what in INLINE
        if pattern.search(path.read_text())
    ]
    assert found == []
