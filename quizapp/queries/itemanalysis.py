"""The read side of item analysis: the attempts to analyse and their marks, in four statements whatever the
number of learners or questions (attempts, answers, revisions, questions), handed to the pure
:func:`quizapp.domain.itemanalysis.analyse`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from ..domain import itemanalysis as ia
from ..domain import types as question_types
from ..domain.attempts import GRADED_STATUSES, AttemptSource
from ..domain.quizzes import is_blank, load_question, response_from_data
from ..domain.refusals import NotFound, Refused
from ..models import Answer, Attempt, Bank, BankVersion, Question, QuestionRevision
from .banks import current_version

LABEL_LENGTH = 90
FIRST, ALL = "first", "all"
WHICH = {FIRST: "each learner's first finished attempt", ALL: "every finished attempt"}


class BadChoice(Refused):
    status = 400


def which_attempts(value: str | None) -> str:
    """The ``attempts`` query parameter: ``first`` (the default) or ``all``."""
    if value is None or value == "":
        return FIRST
    if value not in WHICH:
        raise BadChoice("Which attempts to analyse: “attempts” must be “first” or “all”.")
    return value


@dataclass(frozen=True)
class Scope:
    """What is analysed: a bank, one of its quizzes or all of it, over which attempts and which learners."""

    bank: Bank
    quiz_key: str | None = None
    quiz_title: str | None = None
    which: str = FIRST
    user_ids: frozenset[int] | None = None  # None: every learner
    extra: tuple[ColumnElement[bool], ...] = ()  # more conditions on Attempt (an assignment, say)


@dataclass(frozen=True)
class Analysis:
    scope: Scope
    result: ia.ItemAnalysis
    links: dict[int, int | None]  # question id -> the bank page listing it (None: retired)
    quizzes: tuple[tuple[str, str], ...]  # the bank's quizzes: (id, title)


def bank_quizzes(session: Session, bank: Bank) -> tuple[tuple[str, str], ...]:
    version = session.scalars(current_version(bank)).first()
    return tuple((q["id"], q.get("title", q["id"])) for q in (version.quizzes if version else []))


def bank_scope(session: Session, slug: str, quiz: str | None, which: str | None) -> Scope:
    """The scope a bank's analysis page asks for; unknown bank or quiz: :class:`NotFound`."""
    bank = session.scalars(select(Bank).where(Bank.slug == slug)).first()
    if bank is None:
        raise NotFound("There is no such bank.")
    which = which_attempts(which)
    if quiz in (None, ""):
        return Scope(bank, which=which)
    title = dict(bank_quizzes(session, bank)).get(quiz)
    if title is None:
        raise NotFound(f"The bank “{bank.title}” has no quiz with the id “{quiz[:64]}”.")
    return Scope(bank, quiz, title, which)


def _attempts_where(scope: Scope) -> list[ColumnElement[bool]]:
    bank_questions = select(Question.id).where(Question.bank_id == scope.bank.id)
    versions = select(BankVersion.id).where(BankVersion.bank_id == scope.bank.id)
    where: list[ColumnElement[bool]] = [Attempt.status.in_([s.value for s in GRADED_STATUSES]), *scope.extra]
    if scope.quiz_key is not None:
        where += [
            Attempt.source == AttemptSource.BANK_QUIZ.value,
            Attempt.quiz_key == scope.quiz_key,
            Attempt.bank_version_id.in_(versions),
        ]
    else:
        asked = exists().where(Answer.attempt_id == Attempt.id, Answer.question_id.in_(bank_questions))
        where.append(Attempt.bank_version_id.in_(versions) | asked)
    if scope.user_ids is not None:
        where.append(Attempt.user_id.in_(sorted(scope.user_ids)))
    return where


def analyse(session: Session, scope: Scope, page_size: int, min_attempts: int = ia.MIN_ATTEMPTS) -> Analysis:
    """Item analysis of ``scope``; ``page_size`` is the bank page's, to link each question to its page."""
    where = _attempts_where(scope)
    rows = session.execute(
        select(Attempt.id, Attempt.user_id, Attempt.question_revision_ids)
        .where(*where)
        .order_by(Attempt.user_id, Attempt.started_at, Attempt.id)
    ).all()
    if scope.which == FIRST:
        seen: set[int] = set()
        rows = [r for r in rows if not (r.user_id in seen or seen.add(r.user_id))]  # type: ignore[func-returns-value]
    questions = session.execute(
        select(Question.id, Question.key, Question.type, Question.data, Question.position, Question.retired_at)
        .where(Question.bank_id == scope.bank.id)
        .order_by(Question.position, Question.id)
    ).all()
    revisions = {
        r.id: (r.question_id, r.data)
        for r in session.execute(
            select(QuestionRevision.id, QuestionRevision.question_id, QuestionRevision.data)
            .join(Question, Question.id == QuestionRevision.question_id)
            .where(Question.bank_id == scope.bank.id)
        )
    }
    wanted = {r.id for r in rows}
    answers: dict[tuple[int, int], Any] = {}
    if wanted:
        for a in session.execute(
            select(Answer.attempt_id, Answer.question_revision_id, Answer.response, Answer.points, Answer.correct)
            .join(Attempt, Attempt.id == Answer.attempt_id)
            .where(*where, Answer.question_revision_id.in_(select(QuestionRevision.id).where(_in_bank(scope))))
        ):
            if a.attempt_id in wanted:
                answers[a.attempt_id, a.question_revision_id] = a
    attempts = [_marks(r.id, r.question_revision_ids, revisions, answers) for r in rows]
    attempts = [a for a in attempts if a.marks]
    asked = {m.question_id for a in attempts for m in a.marks}
    items = [_item(q) for q in questions if q.id in asked]
    result = ia.analyse(items, attempts, min_attempts)
    live = [q.id for q in questions if q.retired_at is None]
    pages = {qid: n // page_size + 1 for n, qid in enumerate(live)}
    return Analysis(scope, result, {q.id: pages.get(q.id) for q in questions}, bank_quizzes(session, scope.bank))


def _in_bank(scope: Scope) -> ColumnElement[bool]:
    return QuestionRevision.question_id.in_(select(Question.id).where(Question.bank_id == scope.bank.id))


def _marks(
    attempt_id: int, revision_ids: Sequence[int], revisions: dict[int, tuple[int, str]], answers: dict[Any, Any]
) -> ia.AttemptMarks:
    """An attempt's marks on the bank's questions it asked; an unanswered question scores 0."""
    marks: list[ia.Mark] = []
    max_total = 0.0
    for rid in revision_ids:
        if rid not in revisions:
            continue  # a question of another bank, in a quiz built from several
        question_id, data = revisions[rid]
        question = load_question(data)
        max_total += question.points
        answer = answers.get((attempt_id, rid))
        if answer is None:
            marks.append(ia.Mark(question_id, 0.0, (), False, answered=False))
            continue
        response = response_from_data(question, answer.response)
        picks = question_types.get(question.type).picks(question, response)
        marks.append(ia.Mark(question_id, answer.points, picks, answer.correct, not is_blank(response)))
    return ia.AttemptMarks(attempt_id, max_total, tuple(marks))


def _item(row: Any) -> ia.Item:
    kind = question_types.get(row.type)
    question = load_question(row.data)
    label = " ".join(kind.listing_prompt(question.model_dump()).replace(question_types.base.BLANK, "___").split())
    if len(label) > LABEL_LENGTH:
        label = label[: LABEL_LENGTH - 1].rstrip() + "…"
    options = tuple(ia.Option(i, text, key) for i, text, key in kind.response_options(question))
    return ia.Item(row.id, 0, row.key, label, kind.label, question.points, kind.random_guess(question), options)


def csv_rows(analysis: Analysis) -> Iterable[list[Any]]:
    """The per-question table as CSV rows: a header, then one row per question (see the page)."""
    yield [name for name, _ in CSV_COLUMNS]
    for q in analysis.result.questions:
        yield [get(analysis, q) for _, get in CSV_COLUMNS]


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.2f}"


CSV_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("Bank id", lambda a, q: a.scope.bank.slug),
    ("Question id", lambda a, q: q.item.key),
    ("Question", lambda a, q: q.item.label),
    ("Type", lambda a, q: q.item.type_label),
    ("Attempts", lambda a, q: q.attempts),
    ("Facility index (%)", lambda a, q: _percent(q.facility)),
    ("Standard deviation (%)", lambda a, q: _percent(q.sd)),
    ("Random guess score (%)", lambda a, q: _percent(q.random_guess)),
    ("Intended weight (%)", lambda a, q: _percent(q.intended_weight)),
    ("Effective weight (%)", lambda a, q: _percent(q.effective_weight)),
    ("Discrimination index (%)", lambda a, q: _percent(q.discrimination)),
    ("Discriminative efficiency (%)", lambda a, q: _percent(q.efficiency)),
    ("Flags", lambda a, q: " ".join(f.reason for f in q.flags)),
)
