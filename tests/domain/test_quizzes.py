"""Drawing questions, seeded orders, storing responses and grading them for display: pure, without an app."""

from __future__ import annotations

import pytest

from quizapp.domain.banks import parse_bank, question_json, quiz_pool
from quizapp.domain.grading import parse_response
from quizapp.domain.quizzes import (
    Candidate,
    choice_order,
    draw,
    format_clock,
    format_duration,
    format_points,
    graded_answer,
    is_blank,
    item_order,
    load_question,
    load_quiz,
    percent,
    response_data,
    response_from_data,
    select_pool,
)
from quizapp.domain.types.cloze import ClozeResponse
from quizapp.domain.types.matching import MatchingResponse
from quizapp.domain.types.multiple import MultipleResponse
from quizapp.domain.types.numeric import NumericResponse
from quizapp.domain.types.ordering import OrderingResponse, ordering_items
from quizapp.domain.types.short_answer import ShortAnswerResponse
from quizapp.domain.types.single import SingleResponse
from quizapp.domain.types.true_false import TrueFalseResponse

from ..conftest import DATA

BANK = parse_bank((DATA / "banks" / "all-types.yaml").read_bytes(), "all-types.yaml")
Q = {q.id: q for q in BANK.questions}

# A correct answer, as a browser form sends it, for each quiz question of the all-types bank.
RIGHT = {
    "single-1": {"choice": ["a"]},
    "multiple-1": {"choice": ["a", "b"]},
    "tf-1": {"choice": ["true"]},
    "short-1": {"answer": ["  Oligodendrocyte "]},
    "numeric-1": {"answer": ["2,8 million"]},
    "cloze-1": {"gap-1": ["Myelin"], "gap-2": ["central"]},
    "matching-1": {"match-1": ["3"], "match-2": ["1"]},  # options: Immune…, Makes…, Myelinates…
    "ordering-1": {"position-1": ["2"], "position-2": ["3"], "position-3": ["1"], "position-4": ["4"]},
}
BLANK = {
    "single-1": {},
    "multiple-1": {},
    "tf-1": {},
    "short-1": {"answer": [""]},
    "numeric-1": {"answer": [""]},
    "cloze-1": {"gap-1": [""], "gap-2": [""]},
    "matching-1": {"match-1": [""], "match-2": [""]},
    "ordering-1": {f"position-{i}": [""] for i in range(1, 5)},
}


def candidates(bank=BANK) -> list[Candidate]:
    return [Candidate(q.id, q.id, q.type, tuple(q.tags)) for q in bank.questions]


def test_the_right_answers_above_are_right():
    for key, form in RIGHT.items():
        r = graded_answer(Q[key], parse_response(Q[key], form), seed=1)
        assert r.verdict == "correct", key
        assert r.points == r.max_points == 1.0


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_a_response_survives_storage_exactly(key):
    for form in (RIGHT[key], BLANK[key]):
        response = parse_response(Q[key], form)
        data = response_data(response)
        assert isinstance(data, dict)
        assert response_from_data(Q[key], data) == response
        assert response_data(response_from_data(Q[key], data)) == data


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_blank_answers_are_blank_and_score_nothing(key):
    response = parse_response(Q[key], BLANK[key])
    assert is_blank(response)
    assert not is_blank(parse_response(Q[key], RIGHT[key]))
    r = graded_answer(Q[key], response, seed=3)
    assert r.verdict == "unanswered" and r.points == 0


def test_is_blank_for_every_response_type():
    assert is_blank(SingleResponse()) and not is_blank(SingleResponse("a"))
    assert is_blank(MultipleResponse()) and not is_blank(MultipleResponse(("a",)))
    assert is_blank(TrueFalseResponse()) and not is_blank(TrueFalseResponse(False))
    assert is_blank(ShortAnswerResponse("")) and not is_blank(ShortAnswerResponse("x"))
    assert is_blank(NumericResponse("")) and not is_blank(NumericResponse("0"))
    assert is_blank(ClozeResponse(("", ""))) and not is_blank(ClozeResponse(("", "x")))
    assert is_blank(MatchingResponse((None, None))) and not is_blank(MatchingResponse((None, "x")))
    assert is_blank(OrderingResponse(())) and not is_blank(OrderingResponse(("a", "b")))


def test_stored_data_is_plain_json_in_the_learners_terms():
    assert response_data(parse_response(Q["multiple-1"], RIGHT["multiple-1"])) == {"choices": ["a", "b"]}
    assert response_data(parse_response(Q["tf-1"], RIGHT["tf-1"])) == {"answer": True}
    assert response_data(parse_response(Q["numeric-1"], RIGHT["numeric-1"])) == {"text": "2,8"}
    assert response_data(parse_response(Q["matching-1"], {"match-1": ["3"], "match-2": [""]})) == {
        "matches": ["Myelinates CNS axons", None]
    }
    assert response_data(parse_response(Q["ordering-1"], RIGHT["ordering-1"])) == {
        "order": ["Mobilisation", "Apheresis", "Conditioning", "Reinfusion"]
    }


def test_verdicts_for_partial_and_wrong_answers():
    partial = graded_answer(Q["multiple-1"], parse_response(Q["multiple-1"], {"choice": ["a"]}), seed=1)
    assert partial.verdict == "partial" and partial.points == 0.5
    wrong = graded_answer(Q["multiple-1"], parse_response(Q["multiple-1"], {"choice": ["a", "c"]}), seed=1)
    assert wrong.verdict == "incorrect" and wrong.points == 0
    assert graded_answer(Q["single-1"], None, seed=1).verdict == "unanswered"


def test_a_graded_answer_keeps_the_points_stored_with_the_answer():
    r = graded_answer(Q["single-1"], parse_response(Q["single-1"], RIGHT["single-1"]), seed=1, points=0.25)
    assert r.points == 0.25 and r.grade.score == 1.0


def test_a_graded_answer_shows_choices_in_the_attempts_order_with_marks():
    response = parse_response(Q["multiple-1"], {"choice": ["c"]})
    for seed in range(20):
        r = graded_answer(Q["multiple-1"], response, seed)
        assert tuple(m.id for m in r.choices) == choice_order(Q["multiple-1"], seed)
        marks = {m.id: m for m in r.choices}
        assert marks["c"].picked and not marks["c"].correct and marks["c"].feedback
        assert marks["a"].correct and not marks["a"].picked
    tf = graded_answer(Q["tf-1"], parse_response(Q["tf-1"], {"choice": ["false"]}), 1)
    assert [(m.id, m.picked, m.correct) for m in tf.choices] == [("true", False, True), ("false", True, False)]


def test_the_correct_answer_is_spelled_out_for_every_type():
    texts = {key: graded_answer(Q[key], None, 1).correct_answer for key in RIGHT}
    assert texts["numeric-1"] == "2.8 million (± 0.1)"
    assert texts["cloze-1"] == "MS damages myelin in the central nervous system."
    assert texts["ordering-1"].startswith("1. Mobilisation; 2. Apheresis")


# --- drawing --------------------------------------------------------------------------------------------


def test_select_pool_follows_the_bank_formats_quiz_rule():
    pool = candidates()
    for quiz in BANK.quizzes:
        assert [c.key for c in select_pool(pool, quiz.questions, quiz.tags)] == [q.id for q in quiz_pool(BANK, quiz)]
    assert "card-1" not in [c.key for c in select_pool(pool)]
    tagged = [Candidate(1, "x", "single", ("a", "b")), Candidate(2, "y", "numeric", ("c",))]
    assert [c.key for c in select_pool(tagged, None, ["b", "z"])] == ["x"]
    assert [c.key for c in select_pool(tagged, ["y"], [])] == ["y"]
    assert select_pool(tagged, [], []) == []


def test_draw_is_fixed_by_the_seed():
    pool = list(range(30))
    assert draw(pool, 10, seed=42) == draw(pool, 10, seed=42)
    assert len(set(draw(pool, 10, seed=42))) == 10
    assert draw(pool, 10, seed=42) != draw(pool, 10, seed=43)
    assert sorted(draw(pool, None, seed=7)) == pool
    assert len({tuple(draw(pool, None, seed=s)) for s in range(20)}) == 20


def test_draw_without_shuffle_keeps_the_pool_order():
    pool = list("abcdefghij")
    chosen = draw(pool, 4, seed=9, shuffle=False)
    assert chosen == sorted(chosen) and len(chosen) == 4
    assert draw(pool, None, seed=9, shuffle=False) == pool
    assert draw(pool, 50, seed=9, shuffle=False) == pool  # asking for more than there is gives all


def test_choice_order_is_fixed_by_seed_and_question():
    q = Q["multiple-1"]
    orders = {choice_order(q, seed) for seed in range(40)}
    assert len(orders) == 6  # every order of three choices turns up
    assert choice_order(q, 5) == choice_order(q, 5)
    assert sorted(choice_order(q, 5)) == ["a", "b", "c"]
    fixed = q.model_copy(update={"shuffle": False})
    assert {choice_order(fixed, seed) for seed in range(10)} == {("a", "b", "c")}
    assert choice_order(Q["tf-1"], 3) == ("true", "false")
    assert choice_order(Q["numeric-1"], 3) == ()


def test_ordering_items_are_shown_in_a_seeded_order():
    q = Q["ordering-1"]
    orders = {item_order(q, seed) for seed in range(60)}
    assert len(orders) > 10
    for order in orders:
        assert sorted(order) == [1, 2, 3, 4]
    assert item_order(q, 8) == item_order(q, 8)
    assert ordering_items(q)[0] == "Apheresis"  # field numbers follow the alphabet, not the answer
    assert item_order(Q["single-1"], 8) == ()


# --- stored content --------------------------------------------------------------------------------------


def test_questions_and_quizzes_load_back_from_stored_json():
    for question in BANK.questions:
        if question.type == "flashcard":
            with pytest.raises(ValueError, match="not a quiz question"):
                load_question(question_json(question))
        else:
            assert load_question(question_json(question)) == question
    for quiz in BANK.quizzes:
        assert load_quiz(quiz.model_dump(mode="json")) == quiz


# --- figures -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "—"), (0, "0 s"), (45.4, "45 s"), (59.6, "1 min 00 s"), (245, "4 min 05 s"), (3720, "1 h 02 min")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_format_points_clock_and_percent():
    assert [format_points(x) for x in (1.0, 0.5, 2 / 3, 0.0, 12.25)] == ["1", "0.5", "0.67", "0", "12.25"]
    assert [format_clock(x) for x in (0, -5, 59.9, 61, 3600, 3725)] == [
        "0:00",
        "0:00",
        "0:59",
        "1:01",
        "1:00:00",
        "1:02:05",
    ]
    assert percent(3, 4) == 75.0 and percent(0, 0) == 0.0
