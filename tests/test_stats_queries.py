"""The statistics' read side against hand-computed values, on SQLite and PostgreSQL: cards due per learner day
across a change of clocks, today and the streak for the home page, the cards' rows (times as POSIX seconds,
tags joined), and the scopes a filter names."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from quizapp.domain import scheduling
from quizapp.domain import stats as s
from quizapp.extensions import db
from quizapp.models import Card, CardState, User
from quizapp.operations import activity
from quizapp.operations.cards import create_deck
from quizapp.queries import stats as queries

from . import stats_data

LONDON = scheduling.Settings(timezone="Europe/London", day_starts_at_hour=4)
NOW = dt.datetime(2026, 3, 28, 12, tzinfo=dt.UTC)  # the day before the clocks go forward in London
BOTH = ["app", pytest.param("pg_app", marks=pytest.mark.postgres)]


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture(params=BOTH)
def world(request):
    """A learner with a state for each of the topics bank's four cards, the last one retired."""
    app = request.getfixturevalue(request.param)
    app.config["STATS_NOW"] = NOW
    bank_id = stats_data.topics_bank(app)
    user_id = stats_data.learner(app, "amy", LONDON)
    with app.app_context():
        cards = db.session.scalars(select(Card).where(Card.bank_id == bank_id).order_by(Card.id)).all()
        dues = [
            utc(2026, 3, 20, 9),  # overdue: today
            utc(2026, 3, 29, 2, 59),  # 03:59 GMT on the 29th, before the day starts: still today
            utc(2026, 3, 29, 3, 0),  # 04:00 BST on the 29th: tomorrow, the day starting an hour early in UTC
            utc(2026, 3, 30, 12),  # retired below: not counted
        ]
        for card, due in zip(cards, dues, strict=True):
            last = due - dt.timedelta(days=10)
            db.session.add(
                CardState(
                    user_id=user_id,
                    card_id=card.id,
                    state=2,
                    step=None,
                    stability=10.0,
                    difficulty=4.5,
                    due=due,
                    last_review=last,
                    version=1,
                )
            )
        cards[3].retired_at = NOW
        ids = [c.id for c in cards]
        db.session.commit()
    with app.app_context():
        yield app, bank_id, user_id, ids
        db.session.rollback()


def test_cards_due_per_learner_day_across_a_change_of_clocks(world):
    app, bank_id, user_id, _cards = world
    with app.app_context():
        today = s.learner_date(NOW, LONDON.timezone, LONDON.day_starts_at_hour)
        assert queries.due_by_day(db.session, user_id, s.Scope(), today, LONDON) == {0: 2, 1: 1}
        assert queries.due_by_day(db.session, user_id, s.Scope(tag="myelin"), today, LONDON) == {0: 2}  # q1, q2
        assert queries.due_by_day(db.session, user_id, s.Scope(bank_id, ("trials",)), today, LONDON) == {1: 1}
        assert queries.due_by_day(db.session, user_id, s.Scope(bank_id=bank_id + 1), today, LONDON) == {}
        utc_day = scheduling.Settings(timezone="UTC", day_starts_at_hour=0)
        assert queries.due_by_day(db.session, user_id, s.Scope(), today, utc_day, days=2) == {0: 1, 1: 2}


def test_the_home_summary(world):
    app, bank_id, user_id, _cards = world
    with app.app_context():
        add = [  # today, yesterday and the day before; then a gap
            (dt.date(2026, 3, 28), bank_id, "|myelin|", s.Counts(reviews=4, again=1, review_ms=120_000)),
            (dt.date(2026, 3, 28), bank_id, "|trials|", s.Counts(answers=3, answers_right=2, answer_ms=60_000)),
            (dt.date(2026, 3, 27), bank_id, "|myelin|", s.Counts(reviews=1)),
            (dt.date(2026, 3, 26), bank_id, "|trials|", s.Counts(answers=1)),
            (dt.date(2026, 3, 24), bank_id, "|trials|", s.Counts(answers=1)),
            (dt.date(2026, 3, 25), bank_id, "|trials|", s.Counts()),  # a row whose grade was undone
        ]
        activity.add(db.session, user_id, add)
        db.session.commit()
        summary = queries.home_summary(db.session, user_id, LONDON, NOW)
        assert summary.today == s.Today(4, 1, 120_000, 3, 2, 60_000)
        assert (summary.today.minutes, summary.today.percent_right) == (3.0, pytest.approx(200 / 3))
        assert summary.streak == s.Streak(3, dt.date(2026, 3, 28), True)
        assert [d.due for d in summary.forecast.days[:3]] == [2, 1, 0] and len(summary.forecast.days) == 30
        tomorrow = queries.home_summary(db.session, user_id, LONDON, NOW + dt.timedelta(days=1))
        assert tomorrow.today.empty and tomorrow.streak == s.Streak(3, dt.date(2026, 3, 28), False)
        trials = queries.today_and_streak(db.session, user_id, s.Scope(tag="trials"), dt.date(2026, 3, 28))
        assert trials == (s.Today(0, 0, 0, 3, 2, 60_000), s.Streak(1, dt.date(2026, 3, 28), True))


def test_card_rows_give_times_as_posix_seconds_and_the_cards_tags(world):
    app, bank_id, user_id, cards = world
    with app.app_context():
        rows = {r.card_id: r for r in queries.card_rows(db.session, user_id, s.Scope())}
        first = rows[cards[0]]
        assert first.due == int(utc(2026, 3, 20, 9).timestamp())
        assert first.last_review == int(utc(2026, 3, 10, 9).timestamp()) and first.scheduled_days == 10
        assert sorted(first.tags) == ["cells", "myelin"] and first.live and first.bank_id == bank_id
        assert not rows[cards[3]].live and rows[cards[2]].tags == ("trials",)
        assert {r.card_id for r in queries.card_rows(db.session, user_id, s.Scope(tag="cells"))} == {cards[0]}
        decks = [s.Scope(bank_id)]
        assert queries.deck_cards(db.session, s.Scope(), decks) == 3  # live cards of the deck
        assert queries.seen_in_decks(list(rows.values()), decks) == 3
        assert queries.seen_in_decks(list(rows.values()), [s.Scope(bank_id, ("trials",))]) == 1


def test_a_filter_names_only_the_learners_own_choices(world):
    app, bank_id, user_id, _cards = world
    with app.app_context():
        user = db.session.get(User, user_id)
        deck = create_deck(db.session, user, bank_id, ["trials"], NOW)
        activity.add(db.session, user_id, [(dt.date(2026, 3, 28), bank_id, "|cells|myelin|", s.Counts(reviews=1))])
        db.session.commit()
        known = queries.choices(db.session, user_id)
        assert [d.title for d in known.decks] == ["MS topics: trials"]
        assert [b.slug for b in known.banks] == ["topics"] and known.tags == ("cells", "myelin", "trials")
        assert queries.scope_of(known, deck_id=deck.id) == s.Scope(bank_id, ("trials",))
        assert queries.scope_of(known, bank_slug="topics", tag="cells") == s.Scope(bank_id, (), "cells")
        assert queries.scope_of(known, deck_id=deck.id + 1) is None
        assert queries.scope_of(known, bank_slug="other") is None and queries.scope_of(known, tag="other") is None


def test_reviews_per_month_and_the_first_day(world):
    app, bank_id, user_id, _cards = world
    with app.app_context():
        add = [
            (dt.date(2026, 1, 15), bank_id, "|myelin|", s.Counts(reviews=2, learning=2)),
            (dt.date(2026, 1, 31), bank_id, "|trials|", s.Counts(reviews=1, young=1)),
            (dt.date(2026, 3, 1), bank_id, "|trials|", s.Counts(reviews=3, mature=2, relearning=1)),
            (dt.date(2026, 3, 29), bank_id, "|trials|", s.Counts(reviews=9, young=9)),  # after today: left out
        ]
        activity.add(db.session, user_id, add)
        months, first = queries.month_counts(db.session, user_id, s.Scope(), dt.date(2026, 3, 28))
        assert first == dt.date(2026, 1, 15)
        assert months == {
            dt.date(2026, 1, 15): s.Counts(learning=2, young=1),  # the first month, keyed by the first day
            dt.date(2026, 3, 1): s.Counts(mature=2, relearning=1),
        }
        trials, _first = queries.month_counts(db.session, user_id, s.Scope(tag="trials"), dt.date(2026, 3, 28))
        assert trials == {
            dt.date(2026, 1, 31): s.Counts(young=1),
            dt.date(2026, 3, 1): s.Counts(mature=2, relearning=1),
        }
        assert queries.month_counts(db.session, user_id + 1, s.Scope(), dt.date(2026, 3, 28)) == ({}, None)
