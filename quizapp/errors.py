"""Error pages in the app's own style, with no traceback or internal detail.

A :class:`~quizapp.domain.refusals.Refused` that a view does not catch becomes the error page with the
refusal's status and message; the request's transaction is rolled back first, so a refused request
changes nothing.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from .database import Trouble, trouble
from .domain.refusals import Refused
from .extensions import db

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    403: ("Forbidden", "You do not have permission to see this page."),
    404: ("Page not found", "There is nothing at this address. It may have moved, or the link may be wrong."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    409: ("Conflict", "Something changed while you were on this page. Go back, reload it and try again."),
    413: ("Too large", "What you sent is larger than this site accepts."),
    422: ("Not possible", "What you asked for cannot be done."),
    429: ("Too many requests", "Please wait a little before trying again."),
    503: ("Try again later", "The server cannot do this right now. Please try again later."),
    500: ("Something went wrong", "An unexpected error happened on our side. Please try again later."),
}
PLAIN_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} · quizapp</title>'
    '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
    "<body><main><h1>{title}</h1><p>{text}</p></main></body></html>"
)
CSRF_TEXT = (
    "The form could not be accepted because it had expired or did not come from this site. "
    "Go back, reload the page and try again."
)


def render_error(error: HTTPException):
    code = error.code or 500
    title, text = MESSAGES.get(code, (error.name, error.description or ""))
    if isinstance(error, CSRFError):
        text = CSRF_TEXT
    elif code == 413 and current_app.config.get("MAX_CONTENT_LENGTH"):
        text += f" The limit is {_size(current_app.config['MAX_CONTENT_LENGTH'])}."
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return render_template("error.html", code=code, title=title, text=text), code, headers


def render_refusal(refusal: Refused):
    """The error page for a refusal no view handled: its status, and its message for the text."""
    db.session.rollback()
    title = MESSAGES.get(refusal.status, ("Not possible", ""))[0]
    retry_after = getattr(refusal, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return (
        render_template("error.html", code=refusal.status, title=title, text=refusal.message),
        refusal.status,
        headers,
    )


def _trouble_page(condition: Trouble):
    """503 with Retry-After. The page is plain when even rendering it needs the database (the navigation
    asks who is logged in), so that the answer is never a bare 500."""
    headers = {"Retry-After": str(condition.retry_after)}
    try:
        db.session.rollback()
        page = render_template("error.html", code=503, title=MESSAGES[503][0], text=condition.message)
    except Exception:
        db.session.remove()
        page = PLAIN_PAGE.format(title=escape(MESSAGES[503][0]), text=escape(condition.message))
    return page, 503, headers


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MiB" if n >= 1024 * 1024 else f"{n / 1024:g} KiB" if n >= 1024 else f"{n} bytes"


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(Refused, render_refusal)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return render_error(error)
        condition = trouble(error)
        if condition is not None:  # the server's condition, not a bug: say so, and when to come back
            app.logger.error("database trouble (%s): %s", condition.kind, error.__class__.__name__, exc_info=error)
            return _trouble_page(condition)
        app.logger.exception("unhandled error")
        return render_error(InternalServerError())
