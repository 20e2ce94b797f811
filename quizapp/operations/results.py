"""The results summary (``assignment_results``, see :class:`quizapp.models.AssignmentResult`): each learner's
attempts at each assignment as the results grid needs them, kept up to date as assigned attempts start,
close and are discarded, and rebuilt from the attempts on demand (``flask classes rebuild-results``).

A row is worked out afresh from the learner's attempts at the assignment (a handful of rows, one index range
away) rather than adjusted, so it can never drift from them. The row is locked first (an upsert that
changes nothing), so that two transactions changing attempts of the same learner and assignment at once on
PostgreSQL — closing one while starting the next, say — take turns, the second reading the first's attempt
once it is committed. Functions flush (they run statements) and never commit.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..domain.assignments import Facts, Taken, summarise
from ..models import AssignmentResult, Attempt

_results: Table = AssignmentResult.__table__  # type: ignore[assignment]
_TAKEN = (Attempt.id, Attempt.status, Attempt.started_at, Attempt.finished_at, Attempt.percent)
BATCH = 1_000


@lru_cache(maxsize=2)
def _lock(dialect: str) -> Any:
    """Insert an empty row, or leave the one there as it is while locking it until the transaction ends."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_results)
    return statement.on_conflict_do_update(
        index_elements=["assignment_id", "user_id"], set_={"attempts": _results.c.attempts}
    )


STAMP_BITS = 40  # a million rows' stamps add up within a 64-bit integer


def _values(facts: Facts) -> dict[str, Any]:
    """The row's columns, with a fresh stamp (see :class:`quizapp.models.AssignmentResult`)."""
    return facts._asdict() | {"stamp": secrets.randbits(STAMP_BITS)}


def update_result(session: Session, assignment_id: int, user_id: int) -> None:
    """Work out again the learner's row for the assignment from their attempts at it (none: no row)."""
    session.flush()  # the attempt just changed goes first
    key = {"assignment_id": assignment_id, "user_id": user_id}
    empty = {"attempts": 0, "in_progress": False, "graded": 0, "stamp": 0}
    session.execute(_lock(session.get_bind().dialect.name), key | empty)
    taken = [
        Taken(*row)
        for row in session.execute(
            select(*_TAKEN).where(Attempt.assignment_id == assignment_id, Attempt.user_id == user_id)
        )
    ]
    where = and_(_results.c.assignment_id == assignment_id, _results.c.user_id == user_id)
    if taken:
        session.execute(update(_results).where(where).values(_values(summarise(taken))))
    else:
        session.execute(delete(_results).where(where))


def rebuild_results(session: Session, assignment_ids: Iterable[int] | None = None) -> int:
    """Work out every row again from the attempts (of the assignments given, or of all): after rows were
    written outside the operations, or to check nothing drifted. Returns the rows written."""
    session.flush()
    ids = list(assignment_ids) if assignment_ids is not None else None
    session.execute(delete(_results).where(_results.c.assignment_id.in_(ids)) if ids is not None else delete(_results))
    statement = select(Attempt.assignment_id, Attempt.user_id, *_TAKEN).where(Attempt.assignment_id.is_not(None))
    if ids is not None:
        statement = statement.where(Attempt.assignment_id.in_(ids))
    found: dict[tuple[int, int], list[Taken]] = defaultdict(list)
    for assignment_id, user_id, *taken in session.execute(statement.execution_options(yield_per=BATCH * 10)):
        found[(assignment_id, user_id)].append(Taken(*taken))
    rows = [{"assignment_id": a, "user_id": u} | _values(summarise(t)) for (a, u), t in sorted(found.items())]
    for start in range(0, len(rows), BATCH):
        session.execute(_results.insert(), rows[start : start + BATCH])
    return len(rows)
