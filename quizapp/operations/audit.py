"""Recording privileged actions in the audit log. Adds and flushes, never commits: an entry is written in
the same transaction as the change it records, so neither is kept without the other."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ..domain.accounts import AccountBehaviour
from ..domain.audit import ACTOR_MAX, COMMAND_LINE, SUMMARY_MAX, check_action, clip, plain_details
from ..models import AuditEntry


def record_audit(
    session: Session,
    *,
    actor: AccountBehaviour | str | None,
    action: str,
    now: dt.datetime,
    summary: str,
    target_user: AccountBehaviour | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry saying that ``actor`` did ``action`` at ``now``.

    Args:
        actor: the account that acted (a user row or the session's user); a string naming who acted when no
            account did (such as :data:`~quizapp.domain.audit.VISITOR`); None for a command-line command.
        action: one of :data:`quizapp.domain.audit.ACTIONS`.
        summary: what the action was about, in words (shown in the log and searched by its target filter).
        target_user: the account the action was about, if any.
        details: anything else worth keeping, as JSON-ready data (old and new role, an expiry…).
    """
    if actor is None or isinstance(actor, str):
        actor_id, actor_name = None, actor or COMMAND_LINE
    else:
        actor_id, actor_name = actor.id, actor.login
    entry = AuditEntry(
        at=now,
        actor_id=actor_id,
        actor_name=clip(actor_name, ACTOR_MAX),
        action=check_action(action),
        summary=clip(summary, SUMMARY_MAX),
        target_user_id=target_user.id if target_user is not None else None,
        details=plain_details(details),
    )
    session.add(entry)
    session.flush()
    return entry
