"""Scheduling: py-fsrs with pinned UTC datetimes, the learner's day, labels, settings and fitting."""

from __future__ import annotations

import datetime as dt

import fsrs
import pytest

from quizapp.domain import scheduling as s

from ..revlog_gen import TRUE_PARAMETERS, generate

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def test_review_matches_py_fsrs_with_fuzzing_off():
    settings = s.Settings(enable_fuzzing=False)
    ours = s.make_scheduler(settings)
    theirs = fsrs.Scheduler(enable_fuzzing=False)
    card_a, card_b = s.new_card(7, NOW), fsrs.Card(card_id=7, due=NOW)
    when = NOW
    for rating in (s.Rating.Good, s.Rating.Good, s.Rating.Again, s.Rating.Good, s.Rating.Easy, s.Rating.Hard):
        card_a, log_a = s.review(ours, card_a, rating, when, duration_ms=5000)
        card_b, log_b = theirs.review_card(card_b, rating, review_datetime=when, review_duration=5000)
        assert card_a.to_dict() == card_b.to_dict()
        assert log_a.to_dict() == log_b.to_dict()
        when = card_a.due
    assert card_a.state == s.State.Review and card_a.stability > 1


def test_review_returns_a_new_card_and_leaves_the_old_one():
    scheduler = s.make_scheduler(s.Settings(enable_fuzzing=False))
    card = s.new_card(1, NOW)
    before = card.to_dict()
    s.review(scheduler, card, s.Rating.Good, NOW)
    assert card.to_dict() == before


def test_naive_or_non_utc_datetimes_are_refused():
    scheduler = s.make_scheduler(s.Settings())
    with pytest.raises(ValueError, match="UTC"):
        s.review(scheduler, s.new_card(1, NOW), s.Rating.Good, NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="UTC"):
        s.learner_day(NOW.astimezone(dt.timezone(dt.timedelta(hours=2))))


def test_rebuilding_from_the_log_gives_the_same_card():
    scheduler = s.make_scheduler(s.Settings(enable_fuzzing=False))
    card, logs, when = s.new_card(3, NOW), [], NOW
    for rating in (s.Rating.Good, s.Rating.Hard, s.Rating.Good, s.Rating.Again, s.Rating.Good):
        card, log = s.review(scheduler, card, rating, when)
        logs.append(log)
        when = card.due
    rebuilt = s.rebuild(scheduler, 3, logs, NOW)
    assert rebuilt.to_dict() == card.to_dict()
    assert s.rebuild(scheduler, 3, [], NOW).to_dict() == s.new_card(3, NOW).to_dict()


def test_preview_shows_each_buttons_interval_like_anki():
    scheduler = s.make_scheduler(s.Settings())
    labels = {s.RATING_NAMES[r]: s.interval_label(v) for r, v in s.preview(scheduler, s.new_card(1, NOW), NOW).items()}
    assert labels == {"Again": "1m", "Hard": "6m", "Good": "10m", "Easy": "8d"}


@pytest.mark.parametrize(
    ("delta", "label"),
    [
        (dt.timedelta(seconds=30), "<1m"),
        (dt.timedelta(minutes=10), "10m"),
        (dt.timedelta(hours=3), "3h"),
        (dt.timedelta(days=3), "3d"),
        (dt.timedelta(days=61), "2mo"),
        (dt.timedelta(days=45), "1.5mo"),
        (dt.timedelta(days=365 * 2), "2y"),
        (dt.timedelta(days=548), "1.5y"),
    ],
)
def test_interval_labels(delta, label):
    assert s.interval_label(delta) == label


@pytest.mark.parametrize(
    ("timezone", "now", "start", "end"),
    [
        # 04:00 local rollover in UTC: 03:59 still belongs to yesterday.
        ("UTC", "2026-03-02T03:59:00", "2026-03-01T04:00:00", "2026-03-02T04:00:00"),
        ("UTC", "2026-03-02T04:00:00", "2026-03-02T04:00:00", "2026-03-03T04:00:00"),
        # Tokyo is UTC+9: 04:00 JST is 19:00 UTC the day before.
        ("Asia/Tokyo", "2026-03-02T18:59:00", "2026-03-01T19:00:00", "2026-03-02T19:00:00"),
        ("Asia/Tokyo", "2026-03-02T19:00:00", "2026-03-02T19:00:00", "2026-03-03T19:00:00"),
        # New York: clocks go forward at 02:00 on 8 March 2026, so the day ending at 04:00 that
        # morning lasts 23 hours (04:00 EST = 09:00 UTC to 04:00 EDT = 08:00 UTC).
        ("America/New_York", "2026-03-07T12:00:00", "2026-03-07T09:00:00", "2026-03-08T08:00:00"),
        # London in summer time (UTC+1).
        ("Europe/London", "2026-07-01T02:59:00", "2026-06-30T03:00:00", "2026-07-01T03:00:00"),
    ],
)
def test_learner_day_in_several_time_zones(timezone, now, start, end):
    utc = dt.UTC
    day = s.learner_day(dt.datetime.fromisoformat(now).replace(tzinfo=utc), timezone, 4)
    assert day.start == dt.datetime.fromisoformat(start).replace(tzinfo=utc)
    assert day.end == dt.datetime.fromisoformat(end).replace(tzinfo=utc)


def test_settings_report_every_problem():
    with pytest.raises(s.SettingsError) as info:
        s.Settings(
            desired_retention=0.5,
            learning_steps_minutes=(10, 1),
            relearning_steps_minutes=(0,),
            maximum_interval_days=0,
            new_per_day=-1,
            reviews_per_day=10_000,
            day_starts_at_hour=24,
            timezone="Mars/Olympus",
            parameters=(1.0,),
        ).validated()
    assert info.value.problems == {
        "desired_retention": "must be between 0.70 and 0.97",
        "learning_steps_minutes": "steps must not get shorter",
        "relearning_steps_minutes": "give up to 10 steps, each from 1 to 1440 minutes",
        "maximum_interval_days": "must be between 1 and 36500 days",
        "new_per_day": "must be between 0 and 9999",
        "reviews_per_day": "must be between 0 and 9999",
        "day_starts_at_hour": "must be an hour from 0 to 23",
        "timezone": "'Mars/Olympus' is not a known time zone (e.g. Europe/London)",
        "parameters": "expected 21 parameters, got 1",
    }
    assert s.Settings(desired_retention=0.97).validated().desired_retention == 0.97


def test_parameters_outside_py_fsrs_bounds_are_caught_before_building_a_scheduler():
    bad = list(s.DEFAULT_PARAMETERS)
    bad[0] = 1000.0
    bad[20] = float("nan")
    problems = s.parameter_problems(bad)
    assert len(problems) == 2 and problems[0].startswith("parameter 0 = 1000.0 is outside")
    with pytest.raises(s.SettingsError):
        s.make_scheduler(s.Settings(parameters=tuple(bad)))


def test_optimiser_improves_log_loss_over_the_defaults_on_generated_data():
    reviews = generate(cards=300, days=240, seed=5)
    result = s.optimise(reviews, s.DEFAULT_PARAMETERS)
    assert result.log_loss_after < result.log_loss_before
    assert result.improved and s.parameter_problems(result.parameters) == []
    assert result.reviews == len(reviews) and result.days >= s.MIN_DAYS_TO_OPTIMISE
    settings = s.with_parameters(s.Settings(), result.parameters)
    s.make_scheduler(settings)  # builds: the fitted values are within py-fsrs's bounds
    # Fitting moved the decay towards the simulated learner's steeper forgetting curve.
    assert abs(result.parameters[20] - TRUE_PARAMETERS[20]) < abs(s.DEFAULT_PARAMETERS[20] - TRUE_PARAMETERS[20])


def test_optimiser_needs_enough_reviews_on_enough_days():
    few = generate(cards=5, days=20)
    assert not s.can_optimise(few)
    with pytest.raises(s.NotEnoughReviews, match="at least 400 reviews on 8 different days"):
        s.optimise(few, s.DEFAULT_PARAMETERS)
