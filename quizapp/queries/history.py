"""A learner's history with questions: for a results page (every question of an attempt) or a card's back
(one card), in two statements whatever the number of questions: the learner's final quiz answers to them,
and their cards with the learner's state of each and its newest grades. Each reads only the newest
:data:`~quizapp.domain.history.SHOWN` rows per question (or per card), counting the rest with a window
function, so a long history costs no more to show than a short one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import fsrs
from sqlalchemy import Select, and_, bindparam, func, null, or_, select
from sqlalchemy.orm import Session

from ..domain import history, scheduling
from ..domain.quizzes import AttemptMode, AttemptStatus
from ..domain.revlog import ReviewSource
from ..models import Answer, Attempt, Card, CardState, QuestionRevision, Review

SHOWN = history.SHOWN


def _attempt_questions() -> Select:
    """The questions of an attempt's pinned revisions (parameter ``revision_ids``)."""
    pinned = QuestionRevision.id.in_(bindparam("revision_ids", expanding=True))
    return select(QuestionRevision.question_id).where(pinned)


@lru_cache(maxsize=2)
def _answers_statement(of_attempt: bool) -> Select:
    """The learner's newest final answers to the questions (an attempt's, or ``question_id``), with the
    wording each was given for and its attempt; ``total`` counts them all."""
    if of_attempt:
        questions = Answer.question_id.in_(_attempt_questions())
    else:
        questions = Answer.question_id == bindparam("question_id")
    ranked = (
        select(
            Answer.id,
            Answer.question_id,
            Answer.answered_at,
            Answer.points,
            Answer.max_points,
            Answer.correct,
            Answer.response,
            Answer.question_revision_id,
            Answer.attempt_id,
            func.row_number()
            .over(partition_by=Answer.question_id, order_by=(Answer.answered_at.desc(), Answer.id.desc()))
            .label("rank"),
            func.count().over(partition_by=Answer.question_id).label("total"),
        )
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(
            Answer.user_id == bindparam("user_id"),
            questions,
            # An exam's answers may still change until it is submitted; a practice answer is final at once.
            or_(Attempt.mode == AttemptMode.PRACTICE, Attempt.status != AttemptStatus.IN_PROGRESS),
        )
        .subquery()
    )
    return (
        select(
            ranked.c.question_id,
            ranked.c.answered_at,
            ranked.c.points,
            ranked.c.max_points,
            ranked.c.correct,
            ranked.c.response,
            QuestionRevision.data,
            ranked.c.attempt_id,
            Attempt.title,
            Attempt.mode,
            ranked.c.total,
        )
        .join(QuestionRevision, QuestionRevision.id == ranked.c.question_revision_id)
        .join(Attempt, Attempt.id == ranked.c.attempt_id)
        .where(ranked.c.rank <= SHOWN)
        .order_by(ranked.c.question_id, ranked.c.rank)
    )


@lru_cache(maxsize=2)
def _cards_statement(of_attempt: bool) -> Select:
    """The cards of the questions (an attempt's, or only ``card_id``), each with the learner's state and its
    newest grades given while studying or imported (one row per grade; one row with none when there are
    none). For an attempt the rows start from its pinned revisions, so each names the revision it is for."""
    cards = Card.question_id.in_(_attempt_questions()) if of_attempt else Card.id == bindparam("card_id")
    ranked = (
        select(
            Review.card_id,
            Review.rating,
            Review.reviewed_at,
            Review.source,
            func.row_number()
            .over(partition_by=Review.card_id, order_by=(Review.reviewed_at.desc(), Review.id.desc()))
            .label("rank"),
            func.count().over(partition_by=Review.card_id).label("total"),
        )
        .where(
            Review.user_id == bindparam("user_id"),
            Review.source != ReviewSource.QUIZ.value,  # the quiz answers themselves are listed
            Review.card_id.in_(select(Card.id).where(cards)),
        )
        .subquery()
    )
    columns = (
        Card.question_id,
        Card.id,
        Card.gap,
        Card.retired_at,
        CardState.state,
        CardState.step,
        CardState.stability,
        CardState.difficulty,
        CardState.due,
        CardState.last_review,
        ranked.c.rating,
        ranked.c.reviewed_at,
        ranked.c.source,
        ranked.c.total,
    )
    if of_attempt:
        query = (
            select(QuestionRevision.id, *columns)
            .select_from(QuestionRevision)
            .outerjoin(Card, Card.question_id == QuestionRevision.question_id)
            .where(QuestionRevision.id.in_(bindparam("revision_ids", expanding=True)))
        )
    else:
        query = select(null(), *columns).select_from(Card).where(Card.id == bindparam("card_id"))
    return query.outerjoin(
        CardState, and_(CardState.card_id == Card.id, CardState.user_id == bindparam("user_id"))
    ).outerjoin(ranked, and_(ranked.c.card_id == Card.id, ranked.c.rank <= SHOWN))


@dataclass(frozen=True)
class Read:
    """What the two statements gave, as the domain's rows, and which question each pinned revision asks."""

    answers: list[history.AnsweredRow]
    reviews: list[history.ReviewedRow]
    cards: list[history.CardRow]
    question_of: dict[int, int]  # revision id → question id (for an attempt)


def _read(session: Session, of_attempt: bool, answer_parameters: dict, card_parameters: dict) -> Read:
    answers = [history.AnsweredRow(*row) for row in session.execute(_answers_statement(of_attempt), answer_parameters)]
    reviews, cards, question_of = [], {}, {}
    for row in session.execute(_cards_statement(of_attempt), card_parameters):
        revision_id, question_id, card_id = row[0], row[1], row[2]
        if revision_id is not None and question_id is not None:
            question_of[revision_id] = question_id
        if card_id is None:
            continue
        if card_id not in cards:
            cards[card_id] = history.CardRow(question_id, card_id, row[3], row[4] is None, _card(card_id, row))
        if row[11] is not None:
            reviews.append(history.ReviewedRow(question_id, card_id, row[3], row[11], row[12], row[13], row[14]))
    return Read(answers, reviews, list(cards.values()), question_of)


def _card(card_id: int, row) -> fsrs.Card | None:
    state, step, stability, difficulty, due, last_review = row[5:11]
    if state is None:
        return None
    return fsrs.Card(
        card_id=card_id,
        state=fsrs.State(state),
        step=step,
        stability=stability,
        difficulty=difficulty,
        due=due,
        last_review=last_review,
    )


def attempt_histories(
    session: Session,
    user_id: int,
    revision_ids: Sequence[int],
    settings: scheduling.Settings,
    now: dt.datetime,
) -> list[history.QuestionHistory]:
    """The learner's history with each question of an attempt (given by its pinned revisions), in order."""
    if not revision_ids:
        return []
    parameters = {"user_id": user_id, "revision_ids": list(revision_ids)}
    read = _read(session, True, parameters, parameters)
    found = history.histories(read.answers, read.reviews, read.cards, scheduling.make_scheduler(settings), now)
    return [found.get(read.question_of.get(rid, -1), history.EMPTY) for rid in revision_ids]


def card_history(
    session: Session, user_id: int, card: Card, settings: scheduling.Settings, now: dt.datetime
) -> history.QuestionHistory:
    """The learner's history with a card's question: their quiz answers to it and the card's own grades."""
    read = _read(
        session, False, {"user_id": user_id, "question_id": card.question_id}, {"user_id": user_id, "card_id": card.id}
    )
    found = history.histories(read.answers, read.reviews, read.cards, scheduling.make_scheduler(settings), now)
    return found.get(card.question_id, history.EMPTY)
