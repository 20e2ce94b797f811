"""The home page's Continue action and the unfinished quizzes' progress: pure, with pinned UTC times."""

from __future__ import annotations

import datetime as dt

from quizapp.domain.cards import deck_title
from quizapp.domain.home import (
    RULES,
    AssignedWork,
    DeckToday,
    NextStep,
    Situation,
    Step,
    Unfinished,
    _assigned,
    next_step,
)

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def quiz(attempt_id: int, minutes_left: float | None = None, answered: int = 4) -> Unfinished:
    deadline = NOW + dt.timedelta(minutes=minutes_left) if minutes_left is not None else None
    started = NOW - dt.timedelta(hours=attempt_id)
    return Unfinished(attempt_id, f"Quiz {attempt_id}", "practice", answered, 10, started, deadline)


def deck(deck_id: int, due: int = 0, new: int = 0) -> DeckToday:
    return DeckToday(deck_id, f"Deck {deck_id}", due, new)


def situation(unfinished=(), decks=(), taken: int = 0) -> Situation:
    return Situation(unfinished=list(unfinished), decks=list(decks), quizzes_taken=taken, now=NOW)


def test_an_unfinished_quiz_comes_first_the_newest_that_still_takes_answers():
    out_of_time = quiz(1, minutes_left=-1)
    step = next_step(situation([out_of_time, quiz(2), quiz(3)], [deck(1, due=50)], taken=3))
    assert step.step == Step.RESUME_QUIZ and step.quiz is not None and step.quiz.attempt_id == 2


def test_then_the_deck_with_most_cards_due():
    step = next_step(situation([quiz(1, minutes_left=-5)], [deck(1, due=3, new=20), deck(2, due=7), deck(3)]))
    assert step.step == Step.STUDY_DUE and step.deck is not None and step.deck.deck_id == 2


def test_then_new_cards_when_nothing_is_due():
    step = next_step(situation([], [deck(1), deck(2, new=5), deck(3, new=20)], taken=1))
    assert step.step == Step.LEARN_NEW and step.deck is not None and step.deck.deck_id == 3


def test_a_newcomer_is_shown_where_to_start():
    assert next_step(situation()).step == Step.FIRST_STEPS


def test_someone_with_nothing_left_today_is_offered_a_quiz():
    assert next_step(situation([], [deck(1)], taken=0)).step == Step.TAKE_QUIZ  # a deck, all done today
    assert next_step(situation([], [], taken=2)).step == Step.TAKE_QUIZ  # quizzes taken, no deck
    assert next_step(situation([quiz(1, minutes_left=-1)], [], taken=1)).step == Step.TAKE_QUIZ


def test_the_last_rule_always_answers():
    assert RULES[-1](situation()) is not None


def test_time_left_and_time_up():
    timed = quiz(1, minutes_left=2.5)
    assert timed.seconds_left(NOW) == 150 and not timed.time_is_up(NOW)
    assert timed.seconds_left(NOW + dt.timedelta(minutes=3)) == 0 and timed.time_is_up(NOW + dt.timedelta(minutes=3))
    untimed = quiz(2)
    assert untimed.seconds_left(NOW) is None and not untimed.time_is_up(NOW + dt.timedelta(days=30))


def test_a_decks_left_and_title():
    assert deck(1, due=3, new=4).left == 7
    assert deck_title("MS basics", []) == "MS basics"
    assert deck_title("MS basics", ["ms-disease", "myelin"]) == "MS basics: ms-disease, myelin"


def test_assigned_work_comes_after_a_quiz_under_way_and_before_the_cards():
    now = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
    soon = AssignedWork(1, 7, "Week 1", "Neurology", now + dt.timedelta(days=1))
    later = AssignedWork(1, 8, "Week 2", "Neurology", now + dt.timedelta(days=7))
    deck = DeckToday(1, "Deck", due=5, new=0)
    chosen = next_step(Situation(unfinished=[], decks=[deck], quizzes_taken=1, now=now, assigned=[soon, later]))
    assert chosen == NextStep(Step.ASSIGNED, work=soon)
    assert RULES.index(_assigned) == 1
    assert not soon.overdue(now) and soon.overdue(now + dt.timedelta(days=2))
