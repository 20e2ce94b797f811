"""The audit log: one row per privileged action (role changes, password resets, removals, exports…).

An entry names its actor by id and, as text, by the login they had, so that it still says who acted after
their account is deleted (the id is then set to NULL). The same holds for the account the action was about.
The indexes serve the administrators' page: newest first, filtered by action, actor or target.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.audit import ACTION_MAX, ACTOR_MAX, SUMMARY_MAX
from ..extensions import db
from .base import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """One privileged action: who did what to whom, when, with the details that say how."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_at_id", "at", "id"),
        Index("ix_audit_entries_action_at", "action", "at"),
        Index("ix_audit_entries_actor_id_at", "actor_id", "at"),
        Index("ix_audit_entries_target_user_id_at", "target_user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(ACTOR_MAX))
    action: Mapped[str] = mapped_column(String(ACTION_MAX))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX))
    target_user_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
