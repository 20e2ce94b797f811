"""Statistics against values worked out by hand on small fixtures: the learner's day (time zones, clocks
changing, the hour the day starts), what each review and answer counts as, and every panel."""

from __future__ import annotations

import datetime as dt

import fsrs
import pytest

from quizapp.domain import stats as s
from quizapp.domain.scheduling import Settings

UTC = dt.UTC
D = dt.date
DEFAULT = Settings().parameters


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def epoch(*args: int) -> int:
    return int(at(*args).timestamp())


# --- the learner's day ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "zone", "hour", "day"),
    [
        (at(2026, 3, 2, 3, 59), "UTC", 4, D(2026, 3, 1)),  # before the day starts at 04:00: still yesterday
        (at(2026, 3, 2, 4, 0), "UTC", 4, D(2026, 3, 2)),
        (at(2026, 3, 2, 0, 30), "UTC", 0, D(2026, 3, 2)),  # a day that starts at midnight
        (at(2026, 7, 1, 2, 30), "Europe/London", 4, D(2026, 6, 30)),  # 03:30 BST
        (at(2026, 7, 1, 3, 0), "Europe/London", 4, D(2026, 7, 1)),  # 04:00 BST
        (at(2026, 3, 2, 22, 29), "Asia/Kolkata", 4, D(2026, 3, 2)),  # 03:59 IST on the 3rd
        (at(2026, 3, 2, 22, 30), "Asia/Kolkata", 4, D(2026, 3, 3)),  # 04:00 IST
        (at(2026, 3, 2, 8, 59), "America/New_York", 4, D(2026, 3, 1)),  # 03:59 EST
        (at(2026, 3, 2, 9, 0), "America/New_York", 4, D(2026, 3, 2)),  # 04:00 EST
        (at(2026, 3, 2, 8, 59), "America/New_York", 3, D(2026, 3, 2)),  # a day that starts at 03:00
    ],
)
def test_learner_date(moment, zone, hour, day):
    assert s.learner_date(moment, zone, hour) == day


def test_the_day_the_clocks_go_forward_is_23_hours_long():
    # Europe/London, 2026-03-29: 01:00 GMT becomes 02:00 BST. The day of the 28th starts at 04:00 GMT (04:00
    # UTC) and the 29th at 04:00 BST (03:00 UTC).
    start_28, start_29 = (
        s.day_start(D(2026, 3, 28), "Europe/London", 4),
        s.day_start(D(2026, 3, 29), "Europe/London", 4),
    )
    assert (start_28, start_29) == (at(2026, 3, 28, 4), at(2026, 3, 29, 3))
    assert start_29 - start_28 == dt.timedelta(hours=23)
    assert s.learner_date(at(2026, 3, 29, 2, 59), "Europe/London", 4) == D(2026, 3, 28)
    assert s.learner_date(at(2026, 3, 29, 3, 0), "Europe/London", 4) == D(2026, 3, 29)


def test_the_day_the_clocks_go_back_is_25_hours_long():
    # 2026-10-25: 02:00 BST becomes 01:00 GMT. The 24th starts at 04:00 BST (03:00 UTC), the 25th at 04:00 GMT.
    start_24, start_25 = (
        s.day_start(D(2026, 10, 24), "Europe/London", 4),
        s.day_start(D(2026, 10, 25), "Europe/London", 4),
    )
    assert (start_24, start_25) == (at(2026, 10, 24, 3), at(2026, 10, 25, 4))
    assert start_25 - start_24 == dt.timedelta(hours=25)
    assert s.learner_date(at(2026, 10, 25, 3, 59), "Europe/London", 4) == D(2026, 10, 24)


def test_a_day_starting_in_an_hour_the_clocks_skip_starts_when_they_go_forward():
    # 01:00 GMT on 2026-03-29 never shows on a London clock: the day starts at the change, 01:00 UTC.
    assert s.day_start(D(2026, 3, 29), "Europe/London", 1) == at(2026, 3, 29, 1)
    assert s.learner_date(at(2026, 3, 29, 0, 59), "Europe/London", 1) == D(2026, 3, 28)
    assert s.learner_date(at(2026, 3, 29, 1, 0), "Europe/London", 1) == D(2026, 3, 29)


def test_a_day_starting_in_an_hour_that_happens_twice_starts_at_the_first():
    # 01:00 on 2026-10-25 happens twice in London (BST, then GMT): the day starts at the first, 00:00 UTC.
    assert s.day_start(D(2026, 10, 25), "Europe/London", 1) == at(2026, 10, 25, 0)
    assert s.learner_date(at(2026, 10, 24, 23, 59), "Europe/London", 1) == D(2026, 10, 24)
    assert s.learner_date(at(2026, 10, 25, 1, 30), "Europe/London", 1) == D(2026, 10, 25)  # the second 01:30


@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])
@pytest.mark.parametrize("hour", [0, 1, 2, 4, 23])
def test_every_day_starts_where_the_day_before_it_ends(zone, hour):
    day = D(2026, 1, 1)
    for _ in range(366):
        start = s.day_start(day, zone, hour)
        assert s.learner_date(start, zone, hour) == day
        assert s.learner_date(start - dt.timedelta(microseconds=1), zone, hour) == day - dt.timedelta(days=1)
        day += dt.timedelta(days=1)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        s.learner_date(dt.datetime(2026, 3, 2, 9, 30))


def test_forecast_bounds_are_the_ends_of_the_learners_days():
    bounds = s.forecast_bounds(D(2026, 3, 28), "Europe/London", 4, days=3)
    assert bounds == (at(2026, 3, 29, 3), at(2026, 3, 30, 3), at(2026, 3, 31, 3))
    assert s.due_day(int(at(2026, 3, 20).timestamp()), bounds) == 0  # overdue: today
    assert s.due_day(int(at(2026, 3, 29, 3).timestamp()), bounds) == 1
    assert s.due_day(int(at(2026, 3, 31, 3).timestamp()), bounds) is None


# --- tags and scopes --------------------------------------------------------------------------------------


def test_tag_keys():
    assert s.tag_key(["b", "a", "b"]) == "|a|b|"
    assert s.tag_key([]) == ""
    assert s.tags_of("|a|b|") == ("a", "b") and s.tags_of("") == ()
    assert len(s.tag_digest("|a|b|")) == 32 and s.tag_digest("|a|b|") != s.tag_digest("|a|")


def test_a_scope_keeps_a_bank_a_deck_and_a_tag():
    assert s.Scope().keeps(1, ()) and s.Scope().everything
    assert s.Scope(bank_id=1).keeps(1, ()) and not s.Scope(bank_id=1).keeps(2, ())
    deck = s.Scope(1, ("a", "b"))
    assert deck.keeps(1, ("b", "c")) and not deck.keeps(1, ("c",)) and not deck.keeps(2, ("a",))
    assert s.Scope(tag="c").keeps(5, ("c",)) and not s.Scope(tag="c").keeps(5, ("a",))
    assert s.Scope(1, ("a",), "c").keeps(1, ("a", "c")) and not s.Scope(1, ("a",), "c").keeps(1, ("a",))


# --- what a review or an answer counts as -----------------------------------------------------------------


def hours(**by_hour: int) -> tuple[int, ...]:
    values = [0] * 24
    for name, n in by_hour.items():
        values[int(name[1:])] = n
    return tuple(values)


def test_a_first_review_is_new_and_learning():
    fact = s.review_fact(at(2026, 3, 2, 9, 30), 3, s.NEW, None, 8000)
    assert s.review_counts(fact) == (
        D(2026, 3, 2),
        s.Counts(reviews=1, good=1, new=1, learning=1, review_ms=8000, hours=hours(h9=1)),
    )


def before(last: dt.datetime, due: dt.datetime, state: int = s.REVIEW) -> dict:
    return {"state": state, "step": None, "stability": 10.0, "difficulty": 5.0,
            "due": due.isoformat(), "last_review": last.isoformat()}  # fmt: skip


def test_a_young_review_failed_a_day_later():
    fact = s.review_fact(at(2026, 3, 2, 9, 30), 1, s.REVIEW, before(at(2026, 2, 20, 10), at(2026, 3, 2, 10)), 5000)
    assert fact.scheduled_days == 10
    assert s.review_counts(fact) == (
        D(2026, 3, 2),
        s.Counts(reviews=1, again=1, young=1, young_fail=1, review_ms=5000, hours=hours(h9=1)),
    )


def test_a_mature_review_is_one_at_an_interval_of_21_days_or_more():
    fact = s.review_fact(at(2026, 3, 2, 9, 30), 4, s.REVIEW, before(at(2026, 2, 9, 9), at(2026, 3, 2, 9)), None)
    assert fact.scheduled_days == 21
    assert s.review_counts(fact)[1] == s.Counts(reviews=1, easy=1, mature=1, mature_pass=1, hours=hours(h9=1))


def test_a_review_on_the_same_learner_day_as_the_one_before_is_not_in_true_retention():
    last = at(2026, 3, 2, 9, 20)
    fact = s.review_fact(at(2026, 3, 2, 9, 30), 3, s.LEARNING, before(last, last + dt.timedelta(minutes=10), 1), 0)
    assert s.review_counts(fact)[1] == s.Counts(reviews=1, good=1, learning=1, hours=hours(h9=1))


def test_two_hours_apart_across_the_day_start_is_a_day_later():
    # 03:00 UTC is the day of March 1st (it starts at 04:00), 05:00 the day of the 2nd.
    last = at(2026, 3, 2, 3)
    fact = s.review_fact(at(2026, 3, 2, 5), 2, s.LEARNING, before(last, last + dt.timedelta(minutes=10), 1), 1000)
    day, counts = s.review_counts(fact)
    assert day == D(2026, 3, 2)
    assert counts == s.Counts(reviews=1, hard=1, learning=1, young_pass=1, review_ms=1000, hours=hours(h5=1))
    # With the day starting at 02:00 both are on the 2nd: no longer counted.
    assert s.review_counts(fact, "UTC", 2)[1].young_pass == 0


def test_relearning_and_the_hour_in_the_learners_time_zone():
    last = at(2026, 6, 20, 12)
    fact = s.review_fact(at(2026, 7, 1, 2, 30), 3, s.RELEARNING, before(last, last + dt.timedelta(minutes=10), 3), 0)
    day, counts = s.review_counts(fact, "Europe/London", 4)
    assert day == D(2026, 6, 30)  # 03:30 BST, before the day starts at 04:00
    assert counts == s.Counts(reviews=1, good=1, relearning=1, young_pass=1, hours=hours(h3=1))


def test_an_answer_counts_on_the_learners_day():
    assert s.answer_counts(at(2026, 3, 2, 22, 45), True, 12000, "Asia/Kolkata", 4) == (
        D(2026, 3, 3),  # 04:15 IST on the 3rd
        s.Counts(answers=1, answers_right=1, answer_ms=12000),
    )
    assert s.answer_counts(at(2026, 3, 2, 9), False, None)[1] == s.Counts(answers=1)


def test_counts_add_subtract_and_map_to_columns():
    a = s.Counts(reviews=2, good=2, hours=hours(h9=2))
    b = s.Counts(reviews=1, again=1, answers=3, hours=hours(h9=1, h23=1))
    assert a + b == s.Counts(reviews=3, again=1, good=2, answers=3, hours=hours(h9=3, h23=1))
    assert a + b + -b == a and not (a + -a)
    assert s.Counts.from_columns(b.columns()) == b
    assert b.columns()["hour_23"] == 1 and b.activity == 4
    assert s.Counts.from_columns(dict.fromkeys(s.COLUMN_FIELDS)) == s.EMPTY  # sums over no rows
    assert s.total([a, b, a]) == a + a + b


# --- today, the streak, the calendar ----------------------------------------------------------------------

TODAY = D(2026, 3, 2)


def day(n: int) -> D:
    return TODAY - dt.timedelta(days=n)


def test_today():
    days = {TODAY: s.Counts(reviews=8, again=2, review_ms=150_000, answers=4, answers_right=3, answer_ms=90_000)}
    today = s.today_panel(days, TODAY)
    assert (today.reviews, today.again, today.percent_correct) == (8, 2, 75.0)
    assert (today.answers, today.percent_right) == (4, 75.0)
    assert (today.review_minutes, today.answer_minutes, today.minutes) == (2.5, 1.5, 4.0)
    empty = s.today_panel({day(1): s.Counts(reviews=1)}, TODAY)
    assert empty.empty and empty.percent_correct is None and empty.percent_right is None


def test_the_streak_ends_today_or_yesterday():
    assert s.streak({TODAY, day(1), day(2), day(4)}, TODAY) == s.Streak(3, TODAY, True)
    assert s.streak({day(1), day(2)}, TODAY) == s.Streak(2, day(1), False)  # today not over yet
    assert s.streak({day(2), day(3)}, TODAY) == s.Streak(0, None, False)  # yesterday missed
    assert s.streak({TODAY}, TODAY) == s.Streak(1, TODAY, True)
    assert s.streak(set(), TODAY) == s.Streak(0, None, False)


def test_the_calendar_counts_reviews_and_answers_for_365_days():
    days = {TODAY: s.Counts(reviews=3, answers=2), day(1): s.Counts(answers=1), day(364): s.Counts(reviews=7)}
    days[day(365)] = s.Counts(reviews=50)  # a year and a day ago: not shown
    cal = s.calendar(days, TODAY)
    assert len(cal.days) == 365 and cal.days[0].day == day(364) and cal.days[-1].day == TODAY
    assert (cal.days[-1].reviews, cal.days[-1].answers, cal.days[-1].total) == (3, 2, 5)
    assert (cal.total, cal.active_days) == (13, 3)
    assert cal.busiest == s.CalendarDay(day(364), 7, 0)
    assert cal.streak == s.Streak(2, TODAY, True)
    assert s.calendar({}, TODAY).empty and s.calendar({}, TODAY).busiest is None
    assert s.calendar(days, TODAY, s.Streak(400, TODAY, True)).streak.days == 400  # found further back


# --- reviews per day, retention, buttons, hours -----------------------------------------------------------


def test_reviews_per_day_for_a_month():
    days = {TODAY: s.Counts(learning=1, young=2), day(29): s.Counts(mature=4), day(30): s.Counts(mature=9)}
    start = s.period_start(s.Period.MONTH, TODAY, None)
    assert start == day(29)
    bins = s.reviews_by_state(days, s.Period.MONTH, start, TODAY)
    assert len(bins) == 30 and all(b.start == b.end for b in bins)
    assert bins[0] == s.StateBin(day(29), day(29), mature=4)
    assert bins[-1] == s.StateBin(TODAY, TODAY, learning=1, young=2) and bins[-1].total == 3


def test_reviews_per_week_for_a_year_end_today():
    days = {
        TODAY: s.Counts(young=1),
        day(6): s.Counts(young=2),
        day(7): s.Counts(relearning=5),
        day(364): s.Counts(mature=1),
    }
    start = s.period_start(s.Period.YEAR, TODAY, None)
    bins = s.reviews_by_state(days, s.Period.YEAR, start, TODAY)
    assert len(bins) == 53  # 52 weeks and the year's first day
    assert bins[-1] == s.StateBin(day(6), TODAY, young=3)
    assert bins[-2] == s.StateBin(day(13), day(7), relearning=5)
    assert bins[0] == s.StateBin(day(364), day(364), mature=1)


def test_reviews_per_month_for_all_time():
    days = {D(2026, 1, 15): s.Counts(learning=2), D(2026, 2, 28): s.Counts(young=1), TODAY: s.Counts(young=4)}
    start = s.period_start(s.Period.ALL, TODAY, min(days))
    bins = s.reviews_by_state(days, s.Period.ALL, start, TODAY)
    assert bins == (
        s.StateBin(D(2026, 1, 15), D(2026, 1, 31), learning=2),
        s.StateBin(D(2026, 2, 1), D(2026, 2, 28), young=1),
        s.StateBin(D(2026, 3, 1), TODAY, young=4),
    )
    assert s.period_start(s.Period.ALL, TODAY, None) == TODAY
    december = s.reviews_by_state({}, s.Period.ALL, D(2025, 12, 30), D(2026, 1, 2))
    assert [(b.start, b.end) for b in december] == [(D(2025, 12, 30), D(2025, 12, 31)), (D(2026, 1, 1), D(2026, 1, 2))]


def test_true_retention_by_period_young_and_mature_apart():
    days = {
        TODAY: s.Counts(young_pass=3, young_fail=1),
        day(1): s.Counts(mature_pass=9, mature_fail=1),
        day(6): s.Counts(young_pass=1),
        day(7): s.Counts(young_fail=4),  # eight days ago: not in the last 7
        day(200): s.Counts(mature_pass=10),
    }
    all_time = s.total(days.values()) + s.Counts(mature_fail=10)  # older than a year
    table = s.true_retention(days, all_time, TODAY, 0.9)
    rows = {r.label: r for r in table.rows}
    assert list(rows) == ["Today", "Yesterday", "Last 7 days", "Last 30 days", "Last 365 days", "All time"]
    assert (rows["Today"].young_rate, rows["Today"].mature_rate, rows["Today"].rate) == (75.0, None, 75.0)
    assert (rows["Yesterday"].mature_rate, rows["Yesterday"].reviews) == (90.0, 10)
    assert (rows["Last 7 days"].young, rows["Last 7 days"].young_rate) == (5, 80.0)
    assert (rows["Last 30 days"].young_pass, rows["Last 30 days"].young_fail) == (4, 5)
    assert rows["Last 365 days"].mature_rate == pytest.approx(100 * 19 / 20)
    assert rows["All time"].mature_rate == pytest.approx(100 * 19 / 30)
    assert table.desired == 0.9 and not table.empty
    assert s.true_retention({}, s.EMPTY, TODAY, 0.9).empty


def test_answer_buttons_and_hours():
    c = s.Counts(reviews=10, again=1, hard=2, good=5, easy=2, hours=hours(h8=6, h21=4))
    buttons = s.answer_buttons(c)
    assert buttons.rows == (("Again", 1, 10.0), ("Hard", 2, 20.0), ("Good", 5, 50.0), ("Easy", 2, 20.0))
    assert buttons.percent_correct == 90.0
    assert s.reviews_by_hour(c)[8] == 6 and sum(s.reviews_by_hour(c)) == 10
    assert s.answer_buttons(s.EMPTY).percent_correct is None


def test_period_total_counts_the_days_in_the_period():
    days = {TODAY: s.Counts(good=1), day(29): s.Counts(good=2), day(30): s.Counts(good=4)}
    assert s.period_total(days, day(29), TODAY).good == 3


# --- cards --------------------------------------------------------------------------------------------------

NOW = epoch(2026, 3, 2, 9, 30)


def card(card_id: int, state: int, interval: float, stability: float | None, elapsed: float, **kw) -> s.CardRow:
    last = NOW - int(elapsed * 86400)
    return s.CardRow(card_id, kw.pop("bank_id", 1), state, stability, kw.pop("difficulty", 5.0),
                     last + int(interval * 86400), last, kw.pop("live", True), kw.pop("tags", ()))  # fmt: skip


def test_retrievability_is_py_fsrs_s_with_the_learners_parameters():
    assert s.retrievability(10, 10, DEFAULT) == pytest.approx(0.9)  # after S days, R is 0.9 by definition
    assert s.retrievability(10, 0, DEFAULT) == 1.0 and s.retrievability(None, 5, DEFAULT) == 0.0
    parameters = (*DEFAULT[:20], 0.5)  # a learner whose curve decays faster (w20 = 0.5)
    for t in (1, 3, 10, 40):
        last = at(2026, 1, 1)
        theirs = fsrs.Scheduler(parameters=parameters).get_card_retrievability(
            fsrs.Card(card_id=1, state=fsrs.State.Review, stability=7.0, difficulty=5.0, due=last, last_review=last),
            last + dt.timedelta(days=t, hours=5),
        )
        assert s.retrievability(7.0, t, parameters) == pytest.approx(theirs)
    # w20 = 0.5: decay -0.5, factor 0.9^-2 - 1 = 19/81; after 19 days at S = 19: (1 + 19/81) ** -0.5 = 0.9
    assert s.retrievability(19, 19, parameters) == pytest.approx(0.9)
    assert s.retrievability(81, 81 * 4, parameters) == pytest.approx((1 + 4 * 19 / 81) ** -0.5)


def test_card_states():
    cards = [
        card(1, s.LEARNING, 10 / 1440, 1.0, 0),
        card(2, s.REVIEW, 20.9, 20.0, 3),  # young: under 21 days
        card(3, s.REVIEW, 21, 25.0, 3),  # mature
        card(4, s.RELEARNING, 10 / 1440, 2.0, 0),
        card(5, s.REVIEW, 40, 40.0, 1, live=False),  # retired
    ]
    counts = s.card_states(cards, unseen=7)
    assert counts == s.StateCounts(new=7, learning=1, young=1, mature=1, relearning=1, retired=1)
    assert counts.total == 12 and counts.rows[0] == ("New", 7)


def test_memory_histograms_knowledge_and_load():
    cards = [
        card(1, s.REVIEW, 10, 10.0, 10, difficulty=2.5),  # R = 0.9 (t = S)
        card(2, s.REVIEW, 30, 30.0, 0, difficulty=9.9),  # R = 1, reviewed just now
        card(3, s.LEARNING, 10 / 1440, 1.5, 0, difficulty=1.0),  # R = 1
        card(4, s.REVIEW, 400, 400.0, 0, live=False),  # retired: left out
    ]
    m = s.memory(cards, NOW, DEFAULT)
    assert m.cards == 3 and m.knowledge == pytest.approx(2.9)
    assert m.load == pytest.approx(1 / 10 + 1 / 30 + 1)  # a learning card counts as 1 a day
    assert [(b.label, b.count) for b in m.intervals.bins if b.count] == [("1 to 2 weeks", 1), ("1 to 3 months", 1)]
    assert m.intervals.mean == 20.0
    assert [(b.label, b.count) for b in m.stability.bins if b.count] == [
        ("1 day", 1),
        ("1 to 2 weeks", 1),
        ("1 to 3 months", 1),
    ]
    assert [(b.label, b.count) for b in m.difficulty.bins if b.count] == [("1 to 2", 1), ("2 to 3", 1), ("9 to 10", 1)]
    assert [(b.label, b.count) for b in m.retrievability.bins if b.count] == [("90 to 95%", 1), ("95 to 100%", 2)]
    assert m.retrievability.mean == pytest.approx(2.9 / 3)
    assert s.memory([], NOW, DEFAULT).empty


def test_histogram_edges():
    h = s.histogram([0.2, 1, 1.99, 2, 800, 5000], s.DAY_BINS)
    counts = {b.label: b.count for b in h.bins}
    assert counts["under 1 day"] == 1 and counts["1 day"] == 2 and counts["2 days"] == 1
    assert counts["2 years or more"] == 2 and h.bins[-1].high is None and h.bins[0].high == 1
    assert h.total == 6 and not h.empty and s.histogram([], s.DAY_BINS).mean is None


def test_the_forecast_fills_the_days_without_cards():
    f = s.forecast({0: 3, 2: 5}, TODAY, days=4)
    assert [(d.day, d.due) for d in f.days] == [(TODAY, 3), (D(2026, 3, 3), 0), (D(2026, 3, 4), 5), (D(2026, 3, 5), 0)]
    assert (f.total, f.tomorrow, f.average) == (8, 0, 2.0)
    assert s.forecast({}, TODAY).empty and len(s.forecast({}, TODAY).days) == 30


# --- mastery by tag ---------------------------------------------------------------------------------------


def test_mastery_by_tag():
    cards = [
        card(1, s.REVIEW, 10, 10.0, 10, tags=("myelin", "cells")),  # R = 0.9
        card(2, s.REVIEW, 10, 10.0, 40, tags=("myelin",)),  # R below 0.9
        card(3, s.REVIEW, 10, 10.0, 0, tags=("cells",), live=False),  # retired: no R counted
    ]
    evidence = {
        "|cells|myelin|": s.Counts(reviews=2, answers=2, answers_right=1),
        "|myelin|": s.Counts(reviews=1),
        "|trials|": s.Counts(answers=4, answers_right=3),
    }
    rows = {m.tag: m for m in s.mastery(cards, evidence, NOW, DEFAULT)}
    assert list(rows) == ["cells", "myelin", "trials"]
    r2 = s.retrievability(10, 40, DEFAULT)
    myelin = rows["myelin"]
    assert (myelin.cards, myelin.reviews, myelin.answers, myelin.evidence) == (2, 3, 2, 5)
    assert myelin.mean_recall == pytest.approx((0.9 + r2) / 2) and myelin.well_known == 0.5
    assert myelin.quiz_accuracy == 50.0 and myelin.enough  # 5 reviews and answers: enough
    cells = rows["cells"]
    assert (cells.cards, cells.mean_recall, cells.well_known, cells.evidence, cells.enough) == (
        1,
        pytest.approx(0.9),
        1.0,
        4,
        False,
    )
    trials = rows["trials"]
    assert (trials.cards, trials.mean_recall, trials.quiz_accuracy, trials.enough) == (0, None, 75.0, False)
    assert [m.tag for m in s.mastery(cards, evidence, NOW, DEFAULT, only=["cells"])] == ["cells"]


# --- quiz scores ------------------------------------------------------------------------------------------


def test_attempt_parts_split_the_score_by_bank_and_tags():
    parts = s.attempt_parts(
        [
            s.PartQuestion(1, ("a",), 1.0, 1.0, True),
            s.PartQuestion(1, ("a",), 2.0, 0.5, False),
            s.PartQuestion(1, ("a",), 1.0, None),  # unanswered
            s.PartQuestion(2, ("b", "a"), 1.0, 1.0, True),
        ]
    )
    assert parts == (s.Part(1, "|a|", 1.5, 4.0, 3, 1), s.Part(2, "|a|b|", 1.0, 1.0, 1, 1))


def test_quiz_scores_practice_and_exam_apart_on_the_learners_day():
    attempts = [
        s.AttemptScore(3, "Exam", "exam", at(2026, 3, 2, 3, 30), 3.0, 4.0),  # the day of March 1st
        s.AttemptScore(1, "Practice", "practice", at(2026, 2, 1, 12), 1.0, 2.0),
        s.AttemptScore(2, "Practice", "practice", at(2026, 2, 3, 12), 2.0, 2.0),
        s.AttemptScore(4, "Nothing to score", "practice", at(2026, 2, 4, 12), 0.0, 0.0),
    ]
    scores = s.quiz_scores(attempts)
    assert [(p.attempt_id, p.percent) for p in scores.practice] == [(1, 50.0), (2, 100.0)]
    assert [(p.attempt_id, p.day, p.percent) for p in scores.exam] == [(3, D(2026, 3, 1), 75.0)]
    assert s.QuizScores.mean(scores.practice) == 75.0 and s.QuizScores.mean(()) is None
    assert s.quiz_scores([]).empty


def test_a_tally_adds_up_what_each_review_and_answer_counts():
    facts = [
        s.review_fact(at(2026, 3, 2, 9, 30), 3, s.NEW, None, 8000),
        s.review_fact(at(2026, 3, 2, 9, 30), 1, s.REVIEW, before(at(2026, 2, 20, 10), at(2026, 3, 2, 10)), 5000),
        s.review_fact(at(2026, 3, 3, 2, 0), 4, s.REVIEW, before(at(2026, 2, 9, 9), at(2026, 3, 2, 9)), None),
    ]
    tally, expected = s.Tally(), {}
    for fact in facts:
        day, columns = s.review_columns(fact)
        tally.add((day, "cards"), columns)
        expected[(day, "cards")] = expected.get((day, "cards"), s.EMPTY) + s.review_counts(fact)[1]
    day, columns = s.answer_columns(at(2026, 3, 2, 12), True, 3000)
    tally.add((day, "quiz"), columns)
    expected[(day, "quiz")] = s.answer_counts(at(2026, 3, 2, 12), True, 3000)[1]
    assert tally.counts() == expected
    assert expected[(D(2026, 3, 2), "cards")].reviews == 3  # 02:00 on the 3rd is still the 2nd's learner day
