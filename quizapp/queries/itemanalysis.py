"""The read side of item analysis: the attempts to analyse and their marks, in three statements whatever the
number of learners or questions (attempts with their stored marks, questions, revisions), handed to the pure
:func:`quizapp.domain.itemanalysis.analyse`."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, exists, func, select
from sqlalchemy.orm import Session, aliased

from ..domain import itemanalysis as ia
from ..domain import types as question_types
from ..domain.assignments import MemberRole
from ..domain.attempts import GRADED_STATUSES, AttemptSource
from ..domain.media import text_of
from ..domain.quizzes import is_blank, load_question, response_from_data
from ..domain.refusals import NotFound, Refused
from ..domain.types.base import BLANK
from ..models import (
    Answer,
    Assignment,
    Attempt,
    AttemptMarks,
    Bank,
    BankVersion,
    Class,
    ClassMember,
    Question,
    QuestionRevision,
    StoredAnalysis,
)
from .banks import current_version
from .classes import teaches

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
    """What is analysed: the questions of one or more banks (a bank, one of its quizzes, or an assignment's
    quiz), over which attempts of which learners."""

    banks: tuple[Bank, ...]
    title: str
    quiz_key: str | None = None  # a bank's quiz: only attempts at it
    which: str = FIRST
    user_ids: frozenset[int] | None = None  # None: every learner
    assignment_id: int | None = None  # only attempts at this assignment
    class_id: int | None = None  # the class whose learners ``user_ids`` are
    class_name: str | None = None

    @property
    def bank(self) -> Bank:
        return self.banks[0]


@dataclass(frozen=True)
class QuestionLink:
    """Where the bank page lists a question: its bank and page (``None``: retired, so listed nowhere)."""

    slug: str
    page: int | None


@dataclass(frozen=True)
class Fresh:
    """An analysis computed by this request, to be stored for every worker: its scope as plain data (see
    :func:`scope_spec`), the digest of what it was computed from, and the analysis as JSON text."""

    spec: dict[str, Any]
    state: str
    data: str


@dataclass(frozen=True)
class Analysis:
    scope: Scope
    result: ia.ItemAnalysis
    links: dict[int, QuestionLink]  # by question id
    slugs: dict[int, str]  # bank id -> the bank's id in the bank format
    fresh: Fresh | None = None  # computed here, and not yet stored where every worker can read it


def bank_quizzes(session: Session, bank: Bank) -> tuple[tuple[str, str], ...]:
    """A bank's quizzes as ``(id, title)``, from its current version."""
    version = session.scalars(current_version(bank)).first()
    return tuple((q["id"], q.get("title", q["id"])) for q in (version.quizzes if version else []))


def bank_by_slug(session: Session, slug: str) -> Bank:
    bank = session.scalars(select(Bank).where(Bank.slug == slug)).first()
    if bank is None:
        raise NotFound("There is no such bank.")
    return bank


def bank_scope(session: Session, bank: Bank, quiz: str | None, which: str | None) -> Scope:
    """The scope a bank's analysis page asks for; an unknown quiz is :class:`NotFound`."""
    which = which_attempts(which)
    if quiz in (None, ""):
        return Scope((bank,), bank.title, which=which)
    title = dict(bank_quizzes(session, bank)).get(quiz)
    if title is None:
        raise NotFound(f"The bank “{bank.title}” has no quiz with the id “{quiz[:64]}”.")
    return Scope((bank,), title, quiz, which)


def assignment_scope(session: Session, assignment: Assignment, which: str | None) -> Scope:
    """The scope of an assignment: its attempts, over the banks its quiz draws from."""
    quiz = assignment.quiz or {}
    slugs = [quiz["bank"]] if "bank" in quiz else list(quiz.get("banks", []))
    banks = session.scalars(select(Bank).where(Bank.slug.in_(slugs)).order_by(Bank.title, Bank.slug)).all()
    if not banks:
        raise NotFound("The banks this assignment draws from are no longer here.")
    return Scope(
        tuple(banks),
        assignment.title,
        which=which_attempts(which),
        assignment_id=assignment.id,
        class_id=assignment.class_id,
    )


def class_id_of(text: str | None) -> int | None:
    """The ``class`` query parameter: a class id, or None for every learner."""
    if text is None or text == "":
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 9 or int(text) < 1:
        raise BadChoice("Which class: “class” must be the number of one of your classes.")
    return int(text)


def for_class(session: Session, scope: Scope, class_id: int | None, user_id: int, role: str) -> Scope:
    """``scope`` narrowed to the learners of a class the user teaches (every class, for an admin); a class they
    do not teach is :class:`NotFound`, as one that does not exist. Learners who left or were removed count:
    their past results stay with the class."""
    if class_id is None:
        return scope
    klass = session.get(Class, class_id)
    if klass is None or not teaches(session, class_id, user_id, role):
        raise NotFound("There is no such class among yours.")
    learners = session.scalars(
        select(ClassMember.user_id).where(ClassMember.class_id == class_id, ClassMember.role == MemberRole.LEARNER)
    )
    return dataclasses.replace(scope, user_ids=frozenset(learners), class_id=class_id, class_name=klass.name)


def taught_assignment(session: Session, assignment_id: int, user_id: int, role: str) -> Assignment:
    """The assignment, if it was set to a class the user teaches (any, for an admin); otherwise
    :class:`NotFound`, the same whether it exists or not."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or not teaches(session, assignment.class_id, user_id, role):
        raise NotFound("There is no such assignment among your classes'.")
    return assignment


def _attempts_where(scope: Scope) -> list[ColumnElement[bool]]:
    bank_ids = [b.id for b in scope.banks]
    versions = select(BankVersion.id).where(BankVersion.bank_id.in_(bank_ids))
    where: list[ColumnElement[bool]] = [Attempt.status.in_([s.value for s in GRADED_STATUSES])]
    if scope.assignment_id is not None:
        where.append(Attempt.assignment_id == scope.assignment_id)
    elif scope.quiz_key is not None:
        where += [
            Attempt.source == AttemptSource.BANK_QUIZ.value,
            Attempt.quiz_key == scope.quiz_key,
            Attempt.bank_version_id.in_(versions),
        ]
    else:
        bank_questions = select(Question.id).where(Question.bank_id.in_(bank_ids))
        given = aliased(Answer)  # its own name: the answers' query correlates Answer itself
        asked = exists().where(given.attempt_id == Attempt.id, given.question_id.in_(bank_questions))
        where.append(Attempt.bank_version_id.in_(versions) | asked)
    if scope.user_ids is not None:
        where.append(Attempt.user_id.in_(sorted(scope.user_ids)))
    return where


@dataclass(frozen=True)
class Marks:
    """What the statistics are computed from: the questions asked, in bank order, and each attempt's marks."""

    items: list[ia.Item]
    attempts: list[ia.AttemptMarks]
    ranks: Ranks

    def links(self, page_size: int) -> dict[int, QuestionLink]:
        return links_of(self.ranks, page_size)


# Where the bank page lists each question, by question id: its bank's slug, and its place among the bank's
# live questions from 0 (None: retired).
Ranks = dict[int, tuple[str, int | None]]


def links_of(ranks: Ranks, page_size: int) -> dict[int, QuestionLink]:
    return {q: QuestionLink(slug, None if rank is None else rank // page_size + 1) for q, (slug, rank) in ranks.items()}


def analyse(session: Session, scope: Scope, page_size: int, min_attempts: int = ia.MIN_ATTEMPTS) -> Analysis:
    """Item analysis of ``scope``; ``page_size`` is the bank page's, to link each question to its page."""
    found = marks(session, scope)
    result = ia.analyse(found.items, found.attempts, min_attempts)
    return Analysis(scope, result, found.links(page_size), {b.id: b.slug for b in scope.banks})


# Analyses already computed, by what they were computed from: a closed attempt never changes, so the same
# attempts (as many, the newest the same) of the same banks' versions give the same analysis. Each worker
# keeps the latest few it used (plain, immutable values, no ORM objects); every worker and host can read
# the latest one of each scope in stored_analyses, written by a background job (see quizapp.jobs).
_KEPT: dict[tuple[Any, ...], tuple[ia.ItemAnalysis, Ranks]] = {}
KEPT_ANALYSES = 32


def scope_spec(scope: Scope, min_attempts: int = ia.MIN_ATTEMPTS) -> dict[str, Any]:
    """What is analysed, as plain data: what :func:`scope_from_spec` makes a scope of again, and what a stored
    analysis is found by."""
    return {
        "banks": [b.id for b in scope.banks],
        "quiz": scope.quiz_key,
        "which": scope.which,
        "users": None if scope.user_ids is None else sorted(scope.user_ids),
        "assignment": scope.assignment_id,
        "class": scope.class_id,
        "min_attempts": min_attempts,
    }


def scope_from_spec(session: Session, spec: dict[str, Any]) -> Scope | None:
    """The scope :func:`scope_spec` gave ``spec`` for; None if any of its banks is gone."""
    found = {b.id: b for b in session.scalars(select(Bank).where(Bank.id.in_(spec["banks"])))}
    if len(found) != len(spec["banks"]):
        return None
    users = spec["users"]
    return Scope(
        tuple(found[i] for i in spec["banks"]),
        "",
        spec["quiz"],
        spec["which"],
        None if users is None else frozenset(users),
        spec["assignment"],
        spec["class"],
    )


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def scope_key(scope: Scope, min_attempts: int = ia.MIN_ATTEMPTS) -> str:
    """The digest a scope's stored analysis is found by (``class`` aside: its learners are in ``users``)."""
    return _digest({k: v for k, v in scope_spec(scope, min_attempts).items() if k != "class"})


def state_of(session: Session, scope: Scope) -> tuple[Any, ...]:
    """What an analysis of ``scope`` is computed from, in one small statement: the banks' versions, and the
    attempts in scope, counted, with the newest one's id and end and the sum of their ids (an attempt that
    closes late, at a deadline past, with an id below the newest, while another in scope is deleted, changes
    only that). Read before the marks, so that an analysis stored with it holds at least those attempts: any
    attempt closed since changes it."""
    count, newest, last_end, ids = session.execute(
        select(func.count(Attempt.id), func.max(Attempt.id), func.max(Attempt.finished_at), func.sum(Attempt.id)).where(
            *_attempts_where(scope)
        )
    ).one()
    return (tuple((b.id, b.version_number) for b in scope.banks), count, newest, last_end, ids)


def stored_data(result: ia.ItemAnalysis, ranks: Ranks) -> str:
    """An analysis as stored_analyses holds it."""
    return json.dumps({"analysis": ia.analysis_data(result), "ranks": [[q, s, r] for q, (s, r) in ranks.items()]})


def _from_stored(data: str) -> tuple[ia.ItemAnalysis, Ranks]:
    found = json.loads(data)
    return ia.analysis_from_data(found["analysis"]), {q: (s, r) for q, s, r in found["ranks"]}


def is_current(session: Session, scope: Scope, state: str, min_attempts: int = ia.MIN_ATTEMPTS) -> bool:
    """Whether the analysis of ``scope`` stored with ``state`` is current."""
    found = session.scalar(select(StoredAnalysis.state).where(StoredAnalysis.scope == scope_key(scope, min_attempts)))
    return found == state


def kept_analysis(session: Session, scope: Scope, page_size: int, min_attempts: int = ia.MIN_ATTEMPTS) -> Analysis:
    """:func:`analyse`, answered from what this worker computed before, or else from the analysis stored for
    every worker, while the attempts in scope and the banks' versions are those it was computed from (see
    :func:`state_of`): one small statement then, and one more for a stored one. Else
    computed here; the result's ``fresh`` is then what to store (:func:`quizapp.jobs.keep_analyses`)."""
    state = state_of(session, scope)
    key = (str(session.get_bind().url), scope_key(scope, min_attempts), state)
    found = _KEPT.get(key)
    fresh = None
    if found is None:
        stored = session.execute(
            select(StoredAnalysis.state, StoredAnalysis.data).where(
                StoredAnalysis.scope == scope_key(scope, min_attempts)
            )
        ).first()
        if stored is not None and stored.state == _digest(state):
            found = _from_stored(stored.data)
        else:
            computed = marks(session, scope)
            found = (ia.analyse(computed.items, computed.attempts, min_attempts), computed.ranks)
            fresh = Fresh(scope_spec(scope, min_attempts), _digest(state), stored_data(*found))
        if len(_KEPT) >= KEPT_ANALYSES:
            _KEPT.pop(next(iter(_KEPT), None), None)  # the oldest; another request may have taken it first
        _KEPT[key] = found
    return Analysis(scope, found[0], links_of(found[1], page_size), {b.id: b.slug for b in scope.banks}, fresh)


def state_digest(session: Session, scope: Scope) -> str:
    """The digest of :func:`state_of`, as stored with an analysis."""
    return _digest(state_of(session, scope))


def fresh_analysis(session: Session, scope: Scope, min_attempts: int = ia.MIN_ATTEMPTS) -> Fresh | None:
    """The analysis of ``scope`` computed afresh, to store; None when the one stored is current."""
    state = state_digest(session, scope)
    if is_current(session, scope, state, min_attempts):
        return None
    computed = marks(session, scope)
    result = ia.analyse(computed.items, computed.attempts, min_attempts)
    return Fresh(scope_spec(scope, min_attempts), state, stored_data(result, computed.ranks))


def marks(session: Session, scope: Scope) -> Marks:
    """The questions and marks of ``scope``, in three statements: the attempts with their stored marks (one
    row each, see :class:`~quizapp.models.AttemptMarks`), the banks' questions and their revisions. An attempt
    with no stored marks (none should be left: each is written as its attempt closes) is read from its
    answers, in a fourth."""
    bank_ids = [b.id for b in scope.banks]
    where = _attempts_where(scope)
    rows = session.execute(
        select(Attempt.id, Attempt.user_id, Attempt.question_revision_ids, AttemptMarks.marks)
        .outerjoin(AttemptMarks, AttemptMarks.attempt_id == Attempt.id)
        .where(*where)
        .order_by(Attempt.user_id, Attempt.started_at, Attempt.id)
    ).all()
    if scope.which == FIRST:
        firsts: dict[int, Any] = {}
        for r in rows:
            firsts.setdefault(r.user_id, r)
        rows = list(firsts.values())
    questions = session.execute(
        select(Question.id, Question.bank_id, Question.key, Question.type, Question.data, Question.retired_at)
        .where(Question.bank_id.in_(bank_ids))
        .order_by(Question.bank_id, Question.position, Question.id)
    ).all()
    in_banks = QuestionRevision.question_id.in_(select(Question.id).where(Question.bank_id.in_(bank_ids)))
    revisions = {
        r.id: (r.question_id, r.data)
        for r in session.execute(
            select(QuestionRevision.id, QuestionRevision.question_id, QuestionRevision.data).where(in_banks)
        )
    }
    unmarked = _marks_from_answers(session, [r for r in rows if r.marks is None])
    reader = _Reader(revisions)
    attempts = [
        reader.attempt(r.id, r.question_revision_ids, json.loads(r.marks) if r.marks is not None else unmarked[r.id])
        for r in rows
    ]
    attempts = [a for a in attempts if a.marks]
    asked = {m.question_id for a in attempts for m in a.marks}
    order = {b.id: n for n, b in enumerate(scope.banks)}
    shown = sorted((q for q in questions if q.id in asked), key=lambda q: order[q.bank_id])
    slugs = {b.id: b.slug for b in scope.banks}
    ranks: Ranks = {}
    live: dict[int, int] = {}
    for q in questions:
        rank = None
        if q.retired_at is None:
            rank = live.get(q.bank_id, 0)
            live[q.bank_id] = rank + 1
        ranks[q.id] = (slugs[q.bank_id], rank)
    return Marks([_item(q) for q in shown], attempts, ranks)


def _marks_from_answers(session: Session, rows: Sequence[Any]) -> dict[int, list[ia.StoredMark]]:
    """The marks of attempts that have none stored, as stored marks would give them, from their answers."""
    if not rows:
        return {}
    given: dict[int, dict[int, ia.StoredMark]] = {r.id: {} for r in rows}
    for attempt_id, rid, raw, points, correct in session.execute(
        select(
            Answer.attempt_id,
            Answer.question_revision_id,
            cast(Answer.response, Text),
            Answer.points,
            Answer.correct,
        ).where(Answer.attempt_id.in_(list(given)))
    ):
        given[attempt_id][rid] = (points, correct, raw)
    return {r.id: [given[r.id].get(rid) for rid in r.question_revision_ids] for r in rows}


class _Reader:
    """Turns stored marks into item analysis's, reading each revision, and each distinct stored response to
    it, once: a class's answers to a choice question are a handful of distinct texts, so most marks are
    shared."""

    def __init__(self, revisions: dict[int, tuple[int, str]]):
        self.revisions = revisions
        self.questions: dict[int, tuple[int, float, Any]] = {}
        self.marks: dict[tuple[int, float, bool, str], ia.Mark] = {}
        self.blanks: dict[int, ia.Mark] = {}
        # Most attempts asked the same revisions: which of their positions are the scope's, and their maximum.
        self.plans: dict[tuple[int, ...], tuple[list[tuple[int, int]], float]] = {}

    def question(self, rid: int) -> tuple[int, float, Any]:
        found = self.questions.get(rid)
        if found is None:
            question_id, data = self.revisions[rid]
            question = load_question(data)
            found = self.questions[rid] = (question_id, question.points, question)
        return found

    def mark(self, rid: int, points: float, correct: bool, raw: str) -> ia.Mark:
        key = (rid, points, correct, raw)
        found = self.marks.get(key)
        if found is None:
            question_id, _, question = self.question(rid)
            response = response_from_data(question, json.loads(raw))
            picks = question_types.get(question.type).picks(question, response)
            found = ia.Mark(question_id, float(points), picks, bool(correct), not is_blank(response))
            self.marks[key] = found
        return found

    def blank(self, rid: int) -> ia.Mark:
        found = self.blanks.get(rid)
        if found is None:
            found = self.blanks[rid] = ia.Mark(self.question(rid)[0], 0.0, (), False, answered=False)
        return found

    def plan(self, revision_ids: Sequence[int]) -> tuple[list[tuple[int, int]], float]:
        key = tuple(revision_ids)
        found = self.plans.get(key)
        if found is None:
            # Only the scope's questions: a quiz built from several banks asked others too.
            positions = [(i, rid) for i, rid in enumerate(revision_ids) if rid in self.revisions]
            max_total = 0.0
            for _, rid in positions:
                max_total += self.question(rid)[1]
            found = self.plans[key] = (positions, max_total)
        return found

    def attempt(self, attempt_id: int, revision_ids: Sequence[int], stored: Sequence[Any]) -> ia.AttemptMarks:
        """An attempt's marks on the scope's questions it asked, from its stored marks (one entry per question
        asked, as :func:`quizapp.domain.itemanalysis.encode_marks` writes them); an unanswered question scores
        0."""
        if len(stored) != len(revision_ids):
            raise ValueError(f"attempt {attempt_id}: {len(stored)} stored marks for {len(revision_ids)} questions")
        positions, max_total = self.plan(revision_ids)
        marks = tuple(
            self.blank(rid) if (entry := stored[i]) is None else self.mark(rid, entry[0], entry[1], entry[2])
            for i, rid in positions
        )
        return ia.AttemptMarks(attempt_id, max_total, marks)


def question_label(type_name: str, data: str) -> str:
    """A question's prompt as lists show it (a gap as ___, without its pictures), shortened for a table."""
    prompt = text_of(question_types.get(type_name).listing_prompt(json.loads(data)))
    label = " ".join(prompt.replace(BLANK, "___").split())
    return label if len(label) <= LABEL_LENGTH else label[: LABEL_LENGTH - 1].rstrip() + "…"


def _item(row: Any) -> ia.Item:
    kind = question_types.get(row.type)
    question = load_question(row.data)
    label = question_label(row.type, row.data)
    options = tuple(ia.Option(i, text, key) for i, text, key in kind.response_options(question))
    return ia.Item(
        row.id, row.bank_id, row.key, label, kind.label, question.points, kind.random_guess(question), options
    )


def csv_rows(analysis: Analysis) -> Iterable[list[Any]]:
    """The per-question table as CSV rows: a header, then one row per question (see the page)."""
    yield [name for name, _ in CSV_COLUMNS]
    for q in analysis.result.questions:
        yield [get(analysis, q) for _, get in CSV_COLUMNS]


def _percent(value: float | None) -> float | None:
    """A percentage with two decimals, as a number (so a negative one stays a number in a spreadsheet)."""
    return None if value is None else round(100 * value, 2)


CSV_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("Bank id", lambda a, q: a.slugs[q.item.bank_id]),
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
