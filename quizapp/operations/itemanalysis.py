"""Keeping item analysis cheap to read: each closed attempt's marks written in one row as it closes, and
analyses, once computed, stored where every worker reads them.

Functions add and flush (or run statements) but never commit; the caller commits once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ..domain.itemanalysis import encode_marks
from ..models import Answer, Attempt, AttemptMarks, StoredAnalysis

# The session's info key under which the assignments whose attempts closed in its transaction are noted,
# for their analyses to be computed ahead once it commits (see quizapp.jobs).
CLOSED_ASSIGNMENTS = "quizapp.closed_assignments"
KEEP_DAYS = 30


def attempt_closed(session: Session, attempt: Attempt) -> None:
    """Called once for each attempt as it closes (finished or expired): write its marks, and note its
    assignment, if any, so that the assignment's analysis is computed ahead once this transaction commits."""
    record_marks(session, {attempt.id: attempt.question_count})
    if attempt.assignment_id is not None:
        session.info.setdefault(CLOSED_ASSIGNMENTS, set()).add(attempt.assignment_id)


def record_marks(session: Session, attempts: Mapping[int, int]) -> None:
    """Write the stored marks of closed attempts, given as {attempt id: number of questions asked}, from their
    answers: one statement to read the answers, one to write the rows."""
    if not attempts:
        return
    answers: dict[int, list[tuple[int, float, bool, dict]]] = {a: [] for a in attempts}
    for attempt_id, position, points, correct, response in session.execute(
        select(Answer.attempt_id, Answer.position, Answer.points, Answer.correct, Answer.response).where(
            Answer.attempt_id.in_(list(attempts))
        )
    ):
        answers[attempt_id].append((position, points, correct, response))
    session.execute(
        insert(AttemptMarks),
        [{"attempt_id": a, "marks": encode_marks(count, answers[a])} for a, count in attempts.items()],
    )


def store_analysis(session: Session, scope: str, state: str, data: str, now: dt.datetime) -> None:
    """Keep ``data``, the analysis of ``scope`` computed from ``state``, in place of the scope's previous one;
    drop those not computed again for ``KEEP_DAYS`` (a class's learners changed, say: a scope no one asks for
    again)."""
    old = StoredAnalysis.computed_at < now - dt.timedelta(days=KEEP_DAYS)
    session.execute(delete(StoredAnalysis).where((StoredAnalysis.scope == scope) | old))
    session.execute(insert(StoredAnalysis).values(scope=scope, state=state, data=data, computed_at=now))
