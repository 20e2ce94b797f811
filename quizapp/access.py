"""Who may see what: roles per blueprint or view, ownership of objects addressed by id, and safe redirects.

Every check lives here so that a blueprint states its audience in one line (:func:`require_role`) and a
view that loads an object by id asks :func:`owned_or_404`, which answers 404 whether the object belongs to
someone else or does not exist at all, so ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import LoginManager, current_user

from .extensions import db, login_manager
from .models import User
from .queries.accounts import user_by_session_token


class Owned(Protocol):
    owner_id: Any


T = TypeVar("T")


def _check_role(roles: tuple[str, ...]) -> Any:
    """None when the current user has one of ``roles``; otherwise the response that refuses them."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if roles and not current_user.has_role(*roles):
        abort(403)
    return None


def require_role(bp: Blueprint, *roles: str) -> None:
    """Let only logged-in users (with one of ``roles``, if any are given) into every view of ``bp``."""

    @bp.before_request
    def _only_roles() -> Any:
        return _check_role(roles)


def role_required(*roles: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Let only logged-in users (with one of ``roles``, if any are given) into this view."""

    def decorator(view: Callable[..., T]) -> Callable[..., T]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            refused = _check_role(roles)
            return refused if refused is not None else view(*args, **kwargs)

        return wrapped

    return decorator


login_required = role_required()


def owned_or_404(model: type[T], ident: Any) -> T:
    """The ``model`` row with primary key ``ident`` if it belongs to the current user; otherwise 404."""
    if isinstance(ident, int) and not 0 < ident < 1 << 63:  # beyond any row id, and beyond SQLite's integers
        abort(404)
    obj = db.session.get(model, ident)
    if obj is None or not current_user.is_authenticated or obj.owner_id != current_user.id:  # type: ignore[attr-defined]
        abort(404)
    return obj


def acting_user() -> User:
    """The logged-in user's account, for operations that read or change it (``current_user`` is only the
    session's view of it)."""
    user = db.session.get(User, current_user.id) if current_user.is_authenticated else None
    if user is None:
        abort(404)
    return user


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None: ``//evil.example``, ``https://evil.example``,
    ``/\\evil.example`` and anything with control characters stay home."""
    if not target or not target.startswith("/") or len(target) > 2000:
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


def next_from_request() -> str | None:
    return safe_next(request.args.get("next") or request.form.get("next"))


def init_login_manager(manager: LoginManager) -> None:
    """Sessions name a user by their session token, and visitors who must log in are sent to the login page."""

    @manager.user_loader
    def _load_user(token: str) -> Any:
        return user_by_session_token(db.session, token)

    @manager.unauthorized_handler
    def _to_login() -> Any:
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=safe_next(target)))
