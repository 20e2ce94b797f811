"""For whoever runs the site: is the process up, and is it ready to serve (database reachable, schema at
the latest migration)? Plain text, no session, no login."""

from __future__ import annotations

from flask import Blueprint, Response

from ..extensions import db, limit_counters
from ..queries.ops import readiness

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and answering; nothing else is looked at."""
    return _plain("ok\n", 200)


@bp.get("/readyz")
def readyz() -> Response:
    """Ready to serve: the database answers and its schema is at the latest migration. Redis, when
    configured, is reported but not required: while it does not answer, limits are counted in the database."""
    ready, detail = readiness(db.session)
    limits = limit_counters().state()  # where limits are counted, when Redis is configured; never a refusal
    if limits:
        detail += f"; {limits}"
    return _plain(f"{'ready' if ready else 'not ready'}: {detail}\n", 200 if ready else 503)


def _plain(text: str, status: int) -> Response:
    response = Response(text, status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response
