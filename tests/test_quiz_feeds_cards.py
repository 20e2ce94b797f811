"""A quiz answer teaches the flashcard scheduler: wrong counts as Again and right as Good for the
question's cards, once per answer, and only if the learner's settings allow it."""

from __future__ import annotations

from sqlalchemy import select

from quizapp.domain import scheduling
from quizapp.extensions import db
from quizapp.models import Card, CardState, Question, Review, User, utcnow
from quizapp.operations.cards import save_settings

from .test_quizzes import RIGHT, WRONG, all_types, clock, keys, learner  # noqa: F401 - fixtures


def quiz_reviews(app, login: str) -> dict[str, list[int]]:
    """The learner's reviews from quizzes, as {question key: [ratings]}, in order."""
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == login)).one()
        rows = db.session.execute(
            select(Question.key, Review.rating)
            .join(Card, Card.id == Review.card_id)
            .join(Question, Question.id == Card.question_id)
            .where(Review.user_id == user.id, Review.source == "quiz")
            .order_by(Review.id)
        )
        found: dict[str, list[int]] = {}
        for key, rating in rows:
            found.setdefault(key, []).append(rating)
        return found


def test_practice_answers_feed_the_cards_as_they_are_saved(app, all_types, learner, clock):  # noqa: F811
    attempt = learner.build(mode="practice")
    order = keys(app, attempt)
    first, second = order[0], order[1]
    learner.answer(attempt, 1, WRONG[first])
    assert quiz_reviews(app, "amy") == {first: [1] * (2 if first == "cloze-1" else 1)}  # Again (a cloze: per gap)
    learner.answer(attempt, 2, RIGHT[second])
    reviews = quiz_reviews(app, "amy")
    assert reviews[second] == [3] * (2 if second == "cloze-1" else 1)  # Good
    learner.answer(attempt, 2, RIGHT[second])  # the same answer again: counted once
    assert quiz_reviews(app, "amy") == reviews
    with app.app_context():
        states = db.session.scalars(select(CardState)).all()
        assert states and all(s.due is not None for s in states)


def test_exam_answers_feed_the_cards_only_when_the_exam_is_submitted(app, all_types, learner, clock):  # noqa: F811
    attempt = learner.build(mode="exam")
    for position, key in enumerate(keys(app, attempt), 1):
        learner.answer(attempt, position, RIGHT[key] if key != "tf-1" else WRONG[key], go="next")
    assert quiz_reviews(app, "amy") == {}
    learner.post(f"/attempts/{attempt}/finish")
    reviews = quiz_reviews(app, "amy")
    assert reviews["tf-1"] == [1]
    assert reviews["single-1"] == [3]
    assert len(reviews) == 8


def test_the_learner_can_keep_quizzes_and_cards_apart(app, all_types, learner, clock):  # noqa: F811
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "amy")).one()
        save_settings(db.session, user, scheduling.Settings(quiz_answers_feed_scheduler=False), utcnow())
        db.session.commit()
    attempt = learner.build(mode="practice")
    learner.answer(attempt, 1, RIGHT[keys(app, attempt)[0]])
    assert quiz_reviews(app, "amy") == {}
