"""What a class has forgotten and what needs a teacher's attention, against values worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from quizapp.domain import forgetting, teaching
from quizapp.domain.assignments import Grant, Terms
from quizapp.domain.scheduling import Settings

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
DEFAULT = Settings().parameters


def days_ago(n: int) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


def card(user: int, card_id: int, stability: float | None, last: dt.datetime | None, *tags: str):
    return forgetting.CardMemory(user, card_id, stability, last, tags)


def test_topics_average_each_learner_then_the_class():
    # FSRS's curve is built so that a card reviewed S days ago, with stability S, is recalled with chance 0.9;
    # one reviewed today is recalled for sure (1.0); a card with no stability counts 0.
    cards = [
        card(1, 1, 10.0, days_ago(10), "heart"),  # 0.9
        card(1, 2, 5.0, days_ago(0), "heart"),  # 1.0 -> learner 1's heart mean (0.9 + 1) / 2 = 0.95
        card(2, 3, None, None, "heart"),  # 0 -> learner 2's heart mean 0
        card(1, 4, 20.0, days_ago(20), "lung"),  # 0.9
        card(2, 5, 3.0, days_ago(3)),  # 0.9, no tag
    ]
    heart, untagged, lung = forgetting.topics(cards, {}, DEFAULT, NOW)
    # heart: the class mean of 0.95 and 0 is 0.475; learner 2 is below 0.9, learner 1 is not.
    assert (heart.tag, heart.learners, heart.cards, heart.below) == ("heart", 2, 3, 1)
    assert heart.mean_recall == pytest.approx(0.475)
    # lung and the untagged topic tie at 0.9: by tag, the untagged ("") first.
    assert (untagged.tag, untagged.mean_recall) == (forgetting.NO_TAG, pytest.approx(0.9))
    assert (lung.tag, lung.learners, lung.below) == ("lung", 1, 0)


def test_a_learner_s_own_parameters_are_used():
    # A curve of another shape (w20 four times the default) still passes 0.9 at t = S, as every FSRS curve
    # does; half-way there it gives another chance of recall.
    fast = list(DEFAULT)
    fast[20] = DEFAULT[20] * 4
    cards = [card(1, 1, 10.0, days_ago(5), "t")]
    default = forgetting.topics(cards, {}, DEFAULT, NOW)[0].mean_recall
    own = forgetting.topics(cards, {1: fast}, DEFAULT, NOW)[0].mean_recall
    assert 0.9 < default < 1 and 0.9 < own < 1 and own != pytest.approx(default)


def test_most_failed_orders_by_wrong_answers_then_share():
    rows = [
        forgetting.AnswerRow(1, 10, False),
        forgetting.AnswerRow(2, 10, False),
        forgetting.AnswerRow(1, 10, False),  # 3 wrong of 3, by 2 learners
        forgetting.AnswerRow(1, 20, False),
        forgetting.AnswerRow(2, 20, False),
        forgetting.AnswerRow(3, 20, False),
        forgetting.AnswerRow(4, 20, True),  # 3 wrong of 4, by 3 learners
        forgetting.AnswerRow(1, 30, True),  # never wrong: left out
    ]
    first, second = forgetting.most_failed(rows)
    assert (first.question_id, first.wrong, first.answers, first.learners_wrong) == (10, 3, 3, 2)
    assert (second.question_id, second.wrong, second.wrong_share) == (20, 3, 0.75)
    assert forgetting.most_failed(rows, limit=1) == (first,)


TERMS = Terms(opens_at=days_ago(10), due_at=days_ago(2), attempts_allowed=None, late_accepted=True)


def work(assignment_id: int, due: dt.datetime) -> teaching.WorkRow:
    return teaching.WorkRow(assignment_id, f"Work {assignment_id}", 1, "Class", Terms(days_ago(10), due, None, True))


def test_due_soon_is_the_next_seven_days():
    rows = [work(1, NOW + dt.timedelta(days=6)), work(2, NOW + dt.timedelta(days=1)), work(3, days_ago(1))]
    rows.append(work(4, NOW + dt.timedelta(days=7)))  # a week from now exactly: next week's
    assert [w.assignment_id for w in teaching.due_soon(rows, NOW)] == [2, 1]


def attempt(n: int, status: str, finished: dt.datetime | None = None, deadline: dt.datetime | None = None):
    return teaching.AttemptRow(n, 1, n, f"learner{n}", status, deadline, finished)


def test_needs_attention_lists_late_and_unfinished_work():
    w = {1: work(1, days_ago(2))}
    attempts = [
        attempt(1, "finished", finished=days_ago(3)),  # on time
        attempt(2, "finished", finished=days_ago(1)),  # late
        attempt(3, "finished", finished=days_ago(1)),  # after the due date, but extended to today: on time
        attempt(4, "in_progress"),  # open after the due date
        attempt(5, "in_progress", deadline=days_ago(0) - dt.timedelta(hours=1)),  # its time ran out
        attempt(6, "expired", finished=days_ago(30)),  # late, but a month ago
    ]
    grants = {(3, 1): Grant(due_at=NOW)}
    found = teaching.needs_attention(attempts, w, grants, NOW)
    assert [(a.attempt.attempt_id, a.why) for a in found] == [
        (5, "time ran out; not yet graded"),
        (2, "handed in late"),
        (4, "still open after the due date"),
    ]
