"""The read side of a teacher's home and of what a class has forgotten: a fixed number of statements each,
however many learners, assignments and cards, handed to the pure :mod:`quizapp.domain.teaching` and
:mod:`quizapp.domain.forgetting`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..domain import forgetting, teaching
from ..domain.accounts import shown_login
from ..domain.assignments import MemberRole
from ..domain.attempts import GRADED_STATUSES, AttemptMode, AttemptStatus
from ..domain.refusals import NotFound
from ..domain.scheduling import Settings
from ..models import (
    Answer,
    Assignment,
    Attempt,
    Bank,
    Card,
    CardState,
    CardTag,
    Class,
    ClassMember,
    Extension,
    Question,
    SchedulerSettings,
    User,
)
from . import itemanalysis as analysis_queries
from .classes import ClassSummary, classes_taught, grant_of, teaches, terms_of

FLAGGED_ASSIGNMENTS = 3  # the home page analyses the assignments most recently due, at most this many


@dataclass(frozen=True)
class FlaggedWork:
    work: teaching.WorkRow
    analysis: analysis_queries.Analysis


@dataclass(frozen=True)
class Home:
    classes: list[ClassSummary]
    due_soon: tuple[teaching.WorkRow, ...]
    attention: tuple[teaching.Attention, ...]
    flagged: tuple[FlaggedWork, ...]
    computed: tuple[analysis_queries.Fresh, ...] = ()  # analyses computed here, to store for every worker


def _work(session: Session, class_ids: list[int]) -> dict[int, teaching.WorkRow]:
    rows = session.execute(
        select(Assignment, Class.name)
        .join(Class, Class.id == Assignment.class_id)
        .where(Assignment.class_id.in_(class_ids))
        .order_by(Assignment.due_at, Assignment.id)
    ).all()
    return {a.id: teaching.WorkRow(a.id, a.title, a.class_id, name, terms_of(a)) for a, name in rows}


def home(session: Session, user_id: int, role: str, now: dt.datetime, page_size: int) -> Home:
    """A teacher's classes, work due this week, attempts that need a look, and the flagged questions of the
    assignments most recently due (each analysed over its learners' first finished attempts)."""
    classes = classes_taught(session, user_id, role)
    work = _work(session, [c.klass.id for c in classes])
    ids = list(work)
    attempts = [
        teaching.AttemptRow(
            r.id, r.assignment_id, r.user_id, shown_login(r.email, r.username), r.status, r.deadline, r.finished_at
        )
        for r in session.execute(
            select(
                Attempt.id,
                Attempt.assignment_id,
                Attempt.user_id,
                User.email,
                User.username,
                Attempt.status,
                Attempt.deadline,
                Attempt.finished_at,
            )
            .join(User, User.id == Attempt.user_id)
            .where(
                Attempt.assignment_id.in_(ids),
                or_(
                    Attempt.status == AttemptStatus.IN_PROGRESS.value,
                    Attempt.finished_at >= now - teaching.LATE_WITHIN,
                ),
            )
        )
    ]
    grants = {
        (e.user_id, e.assignment_id): grant_of(e)
        for e in session.scalars(select(Extension).where(Extension.assignment_id.in_(ids)))
    }
    recent = sorted((w for w in work.values() if w.terms.due_at <= now), key=lambda w: w.terms.due_at, reverse=True)
    flagged, computed = [], []
    for w in recent[:FLAGGED_ASSIGNMENTS]:
        assignment = session.get(Assignment, w.assignment_id)
        try:
            scope = analysis_queries.assignment_scope(session, assignment, None)  # type: ignore[arg-type]
        except NotFound:
            continue
        found = analysis_queries.kept_analysis(session, scope, page_size)
        if found.fresh is not None:
            computed.append(found.fresh)
        if found.result.flagged:
            flagged.append(FlaggedWork(w, found))
    return Home(
        classes=classes,
        due_soon=teaching.due_soon(work.values(), now),
        attention=teaching.needs_attention(attempts, work, grants, now),  # type: ignore[arg-type]
        flagged=tuple(flagged),
        computed=tuple(computed),
    )


# --- what a class has forgotten ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedRow:
    failed: forgetting.FailedQuestion
    key: str
    label: str
    bank_slug: str
    bank_title: str


@dataclass(frozen=True)
class Forgotten:
    klass: Class
    learners: int
    topics: tuple[forgetting.TopicMemory, ...]
    failed: tuple[FailedRow, ...]
    since: dt.datetime


def taught_class(session: Session, class_id: int, user_id: int, role: str) -> Class:
    klass = session.get(Class, class_id)
    if klass is None or not teaches(session, class_id, user_id, role):
        raise NotFound("There is no such class among yours.")
    return klass


def forgotten(session: Session, klass: Class, now: dt.datetime) -> Forgotten:
    """Per topic, the class's mean retrievability now; and the questions its learners got wrong most often in
    the last 30 days (final answers: practice answers as given, exam answers once their attempt closed)."""
    learners = list(
        session.scalars(
            select(ClassMember.user_id).where(
                ClassMember.class_id == klass.id,
                ClassMember.role == MemberRole.LEARNER.value,
                ClassMember.removed_at.is_(None),
            )
        )
    )
    parameters = {
        uid: tuple(p)
        for uid, p in session.execute(
            select(SchedulerSettings.user_id, SchedulerSettings.parameters).where(
                SchedulerSettings.user_id.in_(learners)
            )
        )
    }
    cards: dict[tuple[int, int], tuple[float | None, dt.datetime | None, list[str]]] = {}
    for uid, card_id, stability, last_review, tag in session.execute(
        select(CardState.user_id, CardState.card_id, CardState.stability, CardState.last_review, CardTag.tag)
        .join(Card, Card.id == CardState.card_id)
        .outerjoin(CardTag, CardTag.card_id == Card.id)
        .where(CardState.user_id.in_(learners), Card.retired_at.is_(None))
    ):
        entry = cards.setdefault((uid, card_id), (stability, last_review, []))
        if tag is not None:
            entry[2].append(tag)
    memories = [forgetting.CardMemory(uid, cid, s, last, tuple(tags)) for (uid, cid), (s, last, tags) in cards.items()]
    since = now - dt.timedelta(days=forgetting.RECENT_DAYS)
    final = or_(Attempt.mode == AttemptMode.PRACTICE.value, Attempt.status.in_([s.value for s in GRADED_STATUSES]))
    answers = [
        forgetting.AnswerRow(*row)
        for row in session.execute(
            select(Answer.user_id, Answer.question_id, Answer.correct)
            .join(Attempt, Attempt.id == Answer.attempt_id)
            .where(Answer.user_id.in_(learners), Answer.answered_at >= since, final)
        )
    ]
    failed = forgetting.most_failed(answers)
    shown = {
        q.id: q
        for q in session.execute(
            select(Question.id, Question.key, Question.type, Question.data, Bank.slug, Bank.title)
            .join(Bank, Bank.id == Question.bank_id)
            .where(Question.id.in_([f.question_id for f in failed]))
        )
    }
    rows = tuple(
        FailedRow(f, q.key, analysis_queries.question_label(q.type, q.data), q.slug, q.title)
        for f in failed
        if (q := shown.get(f.question_id)) is not None
    )
    topics = forgetting.topics(memories, parameters, Settings().parameters, now)
    return Forgotten(klass, len(learners), topics, rows, since)
