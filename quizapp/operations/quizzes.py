"""Taking quizzes: starting an attempt, saving and grading answers, closing and discarding attempts,
practising mistakes.

Functions add and flush (or run statements) but never commit; the caller commits once. Each takes
``now`` (UTC) so that time limits can be tested with a pinned clock. Functions that change an attempt first lock it (see
:func:`_locked`), so two submissions of the same answer, from two tabs or a retried request, are applied one
after the other and the second finds the first.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from ..database import reads_before_writing
from ..domain import stats
from ..domain.attempts import GRADED_STATUSES
from ..domain.grading import grade, parse_response
from ..domain.quizzes import (
    MAX_COUNT,
    MAX_TIME_LIMIT_MINUTES,
    MISTAKES_COUNT,
    MODES,
    AttemptMode,
    AttemptSource,
    AttemptStatus,
    Candidate,
    draw,
    is_blank,
    load_quiz,
    percent,
    response_data,
    select_pool,
)
from ..domain.refusals import Conflict, NotFound, Refused
from ..models import Answer, Attempt, Bank, Question, QuestionRevision, User
from ..queries.cards import settings_of
from ..queries.classes import feedback_shown
from ..queries.quizzes import (
    LiveQuestion,
    current_quizzes,
    in_progress,
    live_candidates,
    missed_questions,
    pinned_question,
)
from . import activity
from . import itemanalysis as analysis_operations
from .cards import record_quiz_outcome
from .results import update_result

TITLE_LENGTH = 300


class UnknownQuiz(NotFound):
    """No such bank or quiz."""


class QuizOutOfBounds(Refused):
    """A built quiz asked for an unknown mode, too many questions or too long a time limit."""


class NoQuestions(Refused):
    """Nothing matches what was asked for."""


class UnknownAttempt(NotFound):
    """No such attempt of this learner (another learner's attempt is no different), or no such question in it."""


class AttemptClosed(Conflict):
    """The attempt is finished, or its time ran out; it takes no more answers."""


class TimeUp(AttemptClosed):
    """This request came after the time limit: the attempt has just been closed."""


class AttemptDiscarded(AttemptClosed):
    """The learner discarded the attempt; it takes no more answers and has no results."""


class QuizInProgress(Conflict):
    """The learner asked to start a quiz they already have in progress: resume it, or start afresh."""

    def __init__(self, message: str, attempt_id: int):
        super().__init__(message)
        self.attempt_id = attempt_id


class AlreadyAnswered(Conflict):
    """In practice mode an answer is final once its feedback has been shown."""


class NotFinished(Conflict):
    """The attempt is still in progress, so it has no results to act on yet."""


@dataclass(frozen=True)
class BankQuiz:
    """A quiz that a bank defines, by the bank's slug and the quiz's id in the bank."""

    bank_slug: str
    quiz: str


@dataclass(frozen=True)
class CustomQuiz:
    """A quiz a learner builds: questions from some banks, optionally with some tags."""

    bank_slugs: Sequence[str]
    tags: Sequence[str] = ()
    count: int = 10
    mode: str = AttemptMode.PRACTICE
    time_limit_minutes: int | None = None


@dataclass(frozen=True)
class MistakesQuiz:
    """A practice quiz of the learner's latest mistakes, optionally within one bank or with one tag."""

    bank_slug: str | None = None
    tag: str | None = None


@dataclass(frozen=True)
class RetryQuiz:
    """A practice quiz of the questions a closed attempt did not get fully right."""

    attempt_id: int


QuizSpec = BankQuiz | CustomQuiz | MistakesQuiz | RetryQuiz


@dataclass(frozen=True)
class Assigned:
    """What a class assignment adds to an attempt: its id, minutes added to the time limit by an extension,
    and a time the attempt closes at whatever its time limit (the due date, when late work is refused)."""

    assignment_id: int
    extra_minutes: int = 0
    closes_at: dt.datetime | None = None


class AssignedQuiz(Conflict):
    """An assigned attempt is started again from its assignment, which counts the attempts."""


def spec_of(attempt: Attempt) -> QuizSpec:
    """The quiz ``attempt`` was started on, as a learner would ask for it again."""
    criteria = attempt.criteria
    if attempt.source == AttemptSource.BANK_QUIZ:
        return BankQuiz(next(iter(criteria["banks"])), attempt.quiz_key or "")
    if attempt.source == AttemptSource.MISTAKES and "retry_of" in criteria:
        return RetryQuiz(criteria["retry_of"])
    if attempt.source == AttemptSource.MISTAKES:
        return MistakesQuiz(criteria.get("bank"), criteria.get("tag"))
    minutes = attempt.time_limit_seconds // 60 if attempt.time_limit_seconds else None
    tags = tuple(criteria.get("tags") or ())
    return CustomQuiz(sorted(criteria["banks"]), tags, criteria["count"], attempt.mode, minutes)


def same_quiz(spec: QuizSpec) -> tuple[Any, ...]:
    """What makes two requests ask for the same quiz: the order banks and tags were ticked in does not."""
    if isinstance(spec, CustomQuiz):
        minutes = spec.time_limit_minutes or None
        return ("custom", sorted(set(spec.bank_slugs)), sorted(set(spec.tags)), spec.count, str(spec.mode), minutes)
    if isinstance(spec, MistakesQuiz):
        return ("mistakes", spec.bank_slug or None, spec.tag or None)
    if isinstance(spec, RetryQuiz):
        return ("retry", spec.attempt_id)
    return ("bank_quiz", spec.bank_slug, spec.quiz)


@dataclass(frozen=True)
class Saved:
    """What :func:`save_answer` did."""

    attempt: AttemptState  # as it was when the answer came
    answer_id: int | None  # None: a blank exam answer, which leaves (or makes) the question unanswered
    changed: bool  # False when exactly this answer had been saved already
    closed: bool  # this answer completed a practice attempt


def new_seed() -> int:
    return secrets.randbelow(2**31)


# --- starting ---------------------------------------------------------------------------------------------


def start_attempt(
    session: Session,
    user: User,
    spec: BankQuiz | CustomQuiz,
    now: dt.datetime,
    seed: int | None = None,
    *,
    afresh: bool = False,
    assigned: Assigned | None = None,
) -> Attempt:
    """Start ``user`` on a bank's quiz or on a quiz they built, drawing live questions by ``seed``.

    A learner who already has the same quiz in progress is offered it back rather than given a second
    attempt; with ``afresh`` it is discarded and a new attempt starts. An attempt ``assigned`` by a class is
    only the same quiz as one for the same assignment.

    Raises:
        QuizInProgress: the same quiz is in progress (and ``afresh`` is not set); nothing was changed.
        UnknownQuiz: no such bank or quiz.
        NoQuestions: nothing to ask (every question retired, or no question has the tags).
        QuizOutOfBounds: a custom quiz asked for something out of bounds.
    """
    seed = new_seed() if seed is None else seed
    _make_way(session, user, spec, now, afresh, assigned.assignment_id if assigned else None)
    if isinstance(spec, BankQuiz):
        return _start_bank_quiz(session, user, spec, now, seed, assigned)
    return _start_custom_quiz(session, user, spec, now, seed, assigned)


def _start_bank_quiz(
    session: Session, user: User, spec: BankQuiz, now: dt.datetime, seed: int, assigned: Assigned | None = None
) -> Attempt:
    found = next(((b, v) for b, v in current_quizzes(session) if b.slug == spec.bank_slug), None)
    data = next((q for q in found[1].quizzes if q.get("id") == spec.quiz), None) if found else None
    if found is None or data is None:
        raise UnknownQuiz("There is no such quiz.")
    bank, version = found
    quiz = load_quiz(data)
    pool = select_pool(live_candidates(session, Question.bank_id == bank.id), quiz.questions, quiz.tags)
    chosen = draw(pool, quiz.count, seed, quiz.shuffle)
    if not chosen:
        raise NoQuestions(f"“{quiz.title}” has no questions at the moment.")
    return _create(
        session,
        user,
        chosen,
        now,
        seed,
        source=AttemptSource.BANK_QUIZ,
        title=quiz.title,
        mode=quiz.mode,
        minutes=quiz.time_limit_minutes,
        criteria={"banks": {bank.slug: bank.version_number}, "quiz": data},
        bank_version_id=version.id,
        quiz_key=quiz.id,
        assigned=assigned,
    )


def _start_custom_quiz(
    session: Session, user: User, spec: CustomQuiz, now: dt.datetime, seed: int, assigned: Assigned | None = None
) -> Attempt:
    if spec.mode not in MODES:
        raise QuizOutOfBounds(f"Choose a mode: {' or '.join(MODES)}.")
    if not 1 <= spec.count <= MAX_COUNT:
        raise QuizOutOfBounds(f"Choose between 1 and {MAX_COUNT} questions.")
    if spec.time_limit_minutes is not None and not 1 <= spec.time_limit_minutes <= MAX_TIME_LIMIT_MINUTES:
        raise QuizOutOfBounds(f"A time limit is between 1 and {MAX_TIME_LIMIT_MINUTES} minutes.")
    slugs = list(dict.fromkeys(spec.bank_slugs))
    banks = session.scalars(select(Bank).where(Bank.slug.in_(slugs)).order_by(Bank.title, Bank.slug)).all()
    if not slugs or len(banks) != len(slugs):
        raise UnknownQuiz("Choose one or more of the banks listed.")
    order = {b.id: i for i, b in enumerate(banks)}
    candidates = sorted(live_candidates(session, Question.bank_id.in_(list(order))), key=lambda c: order[c.ref.bank_id])
    tags = sorted(set(spec.tags))
    chosen = draw(select_pool(candidates, None, tags), spec.count, seed)
    if not chosen:
        raise NoQuestions("No questions in the chosen banks have the chosen tags. Choose other tags or banks.")
    title = "Custom quiz: " + ", ".join(b.title for b in banks)
    if tags:
        title += " — " + ", ".join(tags)
    return _create(
        session,
        user,
        chosen,
        now,
        seed,
        source=AttemptSource.CUSTOM,
        title=title,
        mode=spec.mode,
        minutes=spec.time_limit_minutes,
        criteria={"banks": {b.slug: b.version_number for b in banks}, "tags": tags, "count": spec.count},
        assigned=assigned,
    )


def practise_mistakes(
    session: Session,
    user: User,
    now: dt.datetime,
    bank_slug: str | None = None,
    tag: str | None = None,
    count: int = MISTAKES_COUNT,
    seed: int | None = None,
    *,
    afresh: bool = False,
) -> Attempt:
    """Start a practice quiz of the questions ``user`` most recently got wrong (in bank ``bank_slug``, with ``tag``).

    A question counts as a mistake when the learner's latest final answer to it (a practice answer, or an
    answer in a graded exam) was not fully correct. The ``count`` most recent mistakes are drawn, in an
    order shuffled by ``seed``; each is asked as it is worded now. A practice of the same mistakes (same
    bank and tag) already in progress is offered back, as :func:`start_attempt` does.

    Raises:
        QuizInProgress: the same practice is in progress (and ``afresh`` is not set); nothing was changed.
        UnknownQuiz: no bank has the slug ``bank_slug``.
        NoQuestions: nothing to practise: nothing answered yet, or every latest answer right.
    """
    seed = new_seed() if seed is None else seed
    _make_way(session, user, MistakesQuiz(bank_slug, tag), now, afresh)
    banks = session.scalars(select(Bank).where(Bank.slug == bank_slug)).all() if bank_slug else []
    if bank_slug and not banks:
        raise UnknownQuiz("Choose one of the banks listed.")
    ranked = (
        select(
            Answer.question_id,
            Answer.correct,
            Answer.answered_at,
            func.row_number()
            .over(partition_by=Answer.question_id, order_by=(Answer.answered_at.desc(), Answer.id.desc()))
            .label("rank"),
        )
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(
            Answer.user_id == user.id,
            # Final answers only: an exam's count once it is graded (a discarded exam's never do).
            or_(Attempt.mode == AttemptMode.PRACTICE, Attempt.status.in_(GRADED_STATUSES)),
        )
        .subquery()
    )
    latest = session.execute(
        select(ranked.c.question_id, ranked.c.correct)
        .where(ranked.c.rank == 1)
        .order_by(ranked.c.answered_at.desc(), ranked.c.question_id)
    ).all()
    in_scope = [Question.bank_id == banks[0].id] if banks else []
    order = {qid: i for i, (qid, correct) in enumerate(latest) if not correct}
    candidates = live_candidates(session, Question.id.in_(list(order)), *in_scope)
    candidates.sort(key=lambda c: order[c.ref.question_id])
    mistakes = select_pool(candidates, None, [tag] if tag else [])[:count]
    if not mistakes:
        answered = live_candidates(session, Question.id.in_([qid for qid, _correct in latest]), *in_scope)
        answered = select_pool(answered, None, [tag] if tag else [])
        raise NoQuestions(_no_mistakes(bool(answered), bool(bank_slug), bool(tag)))
    title = "Practise my mistakes"
    if banks:
        title += f": {banks[0].title}"
    if tag:
        title += f" — {tag}"
    versions = dict(
        session.execute(
            select(Bank.slug, Bank.version_number).where(Bank.id.in_({c.ref.bank_id for c in mistakes}))
        ).all()
    )
    return _create(
        session,
        user,
        draw(mistakes, None, seed),
        now,
        seed,
        source=AttemptSource.MISTAKES,
        title=title,
        mode=AttemptMode.PRACTICE,
        minutes=None,
        criteria={"banks": versions, "bank": bank_slug, "tag": tag, "count": count},
    )


RETRY_TITLE = "Retry what I missed: "


def retry_missed(
    session: Session, user: User, attempt_id: int, now: dt.datetime, seed: int | None = None, afresh: bool = False
) -> Attempt:
    """Start a practice quiz of the questions of ``user``'s closed attempt ``attempt_id`` that were not fully
    right (unanswered ones too), each asked as it is worded now, in an order shuffled by ``seed``.

    Raises:
        UnknownAttempt: no such attempt of this user.
        NotFinished: the attempt is still in progress.
        NoQuestions: every question was right, or those missed have been removed from their banks.
        QuizInProgress: a retry of this attempt is in progress (unless ``afresh``, which discards it).
    """
    seed = new_seed() if seed is None else seed
    _make_way(session, user, RetryQuiz(attempt_id), now, afresh)
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise UnknownAttempt("There is no such quiz attempt.")
    if attempt.status == AttemptStatus.IN_PROGRESS:
        raise NotFinished("This quiz is still in progress: finish it first, then retry what you missed.")
    if not feedback_shown(session, attempt, now):
        raise AssignedQuiz("Your teacher has not released the feedback on this quiz yet, so it cannot be retried.")
    missed = missed_questions(session, attempt)
    if not missed:
        raise NoQuestions("You got every question of this quiz right, so there is nothing to retry.")
    order = {question_id: i for i, question_id in enumerate(missed)}
    candidates = sorted(live_candidates(session, Question.id.in_(missed)), key=lambda c: order[c.ref.question_id])
    if not candidates:
        raise NoQuestions("The questions you missed have since been removed from their banks.")
    versions = dict(
        session.execute(
            select(Bank.slug, Bank.version_number).where(Bank.id.in_({c.ref.bank_id for c in candidates}))
        ).all()
    )
    title = attempt.title.removeprefix(RETRY_TITLE)
    return _create(
        session,
        user,
        draw(candidates, None, seed),
        now,
        seed,
        source=AttemptSource.MISTAKES,
        title=RETRY_TITLE + title,
        mode=AttemptMode.PRACTICE,
        minutes=None,
        criteria={"banks": versions, "retry_of": attempt.id, "count": len(candidates)},
    )


def _no_mistakes(answered: bool, in_bank: bool, with_tag: bool) -> str:
    """Why there is nothing to practise: nothing answered yet (where the learner looked), or all of it right."""
    where = (" in this bank" if in_bank else "") + (" with this tag" if with_tag else "")
    if answered:
        return f"Your latest answer to every question you have answered{where} is right: nothing to practise."
    if where:
        return f"You have not answered any question{where} yet, so there is no mistake to practise."
    return (
        "You have not answered any quiz question yet, so there is no mistake to practise. Take a quiz: the "
        "questions you get wrong can be practised here."
    )


def _make_way(
    session: Session, user: User, spec: QuizSpec, now: dt.datetime, afresh: bool, assignment_id: int | None = None
) -> None:
    """Before ``user`` starts ``spec``: close their attempts whose time ran out, then refuse if they have the
    same quiz (for the same assignment, or for none) in progress, or discard it when they asked to start
    afresh."""
    # One start at a time per learner, so two quick presses of Start cannot both find nothing in progress
    # (PostgreSQL; on SQLite the transaction's BEGIN IMMEDIATE already holds the write lock).
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    wanted = same_quiz(spec)
    for attempt in session.scalars(in_progress(user.id).with_for_update()).all():
        if attempt.time_is_up(now):
            _close(session, attempt, now)
        elif attempt.assignment_id == assignment_id and same_quiz(spec_of(attempt)) == wanted:
            if not afresh:
                raise QuizInProgress("You already have this quiz in progress.", attempt.id)
            _discard(session, attempt, now)


def _create(
    session: Session,
    user: User,
    chosen: Sequence[Candidate],
    now: dt.datetime,
    seed: int,
    *,
    source: str,
    title: str,
    mode: str,
    minutes: int | None,
    criteria: dict[str, Any],
    bank_version_id: int | None = None,
    quiz_key: str | None = None,
    assigned: Assigned | None = None,
) -> Attempt:
    refs: list[LiveQuestion] = [c.ref for c in chosen]
    if assigned is not None and minutes:
        minutes += assigned.extra_minutes
    deadline = now + dt.timedelta(minutes=minutes) if minutes else None
    if assigned is not None and assigned.closes_at is not None:
        deadline = min(deadline, assigned.closes_at) if deadline else assigned.closes_at
    attempt = Attempt(
        user_id=user.id,
        source=source,
        title=title[:TITLE_LENGTH],
        bank_version_id=bank_version_id,
        quiz_key=quiz_key,
        criteria=criteria,
        mode=mode,
        time_limit_seconds=minutes * 60 if minutes else None,
        seed=seed,
        question_revision_ids=[r.revision_id for r in refs],
        question_count=len(refs),
        status=AttemptStatus.IN_PROGRESS,
        started_at=now,
        deadline=deadline,
        score=0.0,
        max_score=sum(r.points for r in refs),
        assignment_id=assigned.assignment_id if assigned else None,
    )
    session.add(attempt)
    session.flush()
    if assigned is not None:
        update_result(session, assigned.assignment_id, user.id)
    return attempt


# --- answering --------------------------------------------------------------------------------------------
# Answering is what learners do most, one request per question, so it reads and writes only the columns it
# needs, with Core statements on the tables, built once here with bound parameters: an ORM-enabled
# ``insert()``/``update()`` against the entity, or a statement built per call, cost twice the whole request's
# CPU (3.1 ms against 1.5 ms in benchmarks/pages.py). Core statements skip the session's autoflush and its
# synchronisation of loaded objects, so save_answer flushes first and expires a loaded answer it rewrites.
# The rarer paths, closing an attempt and feeding the flashcards, load ORM objects.

_attempts, _answers, _revisions = Attempt.__table__, Answer.__table__, QuestionRevision.__table__
_questions = Question.__table__
_ATTEMPT = select(
    _attempts.c.id,
    _attempts.c.user_id,
    _attempts.c.mode,
    _attempts.c.status,
    _attempts.c.started_at,
    _attempts.c.deadline,
    _attempts.c.question_count,
    _attempts.c.question_revision_ids,
).where(_attempts.c.id == bindparam("attempt_id"))
_REVISION = (
    select(_revisions.c.question_id, _revisions.c.data, _questions.c.bank_id)
    .join(_questions, _questions.c.id == _revisions.c.question_id)
    .where(_revisions.c.id == bindparam("revision_id"))
)
_STATUS = select(_attempts.c.status).where(_attempts.c.id == bindparam("attempt_id")).with_for_update()
_SAVED = select(_answers.c.id, _answers.c.response, _answers.c.time_spent_ms).where(
    _answers.c.attempt_id == bindparam("attempt_id"), _answers.c.position == bindparam("position")
)
_INSERT = insert(_answers).returning(_answers.c.id)  # the columns are the parameters' keys
_UPDATE = update(_answers).where(_answers.c.id == bindparam("answer_id"))
_DELETE = delete(_answers).where(_answers.c.id == bindparam("answer_id"))
_ANSWERED = select(func.count()).select_from(_answers).where(_answers.c.attempt_id == bindparam("attempt_id"))


@dataclass(frozen=True)
class AttemptState:
    """What answering needs to know of an attempt. All of it is fixed when the attempt starts except
    ``status``, which is read again under the write lock."""

    id: int
    user_id: int
    mode: str
    status: str
    started_at: dt.datetime
    deadline: dt.datetime | None
    question_count: int
    question_revision_ids: list[int]

    def time_is_up(self, now: dt.datetime) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS and self.deadline is not None and now > self.deadline


def save_answer(
    session: Session,
    user_id: int,
    attempt_id: int,
    position: int,
    form: Mapping[str, Any],
    now: dt.datetime,
    shown_at: dt.datetime | None = None,
) -> Saved:
    """Read, grade and save the answer of user ``user_id`` to question ``position`` (from 1) of their attempt
    ``attempt_id``, submitted as ``form``.

    The same answer submitted again changes nothing. In an exam a different answer replaces the saved
    one, and a blank one removes it; in practice the first answer, even a blank one, is final. An answer
    after the time limit is refused and the attempt is closed with what was saved. A practice attempt
    closes when its last question is answered.
    ``shown_at`` (when the question page was shown) gives the time spent on the question.

    Raises:
        UnknownAttempt: no such attempt of this user (another user's attempt is no different), or it has
            no question ``position``; nothing was changed.
        ResponseError: the submission is malformed; nothing was changed.
        TimeUp: too late; the attempt has just been closed (commit that).
        AttemptClosed: the attempt was already closed.
        AlreadyAnswered: a different answer to a practice question already answered.
    """
    # What never changes once an attempt starts (its owner, mode, questions and deadline) is read, and the
    # answer parsed and graded, before the write lock is taken; under it, only the attempt's status and the
    # saved answer are read, then written.
    with reads_before_writing(session) as reader:
        row = reader.execute(_ATTEMPT, {"attempt_id": attempt_id}).first()
        if row is None or row.user_id != user_id:
            raise UnknownAttempt("There is no such quiz attempt.")
        attempt = AttemptState(*row)
        if (
            attempt.status == AttemptStatus.IN_PROGRESS and 1 <= position <= attempt.question_count
        ):  # else refused below
            revision_id = attempt.question_revision_ids[position - 1]
            question_id, data, bank_id = reader.execute(_REVISION, {"revision_id": revision_id}).one()
    _check_open(session, attempt, now)
    if not 1 <= position <= attempt.question_count:
        raise UnknownAttempt("This quiz has no such question.")
    question = pinned_question(data)
    response = parse_response(question, form)
    data = response_data(response)
    result = grade(question, response)

    # Under the write lock: whether the attempt is still open, then the answer saved at this position, if
    # any. Two statements, not a join: on PostgreSQL a statement that waits for the row lock (FOR UPDATE:
    # one change to an attempt at a time; on SQLite, BEGIN IMMEDIATE already is) still reads the other
    # tables as they were when it started, so it could miss an answer saved by the request it waited for.
    session.flush()  # what the caller has pending, as an ORM statement's autoflush would
    status = session.scalar(_STATUS, {"attempt_id": attempt.id})
    _check_open(session, replace(attempt, status=status), now)  # closed since it was first read?
    found = session.execute(_SAVED, {"attempt_id": attempt.id, "position": position}).first()
    if found is not None and found.response == data:
        return Saved(attempt, found.id, changed=False, closed=False)
    if found is not None and attempt.mode == AttemptMode.PRACTICE:
        raise AlreadyAnswered("You have already answered this question; your first answer counts.")
    if attempt.mode == AttemptMode.EXAM and is_blank(response):  # an exam question left or made blank has no answer
        if found is None:
            return Saved(attempt, None, changed=False, closed=False)
        session.execute(_DELETE, {"answer_id": found.id})
        _forget(session, found.id)
        return Saved(attempt, None, changed=True, closed=False)
    spent = _time_spent(attempt.started_at, now, shown_at)
    if found is not None and found.time_spent_ms is not None:
        spent = found.time_spent_ms + (spent or 0)
    values = {"response": data, "points": result.score, "max_points": result.max_score, "correct": result.correct}
    values |= {"answered_at": now, "time_spent_ms": spent}
    if found is None:
        values |= {"attempt_id": attempt.id, "user_id": attempt.user_id, "position": position}
        values |= {"question_id": question_id, "question_revision_id": revision_id}
        answer_id = session.scalar(_INSERT, values)
    else:
        answer_id = found.id
        session.execute(_UPDATE, values | {"answer_id": answer_id})
        _forget(session, answer_id)
    closed = False
    if attempt.mode == AttemptMode.PRACTICE:  # final as soon as saved: counted now
        entry = (now, result.correct, spent, bank_id, stats.tag_key(question.tags))
        activity.record_answers(session, attempt.user_id, [entry], settings_of(session, attempt.user_id))
        _after_grading(session, attempt.user_id, question_id, answer_id, result.correct, now)
        answered = session.scalar(_ANSWERED, {"attempt_id": attempt.id})
        if answered == attempt.question_count:
            _close(session, _locked(session, attempt.id), now)
            closed = True
    return Saved(attempt, answer_id, changed=True, closed=closed)


def _forget(session: Session, answer_id: int) -> None:
    """Expire the answer ``answer_id`` if this session has it loaded: its row has just been changed under it."""
    loaded = session.identity_map.get(session.identity_key(Answer, answer_id))
    if loaded is not None:
        session.expire(loaded)


def _check_open(session: Session, attempt: AttemptState, now: dt.datetime) -> None:
    if attempt.status == AttemptStatus.DISCARDED:
        raise AttemptDiscarded("You discarded this quiz, so it takes no more answers.")
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed("This quiz is already finished, so it takes no more answers. Here are your results.")
    if attempt.time_is_up(now):
        locked = _locked(session, attempt.id)
        if locked.status == AttemptStatus.IN_PROGRESS:  # not closed by another request meanwhile
            _close(session, locked, now)
        raise TimeUp(
            "Time ran out before this answer arrived, so it was not saved. The answers you had saved have been graded."
        )


def _locked(session: Session, attempt_id: int) -> Attempt:
    """The attempt as an ORM object, up to date, and this transaction the only one changing it until it ends.

    PostgreSQL: the row is read with ``SELECT … FOR UPDATE``. SQLite ignores that clause and needs nothing
    more, because every transaction that may write begins with ``BEGIN IMMEDIATE`` (see
    :mod:`quizapp.database`), so it already holds the database's write lock.
    """
    return session.get(Attempt, attempt_id, populate_existing=True, with_for_update=True)  # type: ignore[return-value]


def finish_attempt(session: Session, attempt: Attempt, now: dt.datetime) -> Attempt:
    """Close ``attempt`` and grade it with what was saved; closing a closed attempt changes nothing.

    Unanswered questions score 0. Past the time limit the attempt is closed as expired, at its deadline.
    """
    attempt = _locked(session, attempt.id)  # the same object, refreshed
    if attempt.status == AttemptStatus.IN_PROGRESS:
        _close(session, attempt, now)
    return attempt


def discard_attempt(session: Session, user_id: int, attempt_id: int, now: dt.datetime) -> Attempt:
    """Discard the attempt ``attempt_id`` of user ``user_id``, which they have not finished: it takes no more
    answers, has no results and counts in no score. Discarding it again changes nothing.

    Its row and answers are kept (see :class:`quizapp.domain.attempts.AttemptStatus`): practice answers
    already given have fed the learner's flashcards and still count as their latest answers to those
    questions; exam answers, never final, count for nothing.

    Raises:
        UnknownAttempt: no such attempt of this user (another user's attempt is no different).
        AttemptClosed: it is finished: results are never thrown away.
        TimeUp: its time ran out; it has just been closed and graded instead (commit that).
    """
    attempt = _locked(session, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        raise UnknownAttempt("There is no such quiz attempt.")
    if attempt.status == AttemptStatus.DISCARDED:
        return attempt
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed("This quiz is finished, so it cannot be discarded: its results stay in your history.")
    if attempt.time_is_up(now):
        _close(session, attempt, now)
        raise TimeUp("Time ran out on this quiz before it was discarded, so it was graded with the answers you saved.")
    _discard(session, attempt, now)
    return attempt


def start_afresh(session: Session, user: User, attempt_id: int, now: dt.datetime, seed: int | None = None) -> Attempt:
    """Start again the quiz of ``user``'s attempt ``attempt_id``, discarding whatever of it is in progress.

    Raises:
        UnknownAttempt: no such attempt of this user.
        AssignedQuiz: the attempt was taken for a class assignment, which is started from its own page.
        UnknownQuiz, NoQuestions: as :func:`start_attempt` and :func:`practise_mistakes` raise them.
    """
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise UnknownAttempt("There is no such quiz attempt.")
    if attempt.assignment_id is not None:
        raise AssignedQuiz("This quiz was set by your class: carry on with it, or start it from its class page.")
    spec = spec_of(attempt)
    if isinstance(spec, RetryQuiz):
        return retry_missed(session, user, spec.attempt_id, now, seed, afresh=True)
    if isinstance(spec, MistakesQuiz):
        return practise_mistakes(session, user, now, spec.bank_slug, spec.tag, seed=seed, afresh=True)
    return start_attempt(session, user, spec, now, seed, afresh=True)


def _discard(session: Session, attempt: Attempt, now: dt.datetime) -> None:
    attempt.status = AttemptStatus.DISCARDED
    attempt.finished_at = now
    attempt.percent = None
    session.flush()
    if attempt.assignment_id is not None:
        update_result(session, attempt.assignment_id, attempt.user_id)


def _time_spent(started_at: dt.datetime, now: dt.datetime, shown_at: dt.datetime | None) -> int | None:
    """Milliseconds from ``shown_at`` to ``now``, within the attempt's lifetime (from ``started_at``); None
    when unknown."""
    if shown_at is None:
        return None
    start = max(shown_at, started_at)
    return max(0, round((now - start).total_seconds() * 1000))


def _total(session: Session, attempt: Attempt) -> float:
    total = session.scalar(select(func.coalesce(func.sum(Answer.points), 0.0)).where(Answer.attempt_id == attempt.id))
    return float(total or 0.0)


def _close(session: Session, attempt: Attempt, now: dt.datetime) -> None:
    """Close an open attempt: finished now, or expired at its deadline if that has passed."""
    expired = attempt.time_is_up(now)
    end = attempt.deadline if expired and attempt.deadline is not None else now
    attempt.status = AttemptStatus.EXPIRED if expired else AttemptStatus.FINISHED
    attempt.finished_at = end
    attempt.duration_seconds = max(0, round((end - attempt.started_at).total_seconds()))
    attempt.score = _total(session, attempt)
    attempt.percent = percent(attempt.score, attempt.max_score)
    activity.record_attempt(session, attempt, settings_of(session, attempt.user_id))
    analysis_operations.attempt_closed(session, attempt)
    if attempt.mode == AttemptMode.EXAM:  # exam answers become final only now; practice ones were final when saved
        for answer in session.scalars(select(Answer).where(Answer.attempt_id == attempt.id).order_by(Answer.position)):
            _after_grading(session, attempt.user_id, answer.question_id, answer.id, answer.correct, now)
    session.flush()
    if attempt.assignment_id is not None:
        update_result(session, attempt.assignment_id, attempt.user_id)


def _after_grading(
    session: Session, user_id: int, question_id: int, answer_id: int, correct: bool, now: dt.datetime
) -> None:
    """Called exactly once for each graded answer when it becomes final: a practice answer when it is saved,
    an exam answer when its attempt closes. The answer feeds the learner's flashcards for that question
    (Good when fully right, Again otherwise) if their scheduler settings allow it; the answer's id makes
    recording it twice impossible."""
    question = session.get(Question, question_id)
    user = session.get(User, user_id)
    if question is not None and user is not None:
        record_quiz_outcome(session, user, question, correct, now, token=f"answer:{answer_id}")
