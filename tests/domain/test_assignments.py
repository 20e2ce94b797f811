"""Assignments' pure rules: join codes, terms and extensions, starting, deadlines, lateness, which attempt
counts, where a learner stands, feedback, totals and time zones."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from quizapp.domain.assignments import (
    JOIN_ALPHABET,
    BadTerms,
    Cell,
    Counting,
    Feedback,
    Grant,
    NoAttemptsLeft,
    NotOpenYet,
    PastDue,
    Standing,
    Taken,
    Terms,
    attempt_deadline,
    cell,
    check_grant,
    check_start,
    check_terms,
    counted,
    feedback_needs_exam,
    feedback_visible,
    for_learner,
    from_local,
    new_join_code,
    normalise_join_code,
    shown_join_code,
    shown_time,
    totals,
    valid_zone,
)

OPEN = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DUE = dt.datetime(2026, 3, 9, 17, 0, tzinfo=dt.UTC)
TERMS = Terms(OPEN, DUE, 2, False)
HOUR = dt.timedelta(hours=1)


def taken(i: int, status: str, started: dt.datetime, percent: float | None = None, minutes: int = 10) -> Taken:
    finished = started + dt.timedelta(minutes=minutes) if status != "in_progress" else None
    return Taken(i, status, started, finished, percent)


# --- join codes ---------------------------------------------------------------------------------------------


def test_a_join_code_has_eight_unambiguous_characters():
    counter = itertools.count()
    code = new_join_code(lambda n: next(counter) % n)
    assert code == JOIN_ALPHABET[:8]
    assert not set("01ILO") & set(JOIN_ALPHABET)


def test_a_join_code_is_read_in_any_case_with_or_without_hyphen_and_spaces():
    assert normalise_join_code(" abcd-ef23 ") == "ABCDEF23"
    assert normalise_join_code("ab cd ef 23") == "ABCDEF23"
    assert shown_join_code("ABCDEF23") == "ABCD-EF23"


@pytest.mark.parametrize("text", ["", "ABCDEF2", "ABCDEF234", "ABCDEFO3", "ABCDEF1Z", "ABCD=EF2", "ÀBCDEF23"])
def test_a_text_that_cannot_be_a_code_is_none(text):
    assert normalise_join_code(text) is None


# --- terms ---------------------------------------------------------------------------------------------------


def test_a_due_date_must_come_after_the_open_date():
    with pytest.raises(BadTerms, match="after the open date") as refused:
        check_terms(OPEN, OPEN, 1)
    assert refused.value.field == "due_at" and refused.value.status == 422
    with pytest.raises(BadTerms):
        check_terms(DUE, OPEN, 1)
    check_terms(OPEN, DUE, None)


@pytest.mark.parametrize("attempts", [0, -1, 101])
def test_attempts_allowed_are_between_one_and_a_hundred(attempts):
    with pytest.raises(BadTerms, match="attempts"):
        check_terms(OPEN, DUE, attempts)


def test_an_extension_must_grant_something_within_range():
    check_grant(TERMS, Grant(due_at=DUE + HOUR))
    for grant in (
        Grant(),
        Grant(due_at=DUE),
        Grant(due_at=DUE - HOUR),
        Grant(extra_minutes=-1),
        Grant(extra_minutes=24 * 60 + 1),
        Grant(extra_attempts=21),
    ):
        with pytest.raises(BadTerms):
            check_grant(TERMS, grant)


def test_an_extension_moves_the_due_date_and_adds_attempts_and_time():
    mine = for_learner(TERMS, Grant(due_at=DUE + 24 * HOUR, extra_minutes=15, extra_attempts=1))
    assert (mine.due_at, mine.attempts_allowed, mine.extra_minutes, mine.extended) == (DUE + 24 * HOUR, 3, 15, True)
    assert for_learner(TERMS, None).extended is False
    unlimited = Terms(OPEN, DUE, None, False)
    assert for_learner(unlimited, Grant(extra_attempts=2)).attempts_allowed is None


def test_starting_is_refused_before_opening_after_the_due_date_and_past_the_attempts():
    mine = for_learner(TERMS, None)
    with pytest.raises(NotOpenYet, match="opens on 2 March 2026, 10:00 CET"):
        check_start(mine, 0, OPEN - HOUR, "Europe/Paris")
    with pytest.raises(PastDue, match="late work is not accepted"):
        check_start(mine, 0, DUE + HOUR, "UTC")
    with pytest.raises(NoAttemptsLeft, match="your 2 attempts"):
        check_start(mine, 2, OPEN + HOUR, "UTC")
    check_start(mine, 1, OPEN, "UTC")
    check_start(mine, 1, DUE, "UTC")  # the due minute itself is on time
    check_start(for_learner(Terms(OPEN, DUE, 2, True), None), 0, DUE + HOUR, "UTC")  # late accepted
    check_start(for_learner(TERMS, Grant(due_at=DUE + 2 * HOUR)), 0, DUE + HOUR, "UTC")  # extended
    check_start(for_learner(TERMS, Grant(extra_attempts=1)), 2, OPEN, "UTC")


def test_an_attempt_closes_at_its_time_limit_or_the_due_date_whichever_is_first():
    mine = for_learner(TERMS, Grant(extra_minutes=10))
    assert attempt_deadline(mine, 30, OPEN) == (40, OPEN + dt.timedelta(minutes=40))
    assert attempt_deadline(mine, 30, DUE - dt.timedelta(minutes=5)) == (40, DUE)
    assert attempt_deadline(mine, None, OPEN) == (None, DUE)
    late = for_learner(Terms(OPEN, DUE, 2, True), None)
    assert attempt_deadline(late, None, OPEN) == (None, None)
    assert attempt_deadline(late, 20, DUE) == (20, DUE + dt.timedelta(minutes=20))


# --- which attempt counts ------------------------------------------------------------------------------------

ATTEMPTS = [
    taken(1, "finished", OPEN, 60.0),
    taken(2, "expired", OPEN + HOUR, 90.0),
    taken(3, "finished", OPEN + 2 * HOUR, 75.0),
    taken(4, "discarded", OPEN + 3 * HOUR),
    taken(5, "in_progress", OPEN + 4 * HOUR),
]


@pytest.mark.parametrize(
    ("counting", "expected"),
    [
        (Counting.HIGHEST, (90.0, 2)),
        (Counting.FIRST, (60.0, 1)),
        (Counting.LAST, (75.0, 3)),
        (Counting.AVERAGE, (75.0, 3)),
    ],
)
def test_the_attempt_that_counts(counting, expected):
    assert counted(counting, ATTEMPTS) == expected


def test_nothing_counts_without_a_graded_attempt():
    assert counted(Counting.HIGHEST, ATTEMPTS[3:]) == (None, None)


def test_equal_highest_scores_count_the_earlier_attempt():
    same = [taken(1, "finished", OPEN, 80.0), taken(2, "finished", OPEN + HOUR, 80.0)]
    assert counted(Counting.HIGHEST, same) == (80.0, 1)


# --- where a learner stands ----------------------------------------------------------------------------------


def test_standing():
    assert cell(TERMS, None, []) == Cell(Standing.NOT_STARTED, None, None, 0, False)
    assert cell(TERMS, None, [taken(1, "in_progress", OPEN)]).standing == Standing.IN_PROGRESS
    assert cell(TERMS, None, [taken(1, "discarded", OPEN)]).standing == Standing.NOT_STARTED
    on_time = cell(TERMS, None, [taken(1, "finished", DUE - HOUR, 50.0)])
    assert (on_time.standing, on_time.percent, on_time.attempt_id, on_time.attempts) == (Standing.SUBMITTED, 50.0, 1, 1)
    late = Terms(OPEN, DUE, None, True)
    assert cell(late, None, [taken(1, "finished", DUE, 50.0)]).standing == Standing.LATE
    # An extension's due date makes the same attempt on time.
    assert cell(late, Grant(due_at=DUE + HOUR), [taken(1, "finished", DUE, 50.0)]).standing == Standing.SUBMITTED
    # One attempt on time is enough, whatever came after.
    both = [taken(1, "finished", OPEN, 40.0), taken(2, "finished", DUE + HOUR, 90.0)]
    assert cell(late, None, both).standing == Standing.SUBMITTED
    excused = cell(TERMS, Grant(excused=True), [taken(1, "finished", OPEN, 40.0)])
    assert (excused.standing, excused.percent, excused.extended) == (Standing.EXCUSED, 40.0, True)


# --- feedback ------------------------------------------------------------------------------------------------


def test_feedback_is_shown_at_once_after_the_learners_own_due_date_or_never():
    mine = for_learner(TERMS, None)
    extended = for_learner(TERMS, Grant(due_at=DUE + 24 * HOUR))
    assert feedback_visible(Feedback.AT_ONCE, mine, OPEN)
    assert not feedback_visible(Feedback.AFTER_DUE, mine, DUE)
    assert feedback_visible(Feedback.AFTER_DUE, mine, DUE + HOUR)
    assert not feedback_visible(Feedback.AFTER_DUE, extended, DUE + HOUR)
    assert not feedback_visible(Feedback.NEVER, mine, DUE + 1000 * HOUR)


def test_only_an_exam_can_hold_feedback_back():
    assert feedback_needs_exam(Feedback.AFTER_DUE, "practice")
    assert feedback_needs_exam(Feedback.NEVER, "practice")
    assert not feedback_needs_exam(Feedback.AT_ONCE, "practice")
    assert not feedback_needs_exam(Feedback.NEVER, "exam")


# --- totals and time zones -----------------------------------------------------------------------------------


def test_totals_by_hand():
    t = totals([50.0, None, 70.0, 90.0, 100.0])
    # mean (50+70+90+100)/4 = 77.5; median (70+90)/2 = 80; population variance
    # ((-27.5)² + (-7.5)² + 12.5² + 22.5²)/4 = (756.25 + 56.25 + 156.25 + 506.25)/4 = 368.75
    assert (t.count, t.mean, t.median, t.lowest, t.highest) == (4, 77.5, 80.0, 50.0, 100.0)
    assert t.spread == pytest.approx(368.75**0.5)
    assert totals([None]).mean is None and totals([]).count == 0


def test_dates_are_entered_in_the_class_time_zone():
    local = dt.datetime(2026, 3, 9, 18, 0)
    assert from_local(local, "Europe/Paris") == DUE
    assert from_local(dt.datetime(2026, 7, 1, 19, 0), "Europe/Paris") == dt.datetime(2026, 7, 1, 17, 0, tzinfo=dt.UTC)
    assert shown_time(DUE, "America/New_York") == "9 March 2026, 13:00 EDT"
    assert valid_zone("Europe/Paris") and valid_zone("UTC")
    assert not valid_zone("Mars/Olympus") and not valid_zone("../etc") and not valid_zone("")
