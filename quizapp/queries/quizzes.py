"""Read-only helpers for quizzes: what can be taken, where an attempt stands, and what its pages show.

They never write; views paginate the ``select()`` statements. Pages of an attempt are assembled here from
the pinned question revisions and the saved answers, through :mod:`quizapp.domain.quizzes`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from ..domain import types as question_types
from ..domain.banks import Quiz
from ..domain.grading import QuizQuestion, Response, response_form
from ..domain.history import QuestionHistory
from ..domain.home import Unfinished
from ..domain.quizzes import (
    AttemptMode,
    AttemptStatus,
    Candidate,
    GradedAnswer,
    TagScore,
    graded_answer,
    is_blank,
    load_question,
    load_quiz,
    response_from_data,
    select_pool,
    tag_breakdown,
)
from ..kept import Kept
from ..models import Answer, Attempt, Bank, BankVersion, Question, QuestionRevision
from .banks import PerVersion
from .cards import settings_of
from .history import attempt_histories


@dataclass(frozen=True)
class LiveQuestion:
    """A live quiz question with its current revision: what a new attempt pins."""

    question_id: int
    revision_id: int
    bank_id: int
    points: float


def live_candidates(session: Session, *where: ColumnElement[bool]) -> list[Candidate]:
    """Live (not retired) quiz questions matching ``where``, in bank order; each ``ref`` is a :class:`LiveQuestion`."""
    rows = session.execute(
        select(Question.id, Question.bank_id, Question.key, Question.type, Question.data, QuestionRevision.id)
        .join(
            QuestionRevision,
            and_(QuestionRevision.question_id == Question.id, QuestionRevision.number == Question.revision_number),
        )
        .where(Question.retired_at.is_(None), Question.type.in_(question_types.QUIZ_TYPES), *where)
        .order_by(Question.bank_id, Question.position)
    )
    found = []
    for question_id, bank_id, key, qtype, data, revision_id in rows:
        content = json.loads(data)
        ref = LiveQuestion(question_id, revision_id, bank_id, float(content.get("points", 1.0)))
        found.append(Candidate(ref, key, qtype, tuple(content.get("tags") or ())))
    return found


def current_quizzes(session: Session) -> list[tuple[Bank, BankVersion]]:
    """Every bank with its current version (whose ``quizzes`` are the bank's quiz definitions), by title."""
    return list(
        session.execute(
            select(Bank, BankVersion)
            .join(BankVersion, and_(BankVersion.bank_id == Bank.id, BankVersion.number == Bank.version_number))
            .order_by(Bank.title, Bank.slug)
        )
    )


@dataclass(frozen=True)
class BankRef:
    """A bank as the quiz list names it."""

    id: int
    slug: str
    title: str


@dataclass(frozen=True)
class QuizEntry:
    """A bank's quiz as the quiz list shows it."""

    bank: BankRef
    quiz: Quiz
    size: int  # how many questions an attempt gets now


@dataclass
class Catalogue:
    """Everything the quiz list offers: bank quizzes, and banks and tags for building one's own.

    Shared by every request of a worker until a bank changes (see :func:`catalogue`): read, never change.
    """

    quizzes: list[tuple[BankRef, list[QuizEntry]]] = field(default_factory=list)
    banks: list[tuple[str, str]] = field(default_factory=list)  # (slug, title) of banks with quiz questions
    tags: list[str] = field(default_factory=list)


def catalogue(session: Session) -> Catalogue:
    """What the quiz list offers. It depends on the banks' content alone, which changes only when a bank is
    imported, so each worker builds it once per set of bank versions rather than reading every question's
    JSON on every request."""
    return _catalogue.get(session)


def _build_catalogue(session: Session) -> Catalogue:
    result = Catalogue()
    candidates = live_candidates(session)
    by_bank: dict[int, list[Candidate]] = {}
    for c in candidates:
        by_bank.setdefault(c.ref.bank_id, []).append(c)
    for bank, version in current_quizzes(session):
        pool = by_bank.get(bank.id, [])
        if not pool:
            continue
        result.banks.append((bank.slug, bank.title))
        ref = BankRef(bank.id, bank.slug, bank.title)
        entries = []
        for data in version.quizzes:
            quiz = load_quiz(data)
            size = len(select_pool(pool, quiz.questions, quiz.tags))
            if size:
                entries.append(QuizEntry(ref, quiz, min(size, quiz.count or size)))
        if entries:
            result.quizzes.append((ref, entries))
    result.tags = sorted({t for c in candidates for t in c.tags})
    return result


_catalogue = PerVersion(_build_catalogue)


def bank_quizzes(
    session: Session, slug: str, versions: tuple[Any, ...] | None = None
) -> tuple[tuple[QuizEntry, ...], bool]:
    """The quizzes of the bank ``slug`` as the quiz list shows them, and whether it has quiz questions to
    build a quiz from. ``versions``: see :meth:`~quizapp.queries.banks.PerVersion.get`."""
    catalogue = _catalogue.get(session, versions)
    entries = next((entries for ref, entries in catalogue.quizzes if ref.slug == slug), [])
    return tuple(entries), any(s == slug for s, _title in catalogue.banks)


# --- attempts ---------------------------------------------------------------------------------------------


def history(user_id: int) -> Select[tuple[Attempt]]:
    """A learner's attempts, newest first."""
    return select(Attempt).where(Attempt.user_id == user_id).order_by(Attempt.started_at.desc(), Attempt.id.desc())


def in_progress(user_id: int) -> Select[tuple[Attempt]]:
    """A learner's attempts that are not closed yet, newest first."""
    return (
        select(Attempt)
        .where(Attempt.user_id == user_id, Attempt.status == AttemptStatus.IN_PROGRESS)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    )


def unfinished(session: Session, user_id: int) -> list[Unfinished]:
    """A learner's attempts in progress, newest first, each with how many of its questions are answered."""
    answered = select(func.count(Answer.id)).where(Answer.attempt_id == Attempt.id).scalar_subquery()
    rows = session.execute(
        select(
            Attempt.id,
            Attempt.title,
            Attempt.mode,
            answered,
            Attempt.question_count,
            Attempt.started_at,
            Attempt.deadline,
        )
        .where(Attempt.user_id == user_id, Attempt.status == AttemptStatus.IN_PROGRESS)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    )
    return [Unfinished(*row) for row in rows]


def attempts_started(user_id: int) -> Select[tuple[int]]:
    """How many attempts a learner has ever started."""
    return select(func.count(Attempt.id)).where(Attempt.user_id == user_id)


def answers_by_position(session: Session, attempt: Attempt) -> dict[int, Answer]:
    rows = session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))
    return {a.position: a for a in rows}


def answered_positions(session: Session, attempt: Attempt) -> set[int]:
    """The positions of an attempt's questions that have an answer."""
    return set(session.scalars(select(Answer.position).where(Answer.attempt_id == attempt.id)))


def revision_questions(session: Session, attempt: Attempt, positions: Iterable[int] | None = None) -> dict[int, Any]:
    """The pinned question of each position (all, or only ``positions``), as it was when the attempt started."""
    wanted = sorted(set(positions)) if positions is not None else range(1, attempt.question_count + 1)
    ids = {p: attempt.question_revision_ids[p - 1] for p in wanted if 1 <= p <= attempt.question_count}
    rows = session.execute(
        select(QuestionRevision.id, QuestionRevision.data).where(QuestionRevision.id.in_(set(ids.values())))
    )
    data = {rid: text for rid, text in rows}
    return {p: pinned_question(data[rid]) for p, rid in ids.items()}


@lru_cache(maxsize=4096)
def pinned_question(data: str) -> QuizQuestion:
    """The question a pinned revision's JSON ``data`` holds. A revision never changes, so each worker
    parses and validates each one once; keyed by the text itself, so no id can ever name stale content."""
    return load_question(data)


def where_to_resume(attempt: Attempt, answered: set[int], now: dt.datetime) -> tuple[str, int | None]:
    """Where an attempt continues: ``("results", None)``, ``("summary", None)`` or ``("question", position)``."""
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return "results", None
    if attempt.time_is_up(now):
        return "summary", None
    for position in range(1, attempt.question_count + 1):
        if position not in answered:
            return "question", position
    return "summary", None


@dataclass(frozen=True)
class QuestionPage:
    """One question of an attempt: the form to answer it, or (in practice, once answered) its feedback."""

    attempt: Attempt
    position: int
    question: QuizQuestion
    choices: tuple[tuple[str, str], ...]  # (value, text) of each choice, in the attempt's order
    items: tuple[tuple[int, str], ...]  # (field index, text) of each item to place, in the order shown
    options: tuple[str, ...]  # what each select lists, numbered from 1 in this order
    values: dict[str, list[str]]  # what the form shows as entered
    feedback: GradedAnswer | None  # practice, answered: the graded answer
    answered: frozenset[int]
    remaining: float | None  # seconds left, when there is a time limit

    @property
    def is_last(self) -> bool:
        return self.position == self.attempt.question_count


def question_page(
    session: Session, attempt: Attempt, position: int, now: dt.datetime, posted: dict[str, list[str]] | None = None
) -> QuestionPage | tuple[str, int | None]:
    """The page for ``position``, or where to go instead (as :func:`where_to_resume` says it)."""
    answered = answered_positions(session, attempt)
    if attempt.time_is_up(now):
        return "summary", None
    show_feedback = attempt.mode == AttemptMode.PRACTICE and position in answered
    if attempt.status != AttemptStatus.IN_PROGRESS and not show_feedback:
        return "results", None
    if attempt.mode == AttemptMode.PRACTICE and not show_feedback:
        target = where_to_resume(attempt, answered, now)
        if target != ("question", position):
            return target
    question = revision_questions(session, attempt, [position])[position]
    answer = (
        session.scalars(select(Answer).where(Answer.attempt_id == attempt.id, Answer.position == position)).first()
        if position in answered
        else None
    )
    response = response_from_data(question, answer.response) if answer is not None else None
    feedback = graded_answer(question, response, attempt.seed, answer.points) if show_feedback and answer else None
    if posted is not None:
        values = posted
    elif response is not None:
        values = response_form(question, response)
    else:
        values = {}
    kind = question_types.get(question.type)
    return QuestionPage(
        attempt=attempt,
        position=position,
        question=question,
        choices=kind.choices(question, attempt.seed),
        items=kind.items(question, attempt.seed),
        options=kind.options(question),
        values=values,
        feedback=feedback,
        answered=frozenset(answered),
        remaining=(attempt.deadline - now).total_seconds() if attempt.deadline else None,
    )


@dataclass(frozen=True)
class Results:
    attempt: Attempt
    graded: tuple[GradedAnswer, ...]  # every question of the attempt, in order

    @property
    def answered(self) -> int:
        return sum(g.answered for g in self.graded)

    @property
    def correct(self) -> int:
        return sum(g.verdict == "correct" for g in self.graded)


def results(session: Session, attempt: Attempt) -> Results:
    """Every question of the attempt, as it was worded then, with the learner's answer graded.

    A closed attempt's graded answers never change (its answers are final and its questions pinned
    revisions), so each worker keeps those of the last few it showed; an attempt in progress is never kept."""
    key = _closed_key(session, attempt)
    if key is None:
        return Results(attempt, _graded(session, attempt))
    graded = _closed_results.get(key)
    if graded is None:
        graded = _graded(session, attempt)
        _closed_results.put(key, graded)
    return Results(attempt, graded)


def _closed_key(session: Session, attempt: Attempt) -> tuple[Any, ...] | None:
    """What a closed attempt's graded answers are made of: the database, the attempt with its owner and
    what closing it wrote (so a reused id or a changed row is another key), its seed and pinned revisions;
    None while it is open, as its answers can still change."""
    if attempt.status == AttemptStatus.IN_PROGRESS or attempt.finished_at is None:
        return None
    return (
        session.get_bind().url,
        attempt.id,
        attempt.user_id,
        attempt.status,
        attempt.finished_at,
        attempt.score,
        attempt.seed,
        tuple(attempt.question_revision_ids),
    )


def _graded(session: Session, attempt: Attempt) -> tuple[GradedAnswer, ...]:
    answers = answers_by_position(session, attempt)
    questions = revision_questions(session, attempt)
    graded = []
    for position in range(1, attempt.question_count + 1):
        question, answer = questions[position], answers.get(position)
        response: Response | None = response_from_data(question, answer.response) if answer else None
        if response is not None and is_blank(response):
            response = None
        graded.append(graded_answer(question, response, attempt.seed, answer.points if answer else 0.0))
    return tuple(graded)


_closed_results: Kept[tuple[Any, ...], tuple[GradedAnswer, ...]] = Kept(64)


@dataclass(frozen=True)
class SourceBank:
    """A bank version an attempt was drawn from, as its notice names it."""

    title: str
    reviewed_on: dt.date


def source_banks(session: Session, attempt: Attempt) -> tuple[SourceBank, ...]:
    """The banks, at the versions the attempt's questions were drawn from, with their review dates: what the
    learner is shown is what those versions said. A version never changes, so each worker keeps them and the
    hottest pages read the database for them only once."""
    url, versions = session.get_bind().url, sorted((attempt.criteria or {}).get("banks", {}).items())
    kept = {key: _source_banks.get((url, *key)) for key in versions}
    missing = [key for key, bank in kept.items() if bank is None]
    if missing:
        wanted = [and_(Bank.slug == slug, BankVersion.number == number) for slug, number in missing]
        query = select(Bank.slug, BankVersion.number, BankVersion.header).join(BankVersion.bank).where(or_(*wanted))
        for slug, number, header in session.execute(query):
            bank = kept[slug, number] = SourceBank(header["title"], dt.date.fromisoformat(header["reviewed_on"]))
            _source_banks.put((url, slug, number), bank)
    return tuple(bank for bank in kept.values() if bank is not None)


_source_banks: Kept[tuple[Any, ...], SourceBank] = Kept(256)


@dataclass(frozen=True)
class ResultsPage:
    """What an attempt's results page shows besides the graded answers: the score per tag, the learner's
    history with each question (by position, from 1), and the time zone their times are shown in."""

    results: Results
    tags: tuple[TagScore, ...]
    histories: tuple[QuestionHistory, ...]
    timezone: str
    now: dt.datetime  # when the histories' memories were computed

    def history(self, position: int) -> QuestionHistory:
        return self.histories[position - 1]

    @property
    def missed(self) -> int:
        """Questions not fully right (unanswered ones included): what *Retry what I missed* asks again."""
        return self.results.attempt.question_count - self.results.correct


def results_page(session: Session, attempt: Attempt, user_id: int, now: dt.datetime) -> ResultsPage:
    """The results of a closed attempt with the learner's history of each question, read in a fixed number
    of statements however many questions it has."""
    found = results(session, attempt)
    settings = settings_of(session, user_id)
    histories = attempt_histories(session, user_id, attempt.question_revision_ids, settings, now)
    return ResultsPage(found, tag_breakdown(found.graded), tuple(histories), settings.timezone, now)


def missed_questions(session: Session, attempt: Attempt) -> list[int]:
    """The questions of an attempt not answered fully right (unanswered ones too), in the attempt's order."""
    revision_ids = list(attempt.question_revision_ids)
    rows = session.execute(
        select(QuestionRevision.id, QuestionRevision.question_id, Answer.correct)
        .outerjoin(Answer, and_(Answer.attempt_id == attempt.id, Answer.question_revision_id == QuestionRevision.id))
        .where(QuestionRevision.id.in_(revision_ids))
    )
    found = {revision_id: (question_id, bool(correct)) for revision_id, question_id, correct in rows}
    return [found[r][0] for r in revision_ids if r in found and not found[r][1]]


def attempts_export(session: Session, user_id: int) -> list[dict[str, Any]]:
    """A learner's attempts and answers as plain data, for their account download."""
    attempts = session.scalars(history(user_id)).all()
    answers: dict[int, list[Answer]] = {}
    for answer in session.scalars(
        select(Answer).where(Answer.user_id == user_id).order_by(Answer.attempt_id, Answer.position)
    ):
        answers.setdefault(answer.attempt_id, []).append(answer)
    question_ids = {x.question_id for rows in answers.values() for x in rows}
    names = {
        qid: (slug, key)
        for qid, slug, key in session.execute(
            select(Question.id, Bank.slug, Question.key).join(Bank).where(Question.id.in_(question_ids))
        )
    }
    return [
        {
            "id": a.id,
            "title": a.title,
            "mode": a.mode,
            "status": a.status,
            "criteria": a.criteria,
            "started_at": a.started_at.isoformat(),
            "finished_at": a.finished_at.isoformat() if a.finished_at else None,
            "time_limit_seconds": a.time_limit_seconds,
            "score": a.score,
            "max_score": a.max_score,
            "percent": a.percent,
            "duration_seconds": a.duration_seconds,
            "answers": [
                {
                    "position": x.position,
                    "bank": names[x.question_id][0],
                    "question": names[x.question_id][1],
                    "question_revision_id": x.question_revision_id,
                    "response": x.response,
                    "points": x.points,
                    "max_points": x.max_points,
                    "correct": x.correct,
                    "answered_at": x.answered_at.isoformat(),
                    "time_spent_ms": x.time_spent_ms,
                }
                for x in answers.get(a.id, [])
            ],
        }
        for a in attempts
    ]
