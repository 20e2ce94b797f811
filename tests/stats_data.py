"""A learner with some history, for the statistics page's tests, its browser test and its screenshots: a deck
studied over two months (grades given through the same operation the study page uses), practice and exam
quizzes finished, and a day off in the middle."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from quizapp.domain import scheduling
from quizapp.domain.banks import parse_bank
from quizapp.extensions import db, passwords
from quizapp.models import Bank, Card, Question, QuestionRevision, User
from quizapp.operations import create_user, import_bank
from quizapp.operations.cards import create_deck, grade, save_settings
from quizapp.operations.quizzes import CustomQuiz, finish_attempt, save_answer, start_attempt

from .conftest import PASSWORD, bank_yaml

TOPICS = """
  - id: q1
    type: single
    prompt: "Which cells make myelin in the central nervous system?"
    choices:
      - {id: a, text: "Oligodendrocytes", correct: true}
      - {id: b, text: "Astrocytes"}
    tags: [myelin, cells]
  - id: q2
    type: true_false
    prompt: "Myelin speeds up nerve conduction."
    answer: true
    tags: [myelin]
  - id: q3
    type: flashcard
    front: "What does a phase III trial test?"
    back: "Whether a treatment works better than the standard one, in many patients."
    tags: [trials]
  - id: q4
    type: single
    prompt: "Which phase of a trial first tests a drug in people?"
    choices:
      - {id: a, text: "Phase I", correct: true}
      - {id: b, text: "Phase III"}
    tags: [trials]
"""
RIGHT = {"q1": {"choice": "a"}, "q2": {"choice": "true"}, "q4": {"choice": "a"}}
WRONG = {"q1": {"choice": "b"}, "q2": {"choice": "false"}, "q4": {"choice": "b"}}
# Days before today on which each card is graded, and how (1 Again … 4 Easy); -1 hour marks "today".
PLAN = {
    0: [(60, 3), (58, 3), (50, 3), (25, 3), (3, 3), (0, 1)],
    1: [(60, 3), (58, 3), (50, 4), (25, 3), (1, 3), (0, 3)],
    2: [(40, 3), (39, 2), (30, 3), (1, 1), (0, 3)],
    3: [(2, 3), (1, 3)],
}


@dataclass(frozen=True)
class Seeded:
    user_id: int
    bank_id: int
    deck_id: int
    today_reviews: int  # grades given today
    today_again: int


def topics_bank(app: Flask) -> int:
    source = bank_yaml("topics", TOPICS, title='"MS topics"', tags="[myelin]").encode()
    with app.app_context():
        import_bank(db.session, parse_bank(source, "topics.yaml"), source, "topics.yaml", now_of(app))
        db.session.commit()
        return db.session.scalar(select(Bank.id).where(Bank.slug == "topics"))


def now_of(app: Flask) -> dt.datetime:
    return app.config.get("STATS_NOW") or dt.datetime.now(dt.UTC)


def learner(app: Flask, login: str, settings: scheduling.Settings | None = None) -> int:
    with app.app_context():
        user = create_user(db.session, login, PASSWORD, "learner", passwords=passwords(), now=now_of(app))
        save_settings(db.session, user, settings or scheduling.Settings(enable_fuzzing=False), now_of(app))
        db.session.commit()
        return user.id


def seed_history(app: Flask, user_id: int, bank_id: int, now: dt.datetime) -> Seeded:
    """Two months of study ending at ``now`` (today's grades an hour before it), and three finished quizzes."""
    with app.app_context():
        user = db.session.get(User, user_id)
        deck = create_deck(db.session, user, bank_id, [], now - dt.timedelta(days=61))
        cards = db.session.scalars(select(Card).where(Card.bank_id == bank_id).order_by(Card.id)).all()
        today = again = 0
        for index, plan in PLAN.items():
            for days, rating in plan:
                when = now - dt.timedelta(days=days, hours=1)
                grade(db.session, user, cards[index], rating, when, token=f"seed-{index}-{days}", duration_ms=6000)
                if days == 0:
                    today += 1
                    again += rating == 1
        keys = dict(db.session.execute(select(Question.id, Question.key).where(Question.bank_id == bank_id)).all())
        for days, mode, answers in (
            (20, "practice", (RIGHT, WRONG)),
            (5, "exam", (RIGHT, RIGHT)),
            (0, "practice", (RIGHT, RIGHT)),
        ):
            when = now - dt.timedelta(days=days, minutes=30)
            attempt = start_attempt(db.session, user, CustomQuiz(["topics"], count=3, mode=mode), when, seed=days)
            for position, revision_id in enumerate(attempt.question_revision_ids, start=1):
                key = keys[_question_of(revision_id)]
                form = answers[position % 2][key]
                save_answer(db.session, user.id, attempt.id, position, form, when + dt.timedelta(minutes=position))
            db.session.refresh(attempt)
            if attempt.in_progress:
                finish_attempt(db.session, attempt, when + dt.timedelta(minutes=5))
        db.session.commit()
        return Seeded(user_id, bank_id, deck.id, today, again)


def form_for(attempt, position: int, right: bool = True) -> dict:
    """The form of a right (or wrong) answer to question ``position`` of ``attempt`` (in an app context)."""
    key = db.session.scalar(
        select(Question.key)
        .join(QuestionRevision, QuestionRevision.question_id == Question.id)
        .where(QuestionRevision.id == attempt.question_revision_ids[position - 1])
    )
    return (RIGHT if right else WRONG)[key]


def _question_of(revision_id: int) -> int:
    return db.session.scalar(select(QuestionRevision.question_id).where(QuestionRevision.id == revision_id))
