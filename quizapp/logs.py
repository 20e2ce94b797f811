"""Logs a machine can read: one JSON object per line, and one line per request with its id, the user's id
and how long it took.

``QUIZAPP_LOG_FORMAT`` is ``json`` (the default outside development) or ``text``. A request's id is the
``X-Request-ID`` its proxy sent (letters, digits, ``-`` and ``_``, up to 64), or a new one; it is sent back
in the response's ``X-Request-ID`` and is on every line logged while the request runs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, g, has_request_context, request
from flask.wrappers import Response

REQUEST_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms", "remote_addr")


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC), level, logger, message, the request's fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            data["request_id"] = g.request_id
        for name in FIELDS:
            if hasattr(record, name):
                data[name] = getattr(record, name)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def init_app(app: Flask) -> None:
    default = "text" if app.config.get("DEVELOPMENT") or app.testing or app.debug else "json"
    if str(app.config.get("LOG_FORMAT") or default).lower() != "json":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(logging.INFO)
    app.logger.propagate = False
    requests = app.logger.getChild("request")

    @app.before_request
    def _start() -> None:
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if REQUEST_ID_RE.fullmatch(sent) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        if "request_id" not in g:  # the request failed before it started (e.g. a malformed URL)
            return response
        response.headers["X-Request-ID"] = g.request_id
        requests.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "user_id": _user_id(),
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 2),
                "remote_addr": request.remote_addr,
            },
        )
        return response


def _user_id() -> int | None:
    """The logged-in user's id, if this request asked who they are (a plain SessionUser: never a query)."""
    user = g.get("_login_user")
    return None if user is None or getattr(user, "is_anonymous", True) else getattr(user, "id", None)
