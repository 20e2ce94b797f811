"""Grading: form parsing, malformed submissions and the scoring rule of every quiz question type."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from quizapp.domain.grading import (
    MAX_TEXT,
    Grade,
    ResponseError,
    correct_answer_text,
    grade,
    normalise,
    parse_response,
    response_form,
    shuffled,
)
from quizapp.domain.types.cloze import ClozeQuestion, ClozeResponse
from quizapp.domain.types.flashcard import Flashcard
from quizapp.domain.types.matching import MatchingQuestion, MatchingResponse, matching_options
from quizapp.domain.types.multiple import MultipleQuestion, MultipleResponse
from quizapp.domain.types.numeric import NumericQuestion, NumericResponse
from quizapp.domain.types.ordering import OrderingQuestion, OrderingResponse, ordering_items
from quizapp.domain.types.short_answer import ShortAnswerQuestion, ShortAnswerResponse
from quizapp.domain.types.single import SingleQuestion, SingleResponse
from quizapp.domain.types.true_false import TrueFalseQuestion, TrueFalseResponse


def single(**extra: Any) -> SingleQuestion:
    return SingleQuestion.model_validate(
        {
            "id": "organ",
            "type": "single",
            "prompt": "Which part of the nervous system does MS damage?",
            "choices": [
                {"id": "cns", "text": "Central", "correct": True},
                {"id": "pns", "text": "Peripheral", "feedback": "Schwann cells are spared."},
                {"id": "ans", "text": "Autonomic"},
            ],
            **extra,
        }
    )


def multiple(**extra: Any) -> MultipleQuestion:
    return MultipleQuestion.model_validate(
        {
            "id": "myelin",
            "type": "multiple",
            "prompt": "Which cells make myelin?",
            "choices": [
                {"id": "oligo", "text": "Oligodendrocytes", "correct": True, "feedback": "Yes, in the CNS."},
                {"id": "schwann", "text": "Schwann cells", "correct": True},
                {"id": "astro", "text": "Astrocytes", "feedback": "They make no myelin."},
                {"id": "micro", "text": "Microglia"},
            ],
            **extra,
        }
    )


def true_false(answer: bool = False) -> TrueFalseQuestion:
    return TrueFalseQuestion.model_validate(
        {
            "id": "pns",
            "type": "true_false",
            "prompt": "MS mainly damages the peripheral nerves.",
            "answer": answer,
            "feedback": {"true": "MS is a CNS disease."},
        }
    )


def short(*answers: str, strict: bool = False) -> ShortAnswerQuestion:
    return ShortAnswerQuestion.model_validate(
        {
            "id": "cell",
            "type": "short_answer",
            "prompt": "Name the cell.",
            "answers": list(answers) or ["oligodendrocyte", "oligodendrocytes"],
            "strict": strict,
        }
    )


def numeric(answer: float = 2.8, tolerance: float = 0.1, unit: str | None = "million") -> NumericQuestion:
    data: dict[str, Any] = {"id": "atlas", "type": "numeric", "prompt": "How many?", "answer": answer}
    data["tolerance"] = tolerance
    if unit is not None:
        data["unit"] = unit
    return NumericQuestion.model_validate(data)


def cloze(
    prompt: str = "MS damages {{c1::myelin}} in the {{c2::central|CNS::central or peripheral?}} nervous system.",
    strict: bool = False,
) -> ClozeQuestion:
    return ClozeQuestion.model_validate({"id": "gaps", "type": "cloze", "prompt": prompt, "strict": strict})


def matching(distractors: tuple[str, ...] = ("Makes antibodies",)) -> MatchingQuestion:
    return MatchingQuestion.model_validate(
        {
            "id": "glia",
            "type": "matching",
            "prompt": "Match each cell to its job.",
            "pairs": [
                {"left": "Oligodendrocyte", "right": "Makes myelin"},
                {"left": "Microglia", "right": "Immune surveillance"},
                {"left": "Astrocyte", "right": "Supports neurons"},
            ],
            "distractors": list(distractors),
        }
    )


def ordering(*items: str) -> OrderingQuestion:
    return OrderingQuestion.model_validate(
        {
            "id": "steps",
            "type": "ordering",
            "prompt": "Put the steps in order.",
            "items": list(items) or ["Mobilisation", "Apheresis", "Conditioning", "Reinfusion"],
        }
    )


def flashcard() -> Flashcard:
    return Flashcard.model_validate({"id": "cis", "type": "flashcard", "front": "CIS?", "back": "A first episode."})


def answer(question: Any, form: dict[str, Any]) -> Grade:
    return grade(question, parse_response(question, form))


def refused(question: Any, form: Any) -> str:
    with pytest.raises(ResponseError) as info:
        parse_response(question, form)
    assert info.value.message == str(info.value)
    return info.value.message


def match_form(question: MatchingQuestion, *rights: str | None) -> dict[str, list[str]]:
    options = matching_options(question)
    return {f"match-{i}": [str(options.index(r) + 1) if r else ""] for i, r in enumerate(rights, 1)}


def order_form(question: OrderingQuestion, *order: str) -> dict[str, list[str]]:
    """The form a learner sends to put the items in ``order``."""
    return {f"position-{i}": [str(order.index(item) + 1)] for i, item in enumerate(ordering_items(question), 1)}


# --- single ---------------------------------------------------------------------------------------


def test_single_correct_choice_scores_the_points():
    result = answer(single(points=2), {"choice": ["cns"]})
    assert (result.score, result.max_score, result.fraction, result.correct) == (2.0, 2.0, 1.0, True)
    assert [(m.id, m.picked, m.correct, m.right) for m in result.choices] == [
        ("cns", True, True, True),
        ("pns", False, False, True),
        ("ans", False, False, True),
    ]
    assert result.feedback == ()


def test_single_wrong_choice_scores_nothing_and_shows_its_feedback():
    result = answer(single(), {"choice": ["pns"]})
    assert (result.score, result.fraction, result.correct) == (0.0, 0.0, False)
    assert result.feedback == ("Schwann cells are spared.",)
    assert [m.id for m in result.choices if not m.right] == ["cns", "pns"]


@pytest.mark.parametrize("form", [{}, {"choice": []}, {"choice": [""]}, {"csrf_token": ["x"]}])
def test_single_nothing_chosen_is_a_valid_empty_answer(form):
    response = parse_response(single(), form)
    assert response == SingleResponse(None)
    assert grade(single(), response).score == 0.0


def test_single_refuses_an_unknown_choice_and_two_choices():
    assert "not one of this question's options" in refused(single(), {"choice": ["liver"]})
    assert refused(single(), {"choice": ["cns", "pns"]}) == "Choose only one answer."
    assert refused(single(), {"choice": ["cns", "cns"]}) == "Choose only one answer."


def test_a_werkzeug_multidict_and_plain_strings_are_read_too():
    form = MultiDict([("choice", "oligo"), ("choice", "schwann")])
    assert parse_response(multiple(), form) == MultipleResponse(("oligo", "schwann"))
    assert parse_response(single(), {"choice": "cns"}) == SingleResponse("cns")
    assert "not sent properly" in refused(single(), {"choice": [3]})


# --- multiple -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("picks", "fraction"),
    [
        (["oligo", "schwann"], 1.0),
        (["oligo"], 0.5),
        (["oligo", "astro"], 0.0),  # one right, one wrong
        (["oligo", "schwann", "astro"], 0.5),  # (2 - 1) / 2
        (["astro"], 0.0),  # floored at 0, never negative
        (["astro", "micro"], 0.0),
        (["oligo", "schwann", "astro", "micro"], 0.0),
        ([], 0.0),
    ],
)
def test_multiple_partial_credit_is_right_minus_wrong_floored(picks, fraction):
    result = answer(multiple(points=4), {"choice": picks})
    assert result.fraction == pytest.approx(fraction)
    assert result.score == pytest.approx(4 * fraction)
    assert result.correct is (fraction == 1.0)


@pytest.mark.parametrize(
    ("picks", "fraction"), [(["oligo", "schwann"], 1.0), (["oligo"], 0.0), (["oligo", "schwann", "micro"], 0.0)]
)
def test_multiple_all_or_nothing(picks, fraction):
    assert answer(multiple(scoring="all_or_nothing"), {"choice": picks}).fraction == fraction


def test_multiple_feedback_only_for_the_picked_choices_and_marks_for_each():
    result = answer(multiple(), {"choice": ["astro", "schwann"]})
    assert result.feedback == ("They make no myelin.",)
    marks = {m.id: (m.picked, m.correct, m.right) for m in result.choices}
    assert marks == {
        "oligo": (False, True, False),  # missed
        "schwann": (True, True, True),
        "astro": (True, False, False),  # wrong pick
        "micro": (False, False, True),
    }


def test_multiple_keeps_question_order_and_refuses_bad_picks():
    assert parse_response(multiple(), {"choice": ["schwann", "oligo"]}) == MultipleResponse(("oligo", "schwann"))
    assert "not one of this question's options" in refused(multiple(), {"choice": ["oligo", "neuron"]})
    assert "sent twice" in refused(multiple(), {"choice": ["oligo", "oligo"]})


# --- true/false -----------------------------------------------------------------------------------


def test_true_false_all_or_nothing_with_feedback_for_the_answer_given():
    assert answer(true_false(False), {"choice": ["false"]}).correct
    wrong = answer(true_false(False), {"choice": ["true"]})
    assert (wrong.score, wrong.feedback) == (0.0, ("MS is a CNS disease.",))
    assert answer(true_false(True), {"choice": ["true"]}).score == 1.0
    assert answer(true_false(True), {"choice": ["false"]}).feedback == ()
    assert [(m.id, m.text, m.correct) for m in wrong.choices] == [("true", "True", False), ("false", "False", True)]


def test_true_false_empty_and_malformed():
    assert parse_response(true_false(), {}) == TrueFalseResponse(None)
    assert answer(true_false(False), {}).score == 0.0
    assert "Answer true or false" in refused(true_false(), {"choice": ["yes"]})
    assert "not both" in refused(true_false(), {"choice": ["true", "false"]})


# --- short answer ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "oligodendrocyte",
        "Oligodéndrocyte",
        "  OLIGODENDROCYTES  ",
        "oligodendrocyte\u0301",  # a stray combining accent
        "".join(chr(ord(c) + 0xFEE0) for c in "oligodendrocyte"),  # full-width letters (NFKC)
    ],
)
def test_short_answer_forgives_case_accents_and_surrounding_spaces(typed):
    assert answer(short(), {"answer": [typed]}).correct


def test_short_answer_collapses_inner_spaces_but_does_not_remove_them():
    question = short("multiple sclerosis")
    assert answer(question, {"answer": ["Multiple \t  Sclerosis"]}).correct
    assert not answer(question, {"answer": ["multiplesclerosis"]}).correct
    assert answer(short("Straße"), {"answer": ["STRASSE"]}).correct  # case folding, not just lower()


def test_short_answer_wrong_and_empty_score_zero():
    assert not answer(short(), {"answer": ["astrocyte"]}).correct
    result = answer(short(), {"answer": ["   "]})
    assert (result.score, result.correct) == (0.0, False)
    assert result.parts[0].given == ""
    assert answer(short(), {"answer": ["oligo"]}).parts[0].expected == "oligodendrocyte"


def test_short_answer_strict_mode_counts_case_accents_and_inner_spaces():
    question = short("Schwann cell", strict=True)
    assert answer(question, {"answer": ["  Schwann cell "]}).correct  # surrounding spaces never count
    assert answer(short("Café", strict=True), {"answer": ["Cafe\u0301"]}).correct  # same text, other encoding
    for typed in ["schwann cell", "Schwann  cell", "Schwänn cell", "SCHWANN CELL"]:
        assert not answer(question, {"answer": [typed]}).correct, typed


def test_short_answer_malformed_submissions():
    assert "missing from the form" in refused(short(), {})
    assert "more than once" in refused(short(), {"answer": ["a", "b"]})
    assert (
        refused(short(), {"answer": ["x" * (MAX_TEXT + 1)]})
        == "Your answer is too long: at most 500 characters, please."
    )
    assert parse_response(short(), {"answer": ["x" * MAX_TEXT]}) == ShortAnswerResponse("x" * MAX_TEXT)
    assert "control characters" in refused(short(), {"answer": ["oligo\x00dendrocyte"]})


# --- numeric --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("2.8", True),
        ("2,8", True),
        ("2.7", True),  # exactly at the lower edge (2.8 - 0.1 is 2.6999999999999997 in floats)
        ("2.9", True),  # exactly at the upper edge (2.8 + 0.1 is 2.9000000000000004 in floats)
        ("2,9", True),
        ("2.90000", True),
        ("2.9000001", False),  # just outside
        ("2.6999999", False),
        ("3", False),
        ("  2.85  ", True),
        ("+2.8", True),
        ("28e-1", True),
        ("2.8 million", True),
        ("2.8million", True),
        ("2,8 MILLION", True),
        ("2.8\u00a0Million", True),  # a no-break space
    ],
)
def test_numeric_tolerance_is_inclusive_and_exact(typed, ok):
    assert answer(numeric(), {"answer": [typed]}).correct is ok


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("-3.5", True),
        ("-4", True),
        ("-3", True),
        ("\u22123", True),
        ("-4,0001", False),
        ("3.5", False),
        ("-2.9", False),
    ],
)
def test_numeric_negative_answers(typed, ok):
    assert answer(numeric(-3.5, 0.5, None), {"answer": [typed]}).correct is ok


def test_numeric_comma_and_point_are_the_same_decimal_separator():
    question = numeric(1.5, 0, None)
    assert answer(question, {"answer": ["1,5"]}).correct
    assert answer(question, {"answer": ["1.5"]}).correct
    assert answer(question, {"answer": ["1.50"]}).correct
    assert answer(question, {"answer": [",5e1"]}).correct is False  # 5
    assert parse_response(question, {"answer": ["1,5"]}).value == Decimal("1.5")


def test_numeric_zero_tolerance_needs_the_exact_value():
    question = numeric(1480, 0, "patients")
    for typed in ["1480", "1480.0", "1480,00", "1 480", "1\u202f480 patients", "1.48e3"]:
        assert answer(question, {"answer": [typed]}).correct, typed
    assert not answer(question, {"answer": ["1480.0001"]}).correct
    assert not answer(question, {"answer": ["1.480"]}).correct  # a point is always a decimal point


def test_numeric_thousands_separators_are_refused_rather_than_misread():
    question = numeric(1480, 0, None)
    assert refused(question, {"answer": ["1,480"]}) == (
        "1,480 could mean 1480 or 1.480: write 1480 without a comma, or 1.480 with a point."
    )
    assert "could mean" in refused(question, {"answer": ["12,500"]})
    assert "thousands separators" in refused(question, {"answer": ["1,480.5"]})
    assert "thousands separators" in refused(question, {"answer": ["1.000.000"]})
    # a comma with other than three digits after it, or after a leading 0, is unambiguous
    assert parse_response(question, {"answer": ["0,125"]}).value == Decimal("0.125")
    assert parse_response(question, {"answer": ["1,4805"]}).value == Decimal("1.4805")


def test_numeric_units_and_percent():
    percent = numeric(50, 5, "%")
    for typed in ["50", "50%", "50 %", "52 percent", "48 Per Cent"]:
        assert answer(percent, {"answer": [typed]}).correct, typed
    assert answer(numeric(50, 5, "percent"), {"answer": ["50%"]}).correct
    message = refused(numeric(), {"answer": ["2.8 kg"]})
    assert message == "Enter a number, such as 2.5 or 2,5 (the unit, million, is optional)."
    assert answer(numeric(35.9, 0.1, "per 100,000 per year"), {"answer": ["35,9 per 100,000 per year"]}).correct


@pytest.mark.parametrize("typed", ["abc", "nan", "inf", "1/2", "½", "--2", "2 8", "e5", ".", "0x1F"])
def test_numeric_refuses_what_is_not_a_number(typed):
    assert refused(numeric(unit=None), {"answer": [typed]}) == "Enter a number, such as 2.5 or 2,5."


@pytest.mark.parametrize("typed", ["2..8", "2.8.", "1,5,", "1,5.2"])
def test_numeric_refuses_more_than_one_separator(typed):
    assert "either a point or a comma as the decimal separator" in refused(numeric(unit=None), {"answer": [typed]})


def test_numeric_empty_answer_scores_zero():
    response = parse_response(numeric(), {"answer": ["  "]})
    assert response == NumericResponse("")
    assert response.value is None
    result = grade(numeric(), response)
    assert (result.score, result.parts[0].given, result.parts[0].expected) == (0.0, "", "2.8 million (± 0.1)")


def test_numeric_malformed_submissions():
    assert "missing from the form" in refused(numeric(), {"choice": ["2.8"]})
    assert "too long" in refused(numeric(), {"answer": ["1" * 501]})


# --- cloze ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gaps", "fraction"),
    [
        (["myelin", "central"], 1.0),
        (["Myelin ", "cns"], 1.0),  # alternatives, case and spaces forgiven
        (["myelin", "peripheral"], 0.5),
        (["", "CNS"], 0.5),
        (["", ""], 0.0),
        (["myelin", "central or peripheral?"], 0.5),  # the hint is not an answer
    ],
)
def test_cloze_partial_credit_per_gap(gaps, fraction):
    result = answer(cloze(), {"gap-1": [gaps[0]], "gap-2": [gaps[1]]})
    assert result.fraction == fraction
    assert [p.label for p in result.parts] == ["Gap 1", "Gap 2"]
    assert [p.expected for p in result.parts] == ["myelin", "central"]


def test_cloze_strict_and_repeated_gaps():
    strict = cloze("{{c1::aHSCT|AHSCT}} uses {{c2::stem cells}}.", strict=True)
    assert answer(strict, {"gap-1": ["AHSCT"], "gap-2": ["stem cells"]}).correct
    assert answer(strict, {"gap-1": ["ahsct"], "gap-2": ["Stem cells"]}).fraction == 0.0
    repeated = cloze("{{c1::T}} cells and {{c1::T}} regs and {{c2::B}} cells")  # each occurrence is a gap
    assert answer(repeated, {"gap-1": ["t"], "gap-2": ["x"], "gap-3": ["b"]}).fraction == pytest.approx(2 / 3)


def test_cloze_malformed_submissions():
    assert "gap 2 is missing" in refused(cloze(), {"gap-1": ["myelin"]})
    for name in ["gap-3", "gap-0", "gap-01", "gap-x", "gap-"]:
        assert "no such gap" in refused(cloze(), {"gap-1": ["a"], "gap-2": ["b"], name: ["c"]}), name
    assert "more than once" in refused(cloze(), {"gap-1": ["a", "b"], "gap-2": ["b"]})
    assert "too long" in refused(cloze(), {"gap-1": ["a"], "gap-2": ["b" * 501]})


# --- matching -------------------------------------------------------------------------------------


def test_matching_options_are_the_sorted_rights_and_distractors():
    assert matching_options(matching()) == (
        "Immune surveillance",
        "Makes antibodies",
        "Makes myelin",
        "Supports neurons",
    )


@pytest.mark.parametrize(
    ("rights", "fraction"),
    [
        (("Makes myelin", "Immune surveillance", "Supports neurons"), 1.0),
        (("Makes myelin", "Immune surveillance", "Makes antibodies"), 2 / 3),  # a distractor
        (("Supports neurons", "Makes myelin", "Immune surveillance"), 0.0),
        (("Makes myelin", "Makes myelin", "Makes myelin"), 1 / 3),  # one option reused: at most one is right
        (("Makes myelin", None, None), 1 / 3),
        ((None, None, None), 0.0),
    ],
)
def test_matching_partial_credit_per_pair(rights, fraction):
    question = matching()
    result = answer(question, match_form(question, *rights))
    assert result.fraction == pytest.approx(fraction)
    assert [(p.label, p.given or None, p.expected) for p in result.parts] == [
        (pair.left, right, pair.right) for pair, right in zip(question.pairs, rights, strict=True)
    ]


def test_matching_malformed_submissions():
    question = matching()
    form = match_form(question, "Makes myelin", "Immune surveillance", "Supports neurons")
    assert "was sent more than once" in refused(question, {**form, "match-1": ["3", "3"]})  # a pair sent twice
    twice = MultiDict(form)
    twice.add("match-2", "1")
    assert "was sent more than once" in refused(question, twice)
    assert "no such item" in refused(question, {**form, "match-4": ["1"]})  # an unknown left item
    assert "no such item" in refused(question, {**form, "match-one": ["1"]})
    assert "not one of the options for “Oligodendrocyte”" in refused(question, {**form, "match-1": ["5"]})
    assert "not one of the options" in refused(question, {**form, "match-1": ["Makes myelin"]})
    assert "not one of the options" in refused(question, {**form, "match-1": ["0"]})
    assert "item 3 is missing" in refused(question, {"match-1": ["1"], "match-2": ["2"]})


# --- ordering -------------------------------------------------------------------------------------

KEY = ("Mobilisation", "Apheresis", "Conditioning", "Reinfusion")


def test_ordering_fields_number_the_items_alphabetically():
    assert ordering_items(ordering()) == ("Apheresis", "Conditioning", "Mobilisation", "Reinfusion")
    assert parse_response(
        ordering(), {"position-1": ["2"], "position-2": ["3"], "position-3": ["1"]} | {"position-4": ["4"]}
    ) == OrderingResponse(KEY)


@pytest.mark.parametrize(
    ("order", "fraction"),
    [
        (KEY, 1.0),
        (("Apheresis", "Mobilisation", "Conditioning", "Reinfusion"), 5 / 6),  # one neighbour swap: 5 of 6 pairs
        (("Reinfusion", "Mobilisation", "Apheresis", "Conditioning"), 3 / 6),
        (tuple(reversed(KEY)), 0.0),
    ],
)
def test_ordering_partial_credit_by_pairs_in_the_right_relative_order(order, fraction):
    question = ordering()
    result = answer(question, order_form(question, *order))
    assert result.fraction == pytest.approx(fraction)
    assert result.correct is (fraction == 1.0)
    assert [(p.label, p.given, p.expected) for p in result.parts][:2] == [
        ("Position 1", order[0], "Mobilisation"),
        ("Position 2", order[1], "Apheresis"),
    ]


def test_ordering_of_two_items_and_the_empty_answer():
    question = ordering("First", "Second")
    assert answer(question, order_form(question, "First", "Second")).fraction == 1.0
    assert answer(question, order_form(question, "Second", "First")).fraction == 0.0
    empty = parse_response(question, {"position-1": [""], "position-2": [""]})
    assert empty == OrderingResponse(())
    assert grade(question, empty).score == 0.0


def test_ordering_malformed_submissions():
    question = ordering()
    form = order_form(question, *KEY)
    assert "position 1 was given twice" in refused(question, {**form, "position-1": ["1"], "position-2": ["1"]})
    assert "from 1 to 4" in refused(question, {**form, "position-1": [""]})  # some left blank
    assert "from 1 to 4" in refused(question, {**form, "position-1": ["5"]})
    assert "from 1 to 4" in refused(question, {**form, "position-1": ["first"]})
    assert "no such item" in refused(question, {**form, "position-5": ["1"]})
    assert "item 4 is missing" in refused(question, {k: v for k, v in form.items() if k != "position-4"})


def test_ordering_grades_a_stored_response_that_is_not_a_permutation_as_zero():
    assert grade(ordering(), OrderingResponse(("Mobilisation", "Mobilisation", "Apheresis", "X"))).score == 0.0


# --- the whole layer ------------------------------------------------------------------------------


def test_grade_refuses_a_response_of_another_type_and_flashcards():
    with pytest.raises(TypeError):
        grade(single(), MultipleResponse(("cns",)))
    with pytest.raises(TypeError):
        parse_response(flashcard(), {})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        grade(flashcard(), SingleResponse())  # type: ignore[arg-type]


def test_correct_answer_text_for_every_type():
    assert correct_answer_text(single()) == "Central"
    assert correct_answer_text(multiple()) == "Oligodendrocytes; Schwann cells"
    assert correct_answer_text(true_false(False)) == "False"
    assert correct_answer_text(short()) == "oligodendrocyte (also accepted: oligodendrocytes)"
    assert correct_answer_text(short("Schwann")) == "Schwann"
    assert correct_answer_text(numeric()) == "2.8 million (± 0.1)"
    assert correct_answer_text(numeric(50, 0, "%")) == "50%"
    assert correct_answer_text(numeric(-0.5, 0, None)) == "-0.5"
    assert correct_answer_text(cloze()) == "MS damages myelin in the central nervous system."
    assert correct_answer_text(matching()) == (
        "Oligodendrocyte → Makes myelin; Microglia → Immune surveillance; Astrocyte → Supports neurons"
    )
    assert correct_answer_text(ordering()) == "1. Mobilisation; 2. Apheresis; 3. Conditioning; 4. Reinfusion"
    assert correct_answer_text(flashcard()) == "A first episode."


def test_normalise():
    assert normalise("  Oligodéndrocyte\t CELLS ") == "oligodendrocyte cells"
    assert normalise("  Oligodéndrocyte\t CELLS ", strict=True) == "Oligodéndrocyte\t CELLS"


def test_shuffled_is_reproducible_per_seed_and_never_mutates():
    items = list(range(20))
    first = shuffled(items, 42)
    assert first == shuffled(items, 42)
    assert sorted(first) == items
    assert items == list(range(20))
    assert first != shuffled(items, 43)
    assert shuffled(items, 42, "q1") == shuffled(items, 42, "q1") != shuffled(items, 42, "q2")
    assert shuffled((), 1) == []


# --- properties -----------------------------------------------------------------------------------

QUESTIONS = [single(), multiple(), true_false(), short(), numeric(), cloze(), matching(), ordering()]
NAMES = ["choice", "answer", "gap-1", "gap-2", "gap-3", "match-1", "match-2", "match-3", "match-4"]
NAMES += [f"position-{i}" for i in range(6)] + ["csrf_token"]
VALUES = st.one_of(
    st.sampled_from(["", "1", "2", "3", "4", "5", "cns", "oligo", "true", "false", "2,8", "1,480", "myelin"]),
    st.text(max_size=20),
    st.text(min_size=495, max_size=505, alphabet="ab"),
)
FORMS = st.dictionaries(
    st.one_of(st.sampled_from(NAMES), st.text(max_size=12)),
    st.one_of(st.lists(VALUES, max_size=3), VALUES, st.none(), st.integers()),
    max_size=8,
)


@given(st.sampled_from(QUESTIONS), FORMS)
def test_parse_response_raises_nothing_but_response_error(question, form):
    try:
        response = parse_response(question, form)
    except ResponseError as exc:
        assert exc.message
    else:
        assert 0.0 <= grade(question, response).fraction <= 1.0


def responses(question: Any) -> st.SearchStrategy[Any]:
    """Every response a form could give for ``question`` (and a few it could not)."""
    text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30).map(str.strip)
    match question.type:
        case "single":
            return st.builds(SingleResponse, st.none() | st.sampled_from([c.id for c in question.choices]))
        case "multiple":
            ids = [c.id for c in question.choices]
            return st.sets(st.sampled_from(ids)).map(lambda s: MultipleResponse(tuple(i for i in ids if i in s)))
        case "true_false":
            return st.builds(TrueFalseResponse, st.none() | st.booleans())
        case "short_answer":
            return st.builds(ShortAnswerResponse, text | st.sampled_from(question.answers))
        case "numeric":
            numbers = st.builds(
                lambda d, sep: str(d).replace(".", sep), st.decimals(-10, 10, places=2), st.sampled_from(".,")
            )
            return st.builds(NumericResponse, st.just("") | numbers)
        case "cloze":
            return st.lists(text | st.sampled_from(["myelin", "central"]), min_size=2, max_size=2).map(
                lambda gaps: ClozeResponse(tuple(gaps))
            )
        case "matching":
            options = [None, *matching_options(question)]
            return st.lists(st.sampled_from(options), min_size=3, max_size=3).map(lambda m: MatchingResponse(tuple(m)))
        case "ordering":
            return st.just(OrderingResponse(())) | st.permutations(question.items).map(
                lambda order: OrderingResponse(tuple(order))
            )
    raise AssertionError(question.type)


@given(st.sampled_from(QUESTIONS).flatmap(lambda q: st.tuples(st.just(q), responses(q))))
def test_every_grade_is_within_bounds_and_survives_a_form_round_trip(pair):
    question, response = pair
    result = grade(question, response)
    assert 0.0 <= result.fraction <= 1.0
    assert 0.0 <= result.score <= result.max_score == question.points
    assert result.score == pytest.approx(result.fraction * question.points)
    assert result.correct is (result.fraction == 1.0)
    assert parse_response(question, response_form(question, response)) == response


@given(st.integers(2, 8).flatmap(lambda n: st.tuples(st.just(n), st.permutations(range(n)))))
def test_ordering_scores_full_marks_iff_the_order_is_the_key(case):
    n, permutation = case
    question = ordering(*[f"step {i}" for i in range(n)])
    result = grade(question, OrderingResponse(tuple(question.items[i] for i in permutation)))
    assert result.correct is (list(permutation) == list(range(n)))
    assert (result.fraction == 0.0) is (list(permutation) == list(reversed(range(n))))
