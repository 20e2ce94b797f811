"""Error pages in the app's own style, with no traceback or internal detail."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    403: ("Forbidden", "You do not have permission to see this page."),
    404: ("Page not found", "There is nothing at this address. It may have moved, or the link may be wrong."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than this site accepts."),
    429: ("Too many requests", "Please wait a little before trying again."),
    500: ("Something went wrong", "An unexpected error happened on our side. Please try again later."),
}


def render_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    title, text = MESSAGES.get(code, (error.name, error.description or ""))
    return render_template("error.html", code=code, title=title, text=text), code


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return render_error(error)
        app.logger.exception("unhandled error")
        return render_error(InternalServerError())
