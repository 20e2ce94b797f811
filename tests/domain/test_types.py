"""The question-type registry: it covers the bank format, and each type's form round trip holds."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.domain import types
from quizapp.domain.banks import parse_bank
from quizapp.domain.grading import ResponseError, parse_response, response_form
from quizapp.domain.quizzes import response_data, response_from_data
from quizapp.domain.types.base import QuestionType, Response

from .test_quizzes import BANK, BLANK, RIGHT, Q

DOCS = Path(__file__).resolve().parents[2] / "docs"
BY_TYPE = {Q[key].type: key for key in RIGHT}  # a quiz question of each type in the all-types bank


def test_the_registry_holds_every_type_of_the_bank_format_in_bank_order():
    documented = re.search(r"^\| `type` \|.*$", (DOCS / "bank-format.md").read_text(), re.MULTILINE)
    assert documented, "the type row of the bank-format table"
    named = re.findall(r"`([a-z_]+)`", documented[0].split("|")[-2])
    assert types.QUESTION_TYPES == tuple(named) == tuple(dict.fromkeys(q.type for q in BANK.questions))
    assert tuple(t for t in named if t != "flashcard") == types.QUIZ_TYPES
    assert set(BY_TYPE) == set(types.QUIZ_TYPES)


@pytest.mark.parametrize("name", types.QUESTION_TYPES)
def test_each_type_is_whole(name):
    kind = types.get(name)
    assert isinstance(kind, QuestionType) and kind.name == name and kind.label
    assert typing.get_args(kind.model.model_fields["type"].annotation) == (name,)
    assert kind.quiz is (name in types.QUIZ_TYPES)
    if kind.quiz:
        assert kind.response is not None and issubclass(kind.response, Response)
        assert kind.blank() == kind.response()


def test_an_unknown_type_is_a_key_error_and_keeps_its_name_as_label():
    with pytest.raises(KeyError, match="unknown question type 'essay'"):
        types.get("essay")
    assert types.label("essay") == "essay"
    assert types.label("true_false") == "true or false"


def test_a_flashcard_has_no_response():
    card = next(q for q in BANK.questions if not types.get(q.type).quiz)
    with pytest.raises(TypeError):
        types.get(card.type).blank()
    with pytest.raises(TypeError):
        parse_response(card, {})


def test_the_bank_format_refuses_an_unregistered_type_naming_the_registered_ones():
    head = (
        "format: 1\nid: demo\ntitle: Demo\ndescription: A bank.\nlanguage: en\nlicense: CC0-1.0\n"
        "authors: [tests]\nreviewed_on: 2026-11-25\nquestions:\n  - {id: q1, type: essay, prompt: Why?}\n"
    )
    with pytest.raises(Exception, match="unknown question type 'essay'; use one of: single, multiple") as info:
        parse_bank(head)
    assert ", ".join(types.QUESTION_TYPES) in str(info.value)


@pytest.mark.parametrize("name", types.QUIZ_TYPES)
def test_the_right_answer_round_trips_through_the_form_and_storage(name):
    question = Q[BY_TYPE[name]]
    response = parse_response(question, RIGHT[BY_TYPE[name]])
    assert parse_response(question, response_form(question, response)) == response
    assert response_from_data(question, response_data(response)) == response


_VALUES = ["", "1", "2", "3", "4", "a", "b", "c", "true", "false", "2,8", "myelin", "central"]


@st.composite
def _forms(draw: st.DrawFn, name: str) -> tuple[str, dict[str, list[str]]]:
    """A form for the all-types question of type ``name``: its fields, with values from its answers (often
    the right answers shuffled among the fields, so that selects get distinct positions) or anything."""
    key = BY_TYPE[name]
    seen = sorted({v for form in (RIGHT[key], BLANK[key]) for values in form.values() for v in values})
    value = st.sampled_from(sorted({*seen, *_VALUES})) | st.text(max_size=12)
    always = sorted(BLANK[key])  # the inputs and selects a browser always sends
    sometimes = {n: st.lists(value, max_size=3) for n in RIGHT[key] if n not in BLANK[key]}  # checked boxes
    if always and draw(st.booleans()):
        right = draw(st.permutations([RIGHT[key][n][0] for n in always]))
        fixed = {n: st.just([v]) for n, v in zip(always, right, strict=True)}
    else:
        fixed = {n: st.lists(value, min_size=1, max_size=1) for n in always}
    return key, draw(st.fixed_dictionaries(fixed, optional=sometimes))


@given(st.sampled_from(types.QUIZ_TYPES).flatmap(_forms))
def test_parse_then_response_form_then_parse_gives_the_same_response(case):
    key, form = case
    question = Q[key]
    try:
        response = parse_response(question, form)
    except ResponseError:
        return  # a malformed form has nothing to round-trip
    assert parse_response(question, response_form(question, response)) == response
    assert response_from_data(question, response_data(response)) == response
