"""Read-side queries for accounts: finding users, the session's user, administrators, the account download."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import Session

from ..database import reads_before_writing
from ..domain.accounts import SESSION_USER_FIELDS, Role, SessionUser
from ..models import PasswordResetLink, User
from . import cards as card_queries
from .quizzes import attempts_export


def user_by_login(name: str) -> Select[tuple[User]]:
    """The user whose email address or username is ``name`` (already normalised)."""
    return select(User).where(or_(User.email == name, User.username == name))


# Built once: every request that needs a login runs it, and building it costs as much as running it.
_SESSION_USER = select(*(getattr(User, name) for name in SESSION_USER_FIELDS)).where(
    User.session_token == bindparam("token"), User.disabled_at.is_(None)
)


def user_by_session_token(session: Session, token: str) -> SessionUser | None:
    """The enabled user whose session token is ``token``, as the request sees them.

    Every request that needs a login asks this first, so it is one statement, read before a writing
    request's own transaction begins, or in a read-only request's deferred one (see
    :func:`quizapp.database.reads_before_writing`), and gives a plain :class:`SessionUser` rather than an
    ORM object.
    """
    with reads_before_writing(session) as reader:
        row = reader.execute(_SESSION_USER, {"token": token}).first()
    return SessionUser(*row) if row is not None else None


def users(search: str = "") -> Select[tuple[User]]:
    """Users, newest first; ``search`` matches part of an email address or username."""
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    if search:
        query = query.where(
            or_(
                User.email.contains(search.lower(), autoescape=True),
                User.username.contains(search.lower(), autoescape=True),
            )
        )
    return query


def active_admins() -> Select[tuple[User]]:
    return select(User).where(User.role == Role.ADMIN.value, User.disabled_at.is_(None))


def account_export_data(session: Session, user: User, now: dt.datetime) -> dict[str, Any]:
    """Everything stored about ``user``, as plain data for their download at ``now``. Later features add their
    rows."""
    return {
        "format": "quizapp-account-export",
        "version": 1,
        "exported_at": now.isoformat(),
        "account": {
            "id": user.id,
            "email": user.email,
            "username": user.username,
            "role": user.role,
            "created_at": user.created_at.isoformat(),
            "password_changed_at": user.password_changed_at.isoformat(),
            "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
            "disabled_at": user.disabled_at.isoformat() if user.disabled_at else None,
        },
        **card_queries.account_data(session, user.id),
        "attempts": attempts_export(session, user.id),
    }


def reset_link(token_digest: str) -> Select[tuple[PasswordResetLink, User]]:
    """The password-reset link with this token digest, and its account."""
    return (
        select(PasswordResetLink, User)
        .join(User, User.id == PasswordResetLink.user_id)
        .where(PasswordResetLink.token_digest == token_digest)
    )
