"""The audit log's vocabulary: which privileged actions are recorded, and how they are named.

Pure: no Flask, no database. An action is a short dotted name (``what.how``) stored as text; the table has
no check on it, so adding an action is one line in :data:`ACTIONS`.
"""

from __future__ import annotations

from typing import Any

# Every action the log records, with its label for the administrators' page. One line adds one.
ACTIONS: dict[str, str] = {
    "role.change": "Role changed",
    "account.disable": "Account disabled",
    "account.enable": "Account enabled",
    "account.delete": "Account deleted",
    "password.set": "Password set by an administrator",
    "password.reset_link": "Password-reset link made",
    "password.reset_request": "Password-reset link asked for by email",
    "password.reset": "Password reset with a link",
    "class.edit": "Class changed",
    "class.delete": "Class deleted",
    "class.remove_learner": "Learner removed from a class",
    "assignment.edit": "Assignment changed",
    "assignment.delete": "Assignment deleted",
    "assignment.extension": "Extension granted",
    "export.csv": "Results exported",
}

ACTION_MAX = 40
ACTOR_MAX = 254
SUMMARY_MAX = 300
COMMAND_LINE = "command line"  # the actor of `flask …` commands, which run as nobody in particular
VISITOR = "visitor (not logged in)"  # the actor of what is done without an account, such as using a reset link


class UnknownAuditAction(ValueError):
    """An action missing from :data:`ACTIONS`: a programming error, raised before anything is written."""


def check_action(action: str) -> str:
    """``action`` if it is one the log knows; otherwise :class:`UnknownAuditAction`."""
    if action not in ACTIONS:
        raise UnknownAuditAction(f"Unknown audit action {action!r}; add it to quizapp.domain.audit.ACTIONS.")
    return action


def action_label(action: str) -> str:
    """How ``action`` is shown; an action since removed from the list is shown as stored."""
    return ACTIONS.get(action, action)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis when cut), so a long name never fails a write."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain_details(details: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``details`` with string keys, for the JSON column; None becomes an empty mapping."""
    return {str(key): value for key, value in (details or {}).items()}
