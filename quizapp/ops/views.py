"""For whoever runs the site: is the process up, and is it ready to serve (database reachable, schema at
the latest migration)? Plain text, no session, no login."""

from __future__ import annotations

from flask import Blueprint, Response

from ..extensions import db
from ..queries.ops import readiness

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and answering; nothing else is looked at."""
    return _plain("ok\n", 200)


@bp.get("/readyz")
def readyz() -> Response:
    """Ready to serve: the database answers and its schema is at the latest migration."""
    ready, detail = readiness(db.session)
    return _plain(f"{'ready' if ready else 'not ready'}: {detail}\n", 200 if ready else 503)


def _plain(text: str, status: int) -> Response:
    response = Response(text, status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response
