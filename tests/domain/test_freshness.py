"""How current content is: the ``as_of`` field of every question type and the yearly review of a bank."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from quizapp.domain.banks import BankError, export_yaml, json_schema, parse_bank, question_hash, question_json
from quizapp.domain.cards import faces
from quizapp.domain.freshness import as_of_label, overdue, parse_as_of, review_due, review_overdue
from quizapp.domain.types import QUESTION_TYPES, REGISTRY

from ..conftest import DATA, bank_yaml

ALL_TYPES = (DATA / "banks" / "all-types.yaml").read_text()


@pytest.mark.parametrize(
    ("text", "first_day", "label"),
    [
        ("2025-03", dt.date(2025, 3, 1), "March 2025"),
        ("2025-03-14", dt.date(2025, 3, 14), "14 March 2025"),
        ("2024-02-29", dt.date(2024, 2, 29), "29 February 2024"),
        ("2020-12", dt.date(2020, 12, 1), "December 2020"),
    ],
)
def test_a_month_or_a_day_is_read_and_said_as_written(text, first_day, label):
    assert parse_as_of(text) == first_day
    assert as_of_label(text) == label


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-3", "is not a month or a date"),
        ("March 2025", "is not a month or a date"),
        ("2025", "is not a month or a date"),
        ("2025-03-14T10:00", "is not a month or a date"),
        ("2025-13", "is not a real month"),
        ("2023-02-29", "is not a real date"),
    ],
)
def test_anything_else_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_as_of(text)


@pytest.mark.parametrize(
    ("reviewed_on", "today", "overdue"),
    [
        (dt.date(2025, 11, 25), dt.date(2026, 11, 25), False),  # exactly 12 months: still current
        (dt.date(2025, 11, 25), dt.date(2026, 11, 26), True),
        (dt.date(2025, 11, 25), dt.date(2025, 11, 25), False),
        (dt.date(2026, 11, 25), dt.date(2025, 1, 1), False),  # a review dated after today is not overdue
        (dt.date(2024, 2, 29), dt.date(2025, 2, 28), False),
        (dt.date(2024, 2, 29), dt.date(2025, 3, 1), True),
    ],
)
def test_a_review_is_overdue_more_than_twelve_months_on(reviewed_on, today, overdue):
    assert review_overdue(reviewed_on, today) is overdue


def test_the_review_of_29_february_lasts_until_28_february():
    assert review_due(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert review_due(dt.date(2025, 6, 30)) == dt.date(2026, 6, 30)


# --- in the bank format --------------------------------------------------------------------------------

QUESTIONS = """
  - id: month
    type: true_false
    prompt: "Dated by month?"
    answer: true
    as_of: 2025-03
  - id: day
    type: flashcard
    front: "Dated by day"
    back: "Yes"
    as_of: 2025-03-14
  - id: undated
    type: true_false
    prompt: "Not dated?"
    answer: true
"""


def test_every_question_type_takes_as_of():
    bank = parse_bank(ALL_TYPES.replace("    type: ", "    as_of: 2025-03\n    type: "), "all-types.yaml")
    assert {q.type for q in bank.questions} == set(QUESTION_TYPES)
    assert {q.as_of for q in bank.questions} == {"2025-03"}


def test_as_of_is_kept_as_written_and_left_out_of_stored_json_when_absent():
    month, day, undated = parse_bank(bank_yaml(questions=QUESTIONS)).questions
    assert (month.as_of, day.as_of, undated.as_of) == ("2025-03", "2025-03-14", None)
    assert json.loads(question_json(month))["as_of"] == "2025-03"
    assert "as_of" not in json.loads(question_json(undated))


def test_a_question_without_as_of_keeps_its_content_hash():
    # The hash of an undated question is what it was before the field existed: no import sees a change.
    undated = parse_bank(bank_yaml(questions=QUESTIONS)).questions[2]
    before = {k: v for k, v in json.loads(question_json(undated)).items() if k != "as_of"}
    assert question_json(undated) == json.dumps(before, separators=(",", ":"))
    assert question_hash(undated) == question_hash(undated.model_copy())


def test_export_keeps_as_of_and_reimports_unchanged():
    bank = parse_bank(bank_yaml(questions=QUESTIONS))
    data = json.loads(json.dumps({**bank.model_dump(mode="json"), "reviewed_on": "2026-11-25"}))
    text = export_yaml(data)
    assert "as_of: 2025-03\n" in text and "as_of: '2025-03-14'\n" in text
    again = parse_bank(text)
    assert again.question_hashes() == bank.question_hashes()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-3", "'2025-3' is not a month or a date: write YYYY-MM (2025-03) or YYYY-MM-DD (2025-03-14)"),
        ("2025-13", "'2025-13' is not a real month"),
        ("2025-02-30", "'2025-02-30' is not a real date"),
        ("2025", "expected a month (YYYY-MM) or a date (YYYY-MM-DD), got a number '2025'"),
        ("yes", "expected a month (YYYY-MM) or a date (YYYY-MM-DD), got a yes/no value 'yes'"),
        (
            "2026-12",
            "2026-12 is after the bank's reviewed_on (2026-11-25): a statement cannot be dated after the content"
            " was checked",
        ),
    ],
)
def test_a_bad_as_of_is_reported_where_it_is(value, message):
    text = bank_yaml(questions=QUESTIONS.replace("as_of: 2025-03\n", f"as_of: {value}\n"))
    with pytest.raises(BankError) as caught:
        parse_bank(text, "dated.yaml")
    [problem] = caught.value.problems
    assert (problem.line, problem.path, problem.message) == (15, "questions[0].as_of", message)


def test_as_of_in_the_month_of_the_review_is_accepted():
    bank = parse_bank(bank_yaml(questions=QUESTIONS.replace("as_of: 2025-03\n", "as_of: 2026-11\n")))
    assert bank.questions[0].as_of == "2026-11"


def test_the_schema_describes_as_of_for_every_type():
    definitions = json_schema()["$defs"]
    for kind in REGISTRY.values():
        [dated] = [o for o in definitions[kind.model.__name__]["properties"]["as_of"]["anyOf"] if o["type"] == "string"]
        assert dated["pattern"] == r"^(\d{4})-(\d{2})(?:-(\d{2}))?$"
        assert "YYYY-MM" in dated["description"]


def test_a_cards_faces_carry_as_of():
    month, day, undated = (json.loads(question_json(q)) for q in parse_bank(bank_yaml(questions=QUESTIONS)).questions)
    assert faces(month).as_of == "2025-03"
    assert faces(day).as_of == "2025-03-14"
    assert faces(undated).as_of is None


def test_overdue_keeps_the_banks_whose_review_is_overdue_in_order():
    class Shown:
        def __init__(self, name: str, reviewed_on: dt.date):
            self.name, self.reviewed_on = name, reviewed_on

    banks = [Shown("old", dt.date(2024, 1, 1)), Shown("new", dt.date(2026, 1, 1)), Shown("older", dt.date(2020, 5, 5))]
    assert [b.name for b in overdue(banks, dt.date(2026, 6, 1))] == ["old", "older"]
    assert overdue([], dt.date(2026, 6, 1)) == ()
