"""Read-side queries for the audit log: its entries, newest first, filtered as the administrators' page asks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from ..models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    """What the administrators' page narrows the log to; every part is optional.

    ``actor`` and ``target`` match part of the actor's login and of the entry's summary, in any case;
    ``since`` and ``until`` are inclusive UTC instants.
    """

    action: str | None = None
    actor: str | None = None
    target: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def audit_entries(wanted: AuditFilter = AuditFilter()) -> Select:
    """The entries ``wanted`` asks for, newest first, as plain rows."""
    query = select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.actor_id,
        AuditEntry.actor_name,
        AuditEntry.action,
        AuditEntry.summary,
        AuditEntry.target_user_id,
        AuditEntry.details,
    ).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if wanted.action:
        query = query.where(AuditEntry.action == wanted.action)
    if wanted.actor:
        query = query.where(func.lower(AuditEntry.actor_name).contains(wanted.actor.lower(), autoescape=True))
    if wanted.target:
        query = query.where(func.lower(AuditEntry.summary).contains(wanted.target.lower(), autoescape=True))
    if wanted.since is not None:
        query = query.where(AuditEntry.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEntry.at <= wanted.until)
    return query
