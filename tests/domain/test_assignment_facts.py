"""A cell worked out from the facts of a learner's attempts (what the results summary keeps) is the cell worked
out from the attempts themselves, whatever the attempts, terms and extension: checked with Hypothesis against
the rule as it was written before the summary."""

from __future__ import annotations

import datetime as dt
import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain.assignments import (
    NOT_STARTED,
    Cell,
    Counting,
    Grant,
    Standing,
    Taken,
    Terms,
    cell,
    cell_of,
    for_learner,
    graded,
    is_late,
    summarise,
)
from quizapp.domain.attempts import AttemptStatus

DUE = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def reference(terms: Terms, grant: Grant | None, taken: list[Taken]) -> Cell:
    if not taken and grant is None:
        return NOT_STARTED
    mine = for_learner(terms, grant)
    done = graded(taken)
    if not done:
        percent, attempt_id = None, None
    elif terms.counting == Counting.FIRST:
        percent, attempt_id = done[0].percent, done[0].attempt_id
    elif terms.counting == Counting.LAST:
        percent, attempt_id = done[-1].percent, done[-1].attempt_id
    elif terms.counting == Counting.AVERAGE:
        percent, attempt_id = statistics.fmean(t.percent or 0.0 for t in done), done[-1].attempt_id
    else:
        best = max(done, key=lambda t: (t.percent or 0.0, -t.started_at.timestamp()))
        percent, attempt_id = best.percent, best.attempt_id
    if mine.excused:
        standing = Standing.EXCUSED
    elif any(not is_late(mine, t.finished_at) for t in done):
        standing = Standing.SUBMITTED
    elif done:
        standing = Standing.LATE
    elif any(t.status == AttemptStatus.IN_PROGRESS for t in taken):
        standing = Standing.IN_PROGRESS
    else:
        standing = Standing.NOT_STARTED
    return Cell(standing, percent, attempt_id, len(taken), mine.extended)


minutes = st.integers(-90, 90).map(lambda m: DUE + m * MINUTE)  # around the due date, ties likely
attempt = st.builds(
    lambda status, started, length, percent, no_end: (status, started, length, percent, no_end),
    st.sampled_from(list(AttemptStatus)),
    minutes,
    st.integers(0, 60),
    st.one_of(st.none(), st.sampled_from([0.0, 33.3, 50.0, 66.7, 100.0]), st.floats(0, 100)),
    st.booleans(),
)
grants = st.one_of(
    st.none(),
    st.builds(
        Grant,
        st.one_of(st.none(), st.integers(1, 120).map(lambda m: DUE + m * MINUTE)),
        st.integers(0, 30),
        st.integers(0, 3),
        st.booleans(),
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(attempt, max_size=6),
    st.sampled_from(list(Counting)),
    st.booleans(),
    grants,
)
def test_a_cell_from_the_facts_is_the_cell_from_the_attempts(attempts, counting, late_accepted, grant):
    taken = [
        Taken(
            i,
            status,
            started,
            None if status == AttemptStatus.IN_PROGRESS or (no_end and i % 3 == 0) else started + length * MINUTE,
            percent if status in (AttemptStatus.FINISHED, AttemptStatus.EXPIRED) else None,
        )
        for i, (status, started, length, percent, no_end) in enumerate(attempts, 1)
    ]
    terms = Terms(DUE - 48 * 60 * MINUTE, DUE, None, late_accepted, counting)
    expected = reference(terms, grant, taken)
    assert cell_of(terms, grant, summarise(taken) if taken else None) == expected
    assert cell(terms, grant, taken) == expected
