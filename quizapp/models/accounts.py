"""Accounts.

A user logs in with an email address or a username (stored normalised, so unique case-insensitively).
Their ``session_token`` is what the session cookie names them by: replacing it ends every session at once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.accounts import ROLES, AccountBehaviour, Role
from ..extensions import db
from .base import UTCDateTime, new_session_token, utcnow


class User(AccountBehaviour, db.Model):
    """Someone with an account. Flask-Login knows them by ``session_token``, never by ``id``."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR username IS NOT NULL", name="has_login"),
        CheckConstraint("role IN ({})".format(", ".join(f"'{r}'" for r in ROLES)), name="known_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    username: Mapped[str | None] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.LEARNER.value)
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class LoginFailure(db.Model):
    """One failed password check, by account or by client address, for throttling across processes.

    ``key`` is a SHA-256 digest, so the table holds neither login names nor addresses in the clear. Rows
    older than the throttling window are deleted as new failures come in.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_scope_key_created_at", "scope", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # "account" or "address"
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class PasswordResetLink(db.Model):
    """A one-time link that lets whoever holds it set a new password for ``user_id`` until ``expires_at``.

    Only the SHA-256 digest of the link's random token is stored, so the table cannot be used to reset
    anything. Using a link deletes every link of the account; expired ones are deleted as new ones are made.
    """

    __tablename__ = "password_reset_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
