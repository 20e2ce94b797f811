"""The summaries statistics read are kept up to date by the operations that write reviews and answers: grading
adds, undoing subtracts, quiz answers count once final, an imported log and a change of the learner's day
rebuild them, and whatever happened, they equal what a rebuild from the log gives — on SQLite and PostgreSQL,
and after the revision that counts what was there before it."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from quizapp.domain import scheduling
from quizapp.domain import stats as s
from quizapp.domain.revlog import LoggedReview
from quizapp.extensions import db
from quizapp.models import ActivityDay, ActivityTotal, AttemptPart, Card, Review, User
from quizapp.operations import activity
from quizapp.operations.cards import grade, import_reviews, save_settings, undo
from quizapp.operations.quizzes import CustomQuiz, finish_attempt, save_answer, start_attempt
from quizapp.queries.cards import settings_of

from . import stats_data
from .conftest import ROOT
from .stats_data import form_for

NOW = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
MIGRATIONS = str(ROOT / "migrations")


def summaries(user_id: int) -> tuple[dict, dict]:
    """The learner's day and all-time rows that count anything, by key."""
    days = {
        (row.day, row.bank_id, row.tags): s.Counts.from_columns(row.__dict__)
        for row in db.session.scalars(select(ActivityDay).where(ActivityDay.user_id == user_id))
    }
    totals = {
        (row.bank_id, row.tags): s.Counts.from_columns(row.__dict__)
        for row in db.session.scalars(select(ActivityTotal).where(ActivityTotal.user_id == user_id))
    }
    db.session.expire_all()
    return {k: v for k, v in days.items() if v}, {k: v for k, v in totals.items() if v}


def rebuilt(user_id: int) -> tuple[dict, dict]:
    activity.rebuild(db.session, user_id, settings_of(db.session, user_id))
    found = summaries(user_id)
    db.session.rollback()
    return found


@pytest.fixture
def world(app):
    app.config["STATS_NOW"] = NOW
    bank_id = stats_data.topics_bank(app)
    user_id = stats_data.learner(app, "amy")
    return app, bank_id, user_id


def cards_of(bank_id: int) -> list[Card]:
    return db.session.scalars(select(Card).where(Card.bank_id == bank_id).order_by(Card.id)).all()


def test_a_grade_is_counted_on_its_day_bank_and_tags(world):
    app, bank_id, user_id = world
    with app.app_context():
        user = db.session.get(User, user_id)
        first = cards_of(bank_id)[0]  # q1: myelin, cells
        grade(db.session, user, first, 3, NOW, token="t1", duration_ms=4000)
        db.session.commit()
        days, totals = summaries(user_id)
        counts = s.Counts(
            reviews=1, good=1, new=1, learning=1, review_ms=4000, hours=tuple(int(h == 12) for h in range(24))
        )
        assert days == {(NOW.date(), bank_id, "|cells|myelin|"): counts}
        assert totals == {(bank_id, "|cells|myelin|"): counts}


def test_undo_takes_the_grade_back_out(world):
    app, bank_id, user_id = world
    with app.app_context():
        user = db.session.get(User, user_id)
        card = cards_of(bank_id)[2]
        grade(db.session, user, card, 3, NOW - dt.timedelta(days=3), token="a")
        before = summaries(user_id)
        graded = grade(db.session, user, card, 1, NOW, token="b", duration_ms=9000)
        assert summaries(user_id) != before
        undo(db.session, user, graded.review)
        db.session.commit()
        assert summaries(user_id) == before
        assert summaries(user_id) == rebuilt(user_id)
        # The day of the undone grade had nothing else: no row is left for it (the streak reads rows as days).
        days = db.session.scalars(select(ActivityDay.day).where(ActivityDay.user_id == user_id)).all()
        assert days == [(NOW - dt.timedelta(days=3)).date()]


def test_a_quizs_reviews_are_not_counted_again_its_answers_are(world):
    app, _bank_id, user_id = world
    with app.app_context():
        user = db.session.get(User, user_id)
        attempt = start_attempt(db.session, user, CustomQuiz(["topics"], count=3, mode="practice"), NOW, seed=1)
        assert save_answer(db.session, user_id, attempt.id, 1, {}, NOW).changed
        db.session.commit()
        quiz_reviews = db.session.scalars(select(Review).where(Review.source == "quiz")).all()
        assert quiz_reviews  # the answer fed the learner's cards …
        days, _totals = summaries(user_id)
        (counted,) = days.values()
        assert (counted.answers, counted.reviews) == (1, 0)  # … but is counted once, as an answer


def test_exam_answers_count_when_the_exam_is_submitted(world):
    app, _bank_id, user_id = world
    with app.app_context():
        user = db.session.get(User, user_id)
        attempt = start_attempt(db.session, user, CustomQuiz(["topics"], count=3, mode="exam"), NOW, seed=2)
        for position in (1, 2):
            form = form_for(attempt, position)
            save_answer(db.session, user_id, attempt.id, position, form, NOW + dt.timedelta(minutes=position))
        db.session.commit()
        assert summaries(user_id) == ({}, {})  # nothing shows an exam's marks before it is submitted
        finish_attempt(db.session, attempt, NOW + dt.timedelta(minutes=5))
        db.session.commit()
        days, _totals = summaries(user_id)
        assert sum(c.answers for c in days.values()) == 2
        assert summaries(user_id) == rebuilt(user_id)
        parts = db.session.scalars(select(AttemptPart).where(AttemptPart.attempt_id == attempt.id)).all()
        assert sum(p.questions for p in parts) == 3 and sum(p.max_score for p in parts) == attempt.max_score
        assert sum(p.score for p in parts) == attempt.score


def test_a_practice_attempts_answers_can_be_taken_out_before_it_is_deleted(world):
    app, _bank_id, user_id = world
    with app.app_context():
        user = db.session.get(User, user_id)
        attempt = start_attempt(db.session, user, CustomQuiz(["topics"], count=3, mode="practice"), NOW, seed=3)
        save_answer(db.session, user_id, attempt.id, 1, {}, NOW)
        activity.forget_answers(db.session, attempt, settings_of(db.session, user_id))
        db.session.delete(attempt)
        db.session.commit()
        assert summaries(user_id) == ({}, {}) == rebuilt(user_id)


def test_changing_time_zone_moves_the_learners_days(world):
    app, bank_id, user_id = world
    with app.app_context():
        user = db.session.get(User, user_id)
        grade(db.session, user, cards_of(bank_id)[0], 3, dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC), token="x")
        db.session.commit()
        assert {day for day, _bank, _tags in summaries(user_id)[0]} == {dt.date(2026, 3, 1)}  # before 04:00 UTC
        save_settings(db.session, user, scheduling.Settings(timezone="Asia/Tokyo", enable_fuzzing=False), NOW)
        db.session.commit()
        days, _totals = summaries(user_id)
        assert {day for day, _bank, _tags in days} == {dt.date(2026, 3, 2)}  # 11:00 in Tokyo
        assert next(iter(days.values())).hours[11] == 1
        save_settings(db.session, user, scheduling.Settings(timezone="Asia/Tokyo", day_starts_at_hour=12), NOW)
        db.session.commit()
        assert {day for day, _bank, _tags in summaries(user_id)[0]} == {dt.date(2026, 3, 1)}  # before noon


def test_an_imported_log_is_counted(world):
    app, bank_id, user_id = world
    with app.app_context():
        user = db.session.get(User, user_id)
        card = cards_of(bank_id)[3]
        grade(db.session, user, card, 3, NOW - dt.timedelta(days=1), token="study")
        earlier = [LoggedReview(str(card.id), r, NOW - dt.timedelta(days=d), 3000) for d, r in ((9, 3), (5, 1))]
        import_reviews(db.session, user, earlier)
        db.session.commit()
        _days, totals = summaries(user_id)
        assert totals[(bank_id, "|trials|")].reviews == 3
        assert totals[(bank_id, "|trials|")].again == 1
        assert summaries(user_id) == rebuilt(user_id)


@pytest.mark.parametrize("app_fixture", ["app", pytest.param("pg_app", marks=pytest.mark.postgres)])
def test_kept_summaries_equal_a_rebuild_from_the_log(request, app_fixture):
    """Two months of grades, an Again undone, practice and exam quizzes: the summaries kept along the way are
    what the log gives."""
    app = request.getfixturevalue(app_fixture)
    app.config["STATS_NOW"] = NOW
    bank_id = stats_data.topics_bank(app)
    user_id = stats_data.learner(app, "amy", scheduling.Settings(timezone="Europe/London", enable_fuzzing=False))
    stats_data.seed_history(app, user_id, bank_id, NOW)
    with app.app_context():
        user = db.session.get(User, user_id)
        graded = grade(db.session, user, cards_of(bank_id)[3], 1, NOW, token="oops")
        undo(db.session, user, graded.review)
        db.session.commit()
        kept = summaries(user_id)
        assert sum(c.reviews for c in kept[1].values()) == sum(len(p) for p in stats_data.PLAN.values())
        assert sum(c.answers for c in kept[1].values()) == 9
        assert kept == rebuilt(user_id)


def part_rows() -> list[tuple]:
    names = ("attempt_id", "bank_id", "tags", "score", "max_score", "questions", "questions_right")
    return sorted(tuple(getattr(p, n) for n in names) for p in db.session.scalars(select(AttemptPart)))


def test_the_revision_counts_the_reviews_and_answers_that_were_there(world):
    app, bank_id, user_id = world
    stats_data.seed_history(app, user_id, bank_id, NOW)
    with app.app_context():
        kept, parts = summaries(user_id), part_rows()
        assert {p[0] for p in parts} == {1, 2, 3}  # three closed attempts
        db.session.rollback()
        downgrade(directory=MIGRATIONS, revision="85282d375d84")
        upgrade(directory=MIGRATIONS)
        assert summaries(user_id) == kept
        assert part_rows() == parts
