"""The summaries statistics read (see :mod:`quizapp.models.stats`), kept up to date as reviews and answers
are written, and rebuilt from the log when a learner's day changes.

Every change is one upsert per summary table (``INSERT … ON CONFLICT DO UPDATE``, the same on SQLite and
PostgreSQL), adding the counts of :func:`quizapp.domain.stats.review_counts` or
:func:`~quizapp.domain.stats.answer_counts` — or subtracting them, when a grade is undone or a practice
answer removed. Functions flush (they run statements) and never commit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..domain import stats
from ..domain.attempts import AttemptMode, AttemptStatus
from ..domain.revlog import ReviewSource
from ..domain.scheduling import Settings
from ..models import (
    ActivityDay,
    ActivityTotal,
    Answer,
    Attempt,
    AttemptPart,
    Card,
    Question,
    QuestionRevision,
    Review,
)

COUNTED_SOURCES = (ReviewSource.STUDY.value, ReviewSource.IMPORT.value)  # a quiz's reviews count as its answers
CLOSED = (AttemptStatus.FINISHED.value, AttemptStatus.EXPIRED.value)  # an exam's answers count once it is one of these
_days: Table = ActivityDay.__table__  # type: ignore[assignment]
_totals: Table = ActivityTotal.__table__  # type: ignore[assignment]
_parts: Table = AttemptPart.__table__  # type: ignore[assignment]
BATCH = 1_000


def question_tags(data: str | dict[str, Any]) -> str:
    """The tag key of a question from its stored JSON (a question's or a revision's ``data``)."""
    content = json.loads(data) if isinstance(data, str) else data
    return stats.tag_key(content.get("tags") or ())


# --- adding and subtracting -------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _upsert(dialect: str, table: Table) -> Any:
    """``INSERT`` a summary row, or add its counts to the one already there; built once per table."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    keys = [c.name for c in table.primary_key.columns]
    return statement.on_conflict_do_update(
        index_elements=keys,
        set_={name: table.c[name] + statement.excluded[name] for name in stats.COLUMN_FIELDS},
    )


def add(session: Session, user_id: int, entries: Iterable[tuple[dt.date, int, str, stats.Counts]]) -> None:
    """Add each ``(day, bank_id, tag key, counts)`` to the learner's day row and all-time row: two
    statements, however many entries (entries with the same key are added together first).

    Counts taken away (an undone grade) may leave a row counting nothing: it is deleted (two more statements),
    so that a learner's days with a row are their days with a review or an answer, which the streak reads
    from the key's index alone."""
    by_day: dict[tuple[dt.date, int, str], stats.Counts] = defaultdict(lambda: stats.EMPTY)
    for day, bank_id, tags, counts in entries:
        by_day[(day, bank_id, tags)] = by_day[(day, bank_id, tags)] + counts
    by_day = defaultdict(lambda: stats.EMPTY, {key: counts for key, counts in by_day.items() if counts})
    if not by_day:
        return
    by_total: dict[tuple[int, str], stats.Counts] = defaultdict(lambda: stats.EMPTY)
    for (_day, bank_id, tags), counts in by_day.items():
        by_total[(bank_id, tags)] = by_total[(bank_id, tags)] + counts
    dialect = session.get_bind().dialect.name
    session.flush()  # Core statements: what the session holds goes first, as an ORM statement's autoflush would
    session.execute(
        _upsert(dialect, _days),
        [
            _row(user_id, bank_id, tags, counts) | {"day": day}
            for (day, bank_id, tags), counts in sorted(by_day.items())
        ],
    )
    session.execute(
        _upsert(dialect, _totals),
        [_row(user_id, bank_id, tags, counts) for (bank_id, tags), counts in sorted(by_total.items())],
    )
    if any(c.reviews < 0 or c.answers < 0 for c in by_day.values()):
        emptied = [_days.c.reviews == 0, _days.c.answers == 0, _days.c.day.in_(sorted({d for d, _b, _t in by_day}))]
        session.execute(delete(_days).where(_days.c.user_id == user_id, *emptied))
        session.execute(
            delete(_totals).where(_totals.c.user_id == user_id, _totals.c.reviews == 0, _totals.c.answers == 0)
        )


def _row(user_id: int, bank_id: int, tags: str, counts: stats.Counts) -> dict[str, Any]:
    key = {"user_id": user_id, "bank_id": bank_id, "tags": tags, "tags_digest": stats.tag_digest(tags)}
    return key | counts.columns()


def review_entry(review: Review, bank_id: int, tags: str, settings: Settings, sign: int = 1) -> tuple:
    """What ``review`` adds to the summaries (``sign`` -1: what undoing it takes away)."""
    fact = stats.review_fact(review.reviewed_at, review.rating, review.state_before, review.before, review.duration_ms)
    day, counts = stats.review_counts(fact, settings.timezone, settings.day_starts_at_hour)
    return day, bank_id, tags, counts if sign > 0 else -counts


def record_review(session: Session, review: Review, bank_id: int, tags: str, settings: Settings) -> None:
    """Count a review just written (one given while studying, or imported; a quiz's reviews are not counted)."""
    if review.source in COUNTED_SOURCES:
        add(session, review.user_id, [review_entry(review, bank_id, tags, settings)])


def forget_review(session: Session, review: Review, bank_id: int, tags: str, settings: Settings) -> None:
    """Take a review about to be removed (an undone grade) out of the summaries."""
    if review.source in COUNTED_SOURCES:
        add(session, review.user_id, [review_entry(review, bank_id, tags, settings, sign=-1)])


def answer_entry(
    answered_at: dt.datetime,
    correct: bool,
    time_spent_ms: int | None,
    bank_id: int,
    tags: str,
    settings: Settings,
    sign: int = 1,
) -> tuple:
    day, counts = stats.answer_counts(
        answered_at, correct, time_spent_ms, settings.timezone, settings.day_starts_at_hour
    )
    return day, bank_id, tags, counts if sign > 0 else -counts


def record_answers(session: Session, user_id: int, entries: Sequence[tuple], settings: Settings) -> None:
    """Count quiz answers that have just become final: ``(answered_at, correct, time_spent_ms, bank_id, tag
    key)`` each (a practice answer when saved, an exam's answers when it closes)."""
    add(session, user_id, [answer_entry(*entry, settings) for entry in entries])


def forget_answers(session: Session, attempt: Attempt, settings: Settings) -> None:
    """Take the counted answers of ``attempt`` out of the summaries, before the attempt (or its answers) is
    deleted: a practice attempt's answers count as soon as they are saved, an exam's once it is closed."""
    if attempt.mode == AttemptMode.EXAM and attempt.status not in CLOSED:
        return
    rows = session.execute(_attempt_answers().where(Answer.attempt_id == attempt.id)).all()
    add(
        session,
        attempt.user_id,
        [
            answer_entry(r.answered_at, r.correct, r.time_spent_ms, r.bank_id, question_tags(r.data), settings, -1)
            for r in rows
        ],
    )


def _attempt_answers() -> Any:
    return (
        select(
            Answer.answered_at,
            Answer.correct,
            Answer.time_spent_ms,
            Question.bank_id,
            QuestionRevision.data,
        )
        .join(QuestionRevision, QuestionRevision.id == Answer.question_revision_id)
        .join(Question, Question.id == Answer.question_id)
    )


# --- closed attempts ------------------------------------------------------------------------------------


def record_attempt(session: Session, attempt: Attempt, settings: Settings) -> None:
    """When ``attempt`` closes: write its score by bank and set of tags and, for an exam, count its answers
    (a practice attempt's were counted as they were saved)."""
    pinned = {
        rid: (bank_id, json.loads(data))
        for rid, bank_id, data in session.execute(
            select(QuestionRevision.id, Question.bank_id, QuestionRevision.data)
            .join(Question, Question.id == QuestionRevision.question_id)
            .where(QuestionRevision.id.in_(set(attempt.question_revision_ids)))
        )
    }
    answers = {
        a.position: a
        for a in session.execute(
            select(Answer.position, Answer.points, Answer.correct, Answer.answered_at, Answer.time_spent_ms).where(
                Answer.attempt_id == attempt.id
            )
        )
    }
    questions = []
    for position, rid in enumerate(attempt.question_revision_ids, start=1):
        bank_id, content = pinned[rid]
        answer = answers.get(position)
        questions.append(
            stats.PartQuestion(
                bank_id,
                tuple(content.get("tags") or ()),
                float(content.get("points", 1)),
                None if answer is None else answer.points,
                bool(answer is not None and answer.correct),
            )
        )
    parts = stats.attempt_parts(questions)
    session.flush()
    session.execute(delete(_parts).where(_parts.c.attempt_id == attempt.id))
    if parts:
        session.execute(
            _parts.insert(),
            [
                {
                    "attempt_id": attempt.id,
                    "bank_id": p.bank_id,
                    "tags": p.tags,
                    "tags_digest": stats.tag_digest(p.tags),
                    "score": p.score,
                    "max_score": p.max_score,
                    "questions": p.questions,
                    "questions_right": p.right,
                }
                for p in parts
            ],
        )
    if attempt.mode == AttemptMode.EXAM:
        entries = []
        for position, a in sorted(answers.items()):
            bank_id, content = pinned[attempt.question_revision_ids[position - 1]]
            tags = stats.tag_key(content.get("tags") or ())
            entries.append((a.answered_at, a.correct, a.time_spent_ms, bank_id, tags))
        record_answers(session, attempt.user_id, entries, settings)


# --- rebuilding from the log ------------------------------------------------------------------------------


def rebuild(session: Session, user_id: int, settings: Settings) -> int:
    """Recompute the learner's summaries from their review log and final quiz answers, on their day as
    ``settings`` define it (after a change of time zone or of the hour their day starts, or after a review
    log is imported). Returns the reviews and answers counted."""
    session.flush()
    session.execute(delete(_days).where(_days.c.user_id == user_id))
    session.execute(delete(_totals).where(_totals.c.user_id == user_id))
    tz, hour = settings.timezone, settings.day_starts_at_hour
    tally = stats.Tally()
    counted = 0

    cards: dict[int, tuple[int, str]] = {}
    tags_of_question: dict[int, str] = {}
    reviewed = select(Review.card_id).where(Review.user_id == user_id, Review.source.in_(COUNTED_SOURCES))
    for card_id, bank_id, question_id, data in session.execute(
        select(Card.id, Card.bank_id, Question.id, Question.data)
        .join(Question, Question.id == Card.question_id)
        .where(Card.id.in_(reviewed.distinct()))
    ):
        if question_id not in tags_of_question:
            tags_of_question[question_id] = question_tags(data)
        cards[card_id] = (bank_id, tags_of_question[question_id])

    # Of the state before each grade, only its due time and last review are needed: read just those two.
    due, last = Review.before["due"].as_string(), Review.before["last_review"].as_string()
    log = session.execute(
        select(Review.card_id, Review.reviewed_at, Review.rating, Review.state_before, due, last, Review.duration_ms)
        .where(Review.user_id == user_id, Review.source.in_(COUNTED_SOURCES))
        .execution_options(yield_per=BATCH * 10)
    )
    for card_id, reviewed_at, rating, state_before, due_at, last_at, duration_ms in log:
        before = {"due": due_at, "last_review": last_at} if due_at is not None else None
        fact = stats.review_fact(reviewed_at, rating, state_before, before, duration_ms)
        day, columns = stats.review_columns(fact, tz, hour)
        tally.add((day, *cards[card_id]), columns)
        counted += 1

    answered = select(Answer.question_revision_id).where(Answer.user_id == user_id)
    revision_tags = {
        revision_id: question_tags(data)
        for revision_id, data in session.execute(
            select(QuestionRevision.id, QuestionRevision.data).where(QuestionRevision.id.in_(answered.distinct()))
        )
    }
    final = or_(Attempt.mode == AttemptMode.PRACTICE, Attempt.status.in_(CLOSED))
    for answered_at, correct, spent, bank_id, revision_id in session.execute(
        select(Answer.answered_at, Answer.correct, Answer.time_spent_ms, Question.bank_id, Answer.question_revision_id)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.user_id == user_id, final)
    ):
        day, columns = stats.answer_columns(answered_at, correct, spent, tz, hour)
        tally.add((day, bank_id, revision_tags[revision_id]), columns)
        counted += 1

    by_day = tally.counts()
    by_total: dict[tuple[int, str], stats.Counts] = defaultdict(lambda: stats.EMPTY)
    for (_day, bank_id, tags), counts in by_day.items():
        by_total[(bank_id, tags)] = by_total[(bank_id, tags)] + counts
    day_rows = [_row(user_id, b, t, c) | {"day": d} for (d, b, t), c in sorted(by_day.items())]
    for start in range(0, len(day_rows), BATCH):
        session.execute(_days.insert(), day_rows[start : start + BATCH])
    total_rows = [_row(user_id, b, t, c) for (b, t), c in sorted(by_total.items())]
    for start in range(0, len(total_rows), BATCH):
        session.execute(_totals.insert(), total_rows[start : start + BATCH])
    return counted
