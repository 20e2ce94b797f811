"""The security baseline every response gets, and the proxy set-up the client address depends on.

A small hook instead of Flask-Talisman: a fixed Content-Security-Policy with no inline script or style
(the templates have none; JavaScript, when needed, lives in static files), no framing, no plugins, and
forms that post only to this site; HSTS only when the request really came over HTTPS.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask.wrappers import Response
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
# Responses that are the same for everyone (and say how long to keep them): never marked no-store.
SHARED_ENDPOINTS = {"static", "media.file"}
PROXY_FIX_SETTINGS = {"x_for": "PROXY_FIX_X_FOR", "x_proto": "PROXY_FIX_X_PROTO", "x_host": "PROXY_FIX_X_HOST"}
PROXY_FIX_SETTINGS |= {"x_port": "PROXY_FIX_X_PORT", "x_prefix": "PROXY_FIX_X_PREFIX"}


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FOREIGN_ORIGIN = "The form was sent from another site, so it was not accepted."


def init_app(app: Flask) -> None:
    _proxy_fix(app)

    @app.before_request
    def _same_origin() -> None:
        """Refuse a form whose browser says it came from another origin, over HTTP as over HTTPS (Flask-WTF
        checks the Referer only over HTTPS). Browsers send Origin with every cross-site POST; a request
        without one (an old browser, a script) still needs its CSRF token."""
        origin = request.headers.get("Origin")
        # "null" says only that the browser withholds the origin (a page sent with Referrer-Policy: no-referrer,
        # as the password-reset page is): the CSRF token decides, as when there is no Origin at all.
        named = origin is not None and origin != "null"
        if request.method in UNSAFE_METHODS and named and origin != request.host_url.rstrip("/"):
            raise CSRFError(FOREIGN_ORIGIN)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}")
        user = g.get("_login_user")  # loaded by Flask-Login during this request, if anything asked for it
        # is_anonymous rather than is_authenticated: the latter reads the user's row, which a commit has
        # expired, and reloading it would open a second transaction just for this header.
        if user is not None and not user.is_anonymous and request.endpoint not in SHARED_ENDPOINTS:
            response.headers["Cache-Control"] = "no-store"
        return response


def _proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-* headers only from as many proxies as configured (none by default), so that
    nobody can choose the address that login throttling counts by sending a header."""
    hops = {arg: int(app.config.get(key) or 0) for arg, key in PROXY_FIX_SETTINGS.items()}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]
