"""What needs a teacher's attention: work due soon, attempts handed in late, and attempts that look
ungraded (still open after their time or due date ran out, so they will be graded only when the learner comes
back). Pure: the read side hands over plain rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .assignments import Grant, Terms, for_learner, is_late
from .attempts import GRADED_STATUSES, AttemptStatus

DUE_SOON = dt.timedelta(days=7)
LATE_WITHIN = dt.timedelta(days=14)  # late work handed in this recently is listed


@dataclass(frozen=True)
class WorkRow:
    """An assignment of one of the teacher's classes."""

    assignment_id: int
    title: str
    class_id: int
    class_name: str
    terms: Terms


@dataclass(frozen=True)
class AttemptRow:
    """An attempt at one of those assignments."""

    attempt_id: int
    assignment_id: int
    user_id: int
    login: str
    status: str
    deadline: dt.datetime | None  # the attempt's own time limit
    finished_at: dt.datetime | None


@dataclass(frozen=True)
class Attention:
    attempt: AttemptRow
    work: WorkRow
    why: str


def due_soon(work: Iterable[WorkRow], now: dt.datetime) -> tuple[WorkRow, ...]:
    """Assignments due from now to a week from now, the soonest first."""
    return tuple(sorted((w for w in work if now <= w.terms.due_at < now + DUE_SOON), key=lambda w: w.terms.due_at))


def needs_attention(
    attempts: Iterable[AttemptRow],
    work: Mapping[int, WorkRow],
    grants: Mapping[tuple[int, int], Grant],
    now: dt.datetime,
) -> tuple[Attention, ...]:
    """Attempts handed in after the learner's due date (extensions counted) within the last two weeks, and
    attempts still open past their time limit or their learner's due date; the most recent first."""
    found: list[tuple[dt.datetime, Attention]] = []
    for a in attempts:
        w = work.get(a.assignment_id)
        if w is None:
            continue
        terms = for_learner(w.terms, grants.get((a.user_id, a.assignment_id)))
        if a.status in GRADED_STATUSES and a.finished_at is not None:
            if is_late(terms, a.finished_at) and a.finished_at >= now - LATE_WITHIN:
                found.append((a.finished_at, Attention(a, w, "handed in late")))
        elif a.status == AttemptStatus.IN_PROGRESS:
            if a.deadline is not None and a.deadline < now:
                found.append((a.deadline, Attention(a, w, "time ran out; not yet graded")))
            elif terms.due_at < now:
                found.append((terms.due_at, Attention(a, w, "still open after the due date")))
    return tuple(att for _, att in sorted(found, key=lambda f: (f[0], f[1].attempt.attempt_id), reverse=True))
