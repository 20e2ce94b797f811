"""A learner's history with a question, the memory of a card now, the score by tag, local times and the
true/false card front: pure, with pinned UTC times and hand-computed values."""

from __future__ import annotations

import datetime as dt
import json

import fsrs
import pytest

from quizapp.domain import history as h
from quizapp.domain import scheduling as s
from quizapp.domain.banks import question_json
from quizapp.domain.cards import faces
from quizapp.domain.grading import parse_response
from quizapp.domain.quizzes import graded_answer, load_question, response_data, tag_breakdown

from .test_quizzes import BLANK, RIGHT, Q

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
SCHEDULER = s.make_scheduler(s.Settings())
WRONG = {"single-1": {"choice": ["b"]}, "cloze-1": {"gap-1": ["myelin"], "gap-2": ["peripheral"]}}


def stored(key: str) -> str:
    """The stored JSON of a question of the all-types bank, as a pinned revision holds it."""
    return question_json(Q[key])


def answer_row(key: str, form: dict, at: dt.datetime, *, attempt: int = 1, total: int = 1, question: int = 1):
    question_model = load_question(stored(key))
    response = parse_response(question_model, form)
    graded = graded_answer(question_model, response, 0)
    return h.AnsweredRow(
        question_id=question,
        answered_at=at,
        points=graded.points,
        max_points=graded.max_points,
        correct=graded.grade.correct,
        response=response_data(response),
        revision=stored(key),
        attempt_id=attempt,
        attempt_title=f"Quiz {attempt}",
        mode="practice",
        total=total,
    )


def review_row(at: dt.datetime, rating: int = 3, *, card: int = 10, gap: int = 0, total: int = 1, question: int = 1):
    return h.ReviewedRow(question, card, gap, rating, at, "study", total)


def studied(stability: float, last_review: dt.datetime, due: dt.datetime) -> fsrs.Card:
    return fsrs.Card(
        card_id=10,
        state=fsrs.State.Review,
        step=None,
        stability=stability,
        difficulty=5.0,
        due=due,
        last_review=last_review,
    )


# --- the memory of a card now ----------------------------------------------------------------------------


def test_retrievability_is_90_percent_when_the_days_since_the_review_equal_the_stability():
    """FSRS defines stability as the interval at which recall falls to 90 %: a card of stability 10 days
    reviewed 10 days ago is at 0.9, whatever the decay; on the day of its review it is at 1."""
    card = studied(10.0, NOW - dt.timedelta(days=10), NOW)
    found = s.memory(SCHEDULER, card, NOW)
    assert found.retrievability == pytest.approx(0.9)
    assert (found.stability, found.difficulty, found.due, found.state) == (10.0, 5.0, NOW, s.State.Review)
    assert s.memory(SCHEDULER, studied(10.0, NOW - dt.timedelta(hours=20), NOW), NOW).retrievability == 1.0


def test_retrievability_follows_the_fsrs6_forgetting_curve_by_hand():
    """R(t) = (1 + factor · t / S) ^ -w20 with factor = 0.9 ^ (1 / -w20) - 1; default w20 = 0.1542."""
    decay = -s.Settings().parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    card = studied(4.0, NOW - dt.timedelta(days=30, hours=5), NOW)  # whole days: 30
    expected = (1 + factor * 30 / 4.0) ** decay
    assert s.memory(SCHEDULER, card, NOW).retrievability == pytest.approx(expected)
    assert 0.5 < expected < 0.9  # long past due: well below the desired retention


def test_a_card_never_reviewed_has_no_retrievability():
    found = s.memory(SCHEDULER, s.new_card(1, NOW), NOW)
    assert found.retrievability is None and found.stability is None


def test_memory_needs_a_utc_time():
    with pytest.raises(ValueError, match="UTC"):
        s.memory(SCHEDULER, s.new_card(1, NOW), NOW.replace(tzinfo=None))


# --- times on the learner's clock ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "zone", "local"),
    [
        (dt.datetime(2026, 1, 15, 23, 30, tzinfo=dt.UTC), "Europe/Paris", "2026-01-16 00:30 CET"),  # next day
        (dt.datetime(2026, 7, 15, 23, 30, tzinfo=dt.UTC), "Europe/Paris", "2026-07-16 01:30 CEST"),  # summer
        (dt.datetime(2026, 3, 8, 6, 59, tzinfo=dt.UTC), "America/New_York", "2026-03-08 01:59 EST"),
        (dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC), "America/New_York", "2026-03-08 03:00 EDT"),  # clocks go on
        (dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC), "UTC", "2026-03-08 07:00 UTC"),
        (dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC), "Not/AZone", "2026-03-08 07:00 UTC"),  # unknown: UTC
    ],
)
def test_local_time(when, zone, local):
    assert s.local_time(when, zone).strftime("%Y-%m-%d %H:%M %Z") == local


# --- what a learner answered, in brief -------------------------------------------------------------------


def test_a_summary_names_the_choices_picked_or_each_part():
    question = lambda key: load_question(stored(key))  # noqa: E731
    assert h.summarise(question("multiple-1"), parse_response(question("multiple-1"), RIGHT["multiple-1"])) == (
        h.Summary(picked=("Oligodendrocytes", "Schwann cells"))
    )
    assert h.summarise(question("tf-1"), parse_response(question("tf-1"), RIGHT["tf-1"])).picked == ("True",)
    short = h.summarise(question("short-1"), parse_response(question("short-1"), RIGHT["short-1"]))
    assert short == h.Summary(parts=(("", "Oligodendrocyte"),))  # one part: no label
    cloze = h.summarise(question("cloze-1"), parse_response(question("cloze-1"), WRONG["cloze-1"]))
    assert cloze == h.Summary(parts=(("Gap 1", "myelin"), ("Gap 2", "peripheral")))
    matching = h.summarise(question("matching-1"), parse_response(question("matching-1"), RIGHT["matching-1"]))
    pairs = (("Oligodendrocyte", "Myelinates CNS axons"), ("Microglia", "Immune surveillance in the CNS"))
    assert matching.parts == pairs
    assert not matching.blank and h.Summary().blank and h.Summary(parts=(("Gap 1", ""),)).blank


@pytest.mark.parametrize(
    ("key", "form", "verdict", "points"),
    [
        ("single-1", RIGHT["single-1"], "correct", 1.0),
        ("single-1", WRONG["single-1"], "incorrect", 0.0),
        ("cloze-1", WRONG["cloze-1"], "partial", 0.5),
        ("cloze-1", BLANK["cloze-1"], "unanswered", 0.0),
    ],
)
def test_an_answer_in_the_history_has_the_results_pages_verdict(key, form, verdict, points):
    event = h.answered(answer_row(key, form, NOW))
    assert (event.verdict, event.points, event.max_points, event.kind) == (verdict, points, 1.0, "answer")
    assert event.summary.blank == (verdict == "unanswered")
    assert (event.attempt_id, event.attempt_title, event.is_practice) == (1, "Quiz 1", True)


# --- a question's history --------------------------------------------------------------------------------


def test_answers_and_grades_merge_newest_first_within_the_limit_with_every_one_counted():
    day = dt.timedelta(days=1)
    answers = [answer_row("single-1", RIGHT["single-1"], NOW - k * day, attempt=k, total=5) for k in (1, 3, 5)]
    reviews = [review_row(NOW - k * day, rating=k % 4 + 1, total=7) for k in (0, 2, 4, 6)]
    reviews += [review_row(NOW - 2.5 * day, card=11, gap=2, total=1)]
    card = studied(3.0, NOW - day, NOW + 2 * day)
    cards = [h.CardRow(1, 10, 0, True, card), h.CardRow(1, 11, 2, True, None)]
    found = h.histories(answers, reviews, cards, SCHEDULER, NOW, shown=4)[1]
    assert [e.at for e in found.events] == [NOW, NOW - day, NOW - 2 * day, NOW - 2.5 * day]
    assert [e.kind for e in found.events] == ["grade", "answer", "grade", "grade"]
    assert found.events[0].rating_name == "Again" and found.events[3].gap == 2
    assert found.total == 5 + 7 + 1 and found.earlier == 13 - 4  # the rows were the newest; all are counted
    assert [(m.gap, m.memory.stability) for m in found.memories] == [(0, 3.0)]
    assert 0.9 < found.memories[0].memory.retrievability < 1  # a day after a review of a 3-day stability
    assert found.unseen == 1 and not found.retired


def test_retrievability_in_a_history_is_a_day_later_lower():
    card = studied(3.0, NOW - dt.timedelta(days=3), NOW)
    found = h.histories([], [], [h.CardRow(1, 10, 0, True, card)], SCHEDULER, NOW)[1]
    assert found.memories[0].memory.retrievability == pytest.approx(0.9)
    assert found.total == 0 and found.events == () and found.earlier == 0


def test_a_question_whose_cards_are_retired_says_so_and_keeps_its_answers():
    card = studied(3.0, NOW - dt.timedelta(days=3), NOW)
    answers = [answer_row("single-1", RIGHT["single-1"], NOW)]
    found = h.histories(answers, [], [h.CardRow(1, 10, 0, False, card)], SCHEDULER, NOW)[1]
    assert found.retired and found.memories == () and found.unseen == 0 and found.total == 1


def test_histories_are_kept_apart_by_question():
    answers = [answer_row("single-1", RIGHT["single-1"], NOW, question=1)]
    answers += [answer_row("tf-1", RIGHT["tf-1"], NOW, question=2, total=2)]
    found = h.histories(answers, [review_row(NOW, question=2, card=20)], [], SCHEDULER, NOW)
    assert (found[1].total, found[2].total) == (1, 3)
    assert h.EMPTY.total == 0 and h.EMPTY.events == ()


def test_an_imported_grade_says_so():
    event = h.Graded(NOW, 0, 1, "import")
    assert event.imported and event.rating_name == "Again" and not h.Graded(NOW, 0, 4, "study").imported


# --- the score by tag ------------------------------------------------------------------------------------


def test_the_score_by_tag_counts_a_question_under_each_of_its_tags():
    q1 = load_question(stored("single-1")).model_copy(update={"tags": ["ms", "cns"]})
    q2 = load_question(stored("cloze-1")).model_copy(update={"tags": ["ms"]})
    q3 = load_question(stored("tf-1")).model_copy(update={"tags": [], "points": 2.0})
    graded = [
        graded_answer(q1, parse_response(q1, RIGHT["single-1"]), 0),  # 1 of 1
        graded_answer(q2, parse_response(q2, WRONG["cloze-1"]), 0),  # 0.5 of 1
        graded_answer(q3, None, 0),  # 0 of 2, unanswered
    ]
    rows = tag_breakdown(graded)
    assert [(t.tag, t.questions, t.right, t.points, t.max_points) for t in rows] == [
        ("cns", 1, 1, 1.0, 1.0),
        ("ms", 2, 1, 1.5, 2.0),
        ("", 1, 0, 0.0, 2.0),  # questions without a tag come last
    ]
    assert [t.percent for t in rows] == [100.0, 75.0, 0.0]
    assert tag_breakdown([]) == ()


# --- the true/false card ---------------------------------------------------------------------------------


def test_a_true_false_card_front_asks_true_or_false():
    card = faces(json.loads(stored("tf-1")))
    assert card.front == "Answer no: is 3.10 a string here?\n\n*True or false?*"
    assert card.answer == "True"
