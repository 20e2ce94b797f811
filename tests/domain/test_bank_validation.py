"""Bank validation: one case per class of error, each with its exact location and message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quizapp.domain.banks import (
    BankError,
    bank_to_data,
    dump_bank,
    export_yaml,
    json_schema,
    parse_bank,
    quiz_pool,
)
from quizapp.domain.types.cloze import cloze_gaps

DATA = Path(__file__).resolve().parent.parent / "data"
HEAD = (
    "format: 1\nid: demo\ntitle: Demo\ndescription: A bank.\nlanguage: en\nlicense: CC0-1.0\n"
    "authors: [tests]\nreviewed_on: 2026-11-25\ntags: [demo]\nquestions:\n"
)  # ten lines: the first question starts on line 11
SINGLE = """  - id: q1
    type: single
    prompt: "Q?"
    choices:
      - {id: a, text: "A", correct: true}
      - {id: b, text: "B"}
"""
TF = "  - id: q1\n    type: true_false\n    prompt: P\n    answer: true\n"


def problems(body: str, head: str = HEAD) -> list[str]:
    with pytest.raises(BankError) as info:
        parse_bank(head + body, "b.yaml")
    return [str(p) for p in info.value.problems]


CASES = {
    "unknown field": (SINGLE + "    colour: blue\n", ["b.yaml:17:5: questions[0].colour: unknown field 'colour'"]),
    "misspelt field": (
        TF + "    explaination: x\n",
        ["b.yaml:15:5: questions[0].explaination: unknown field 'explaination'; did you mean 'explanation'?"],
    ),
    "missing field": (
        "  - id: q1\n    type: short_answer\n    answers: [x]\n",
        ["b.yaml:11:5: questions[0]: missing required field 'prompt'"],
    ),
    "wrong type": (
        "  - id: q1\n    type: short_answer\n    prompt: P\n    answers: x\n",
        ["b.yaml:14:14: questions[0].answers: expected a list, got text"],
    ),
    "duplicate question id": (
        SINGLE + SINGLE,
        ["b.yaml:17:9: questions[1].id: duplicate question id 'q1' (first used by questions[0])"],
    ),
    "single with no correct choice": (
        "  - id: q1\n    type: single\n    prompt: P\n    choices:\n"
        "      - {id: a, text: A}\n      - {id: b, text: B}\n",
        ["b.yaml:15:7: questions[0].choices: a single-choice question needs exactly one correct choice; it has 0"],
    ),
    "single with two correct choices": (
        "  - id: q1\n    type: single\n    prompt: P\n    choices:\n"
        "      - {id: a, text: A, correct: true}\n      - {id: b, text: B, correct: true}\n",
        ["b.yaml:15:7: questions[0].choices: a single-choice question needs exactly one correct choice; it has 2"],
    ),
    "multiple with no correct choice": (
        "  - id: q1\n    type: multiple\n    prompt: P\n    choices:\n"
        "      - {id: a, text: A}\n      - {id: b, text: B}\n",
        ["b.yaml:15:7: questions[0].choices: a multiple-choice question needs at least one correct choice"],
    ),
    "duplicate choice id": (
        "  - id: q1\n    type: single\n    prompt: P\n    choices:\n"
        "      - {id: a, text: A, correct: true}\n      - {id: a, text: B}\n",
        ["b.yaml:16:14: questions[0].choices[1].id: duplicate choice id 'a' in this question"],
    ),
    "cloze without a gap": (
        "  - id: q1\n    type: cloze\n    prompt: No gaps here.\n",
        ["b.yaml:13:13: questions[0].prompt: a cloze question needs at least one gap written as {{c1::answer}}"],
    ),
    "cloze with an unclosed gap": (
        '  - id: q1\n    type: cloze\n    prompt: "A {{c1::gap}} and {{c2::broken"\n',
        ["b.yaml:13:13: questions[0].prompt: a gap is not closed or not written as {{c1::answer}}"],
    ),
    "numeric with a negative tolerance": (
        "  - id: q1\n    type: numeric\n    prompt: P\n    answer: 3\n    tolerance: -0.5\n",
        ["b.yaml:15:16: questions[0].tolerance: the tolerance must be 0 or more, not -0.5"],
    ),
    "reference without citation": (
        SINGLE + '    references:\n      - doi: "10.1000/xyz"\n',
        ["b.yaml:18:9: questions[0].references[0]: missing required field 'citation'"],
    ),
    "malformed DOI and PMID": (
        SINGLE + '    references:\n      - citation: X\n        doi: "doi:10.1000/x"\n        pmid: "PMC123"\n',
        [
            "b.yaml:19:14: questions[0].references[0].doi: 'doi:10.1000/x' is not a DOI "
            "(it should look like 10.1056/NEJMra1401483)",
            "b.yaml:20:15: questions[0].references[0].pmid: 'PMC123' is not a PMID (digits only, e.g. 29275977)",
        ],
    ),
    "unknown question type": (
        "  - id: q1\n    type: essay\n    prompt: P\n",
        [
            "b.yaml:12:11: questions[0].type: unknown question type 'essay'; use one of: single, multiple, "
            "true_false, short_answer, numeric, cloze, matching, ordering, flashcard"
        ],
    ),
    "yes is not a boolean": (
        "  - id: q1\n    type: true_false\n    prompt: P\n    answer: yes\n",
        ["b.yaml:14:13: questions[0].answer: write true or false, not 'yes'"],
    ),
    "invalid id": (
        "  - id: Q 1\n    type: true_false\n    prompt: P\n    answer: true\n",
        [
            "b.yaml:11:9: questions[0].id: 'Q 1' is not a valid id: use lowercase letters, digits and single - "
            "or _ between them (max 64)"
        ],
    ),
    "unknown difficulty": (
        TF + "    difficulty: trivial\n",
        ["b.yaml:15:17: questions[0].difficulty: 'trivial' is not allowed; use one of: easy, medium, hard"],
    ),
    "empty text": (
        '  - id: q1\n    type: true_false\n    prompt: "  "\n    answer: true\n',
        ["b.yaml:13:13: questions[0].prompt: must not be empty"],
    ),
    "octal-looking number": (
        TF + "    points: 010\n",
        ["b.yaml:15:13: questions[0].points: write the number '010' in plain decimal, e.g. 2.5 or 1e-3"],
    ),
    "zero points": (TF + "    points: 0\n", ["b.yaml:15:13: questions[0].points: must be greater than 0"]),
    "duplicate matching side": (
        "  - id: q1\n    type: matching\n    prompt: P\n    pairs:\n"
        "      - {left: A, right: X}\n      - {left: A, right: Y}\n",
        ["b.yaml:15:7: questions[0].pairs: the left side 'A' appears 2 times; each must be unique"],
    ),
    "too few choices": (
        "  - id: q1\n    type: single\n    prompt: P\n    choices:\n      - {id: a, text: A, correct: true}\n",
        ["b.yaml:15:7: questions[0].choices: needs at least 2 items"],
    ),
    "quiz naming an unknown question": (
        TF + "quizzes:\n  - id: x\n    title: X\n    questions: [q1, q9]\n",
        ["b.yaml:18:21: quizzes[0].questions[1]: no question has the id 'q9'"],
    ),
    "quiz naming a flashcard": (
        TF + "  - id: c1\n    type: flashcard\n    front: F\n    back: B\nquizzes:\n  - id: x\n    title: X\n"
        "    questions: [c1]\n",
        ["b.yaml:22:17: quizzes[0].questions[0]: 'c1' is a flashcard; flashcards are never in a quiz"],
    ),
    "quiz asking for too many": (
        TF + "quizzes:\n  - id: x\n    title: X\n    count: 5\n",
        ["b.yaml:18:12: quizzes[0].count: asks for 5 questions but only 1 match"],
    ),
    "quiz with an unused tag": (
        TF + "quizzes:\n  - id: x\n    title: X\n    tags: [nowhere]\n",
        ["b.yaml:18:12: quizzes[0].tags[0]: no quiz question in this bank has the tag 'nowhere'"],
    ),
    "quiz time limit of zero": (
        TF + "quizzes:\n  - id: x\n    title: X\n    time_limit_minutes: 0\n",
        ["b.yaml:18:25: quizzes[0].time_limit_minutes: must be greater than 0"],
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_error_class_has_its_location_and_message(case: str):
    body, expected = CASES[case]
    assert problems(body) == expected


def test_impossible_date():
    assert problems(TF, HEAD.replace("2026-11-25", "2026-02-30")) == [
        "b.yaml:8:14: reviewed_on: '2026-02-30' is not a real date"
    ]


def test_missing_header_fields_and_unsupported_format():
    head = "format: 2\nid: demo\nquestions:\n"
    assert problems(TF.replace("  - id", "  - id", 1), head) == [
        "b.yaml:1:1: missing required field 'title'",
        "b.yaml:1:1: missing required field 'description'",
        "b.yaml:1:1: missing required field 'language'",
        "b.yaml:1:1: missing required field 'license'",
        "b.yaml:1:1: missing required field 'authors'",
        "b.yaml:1:1: missing required field 'reviewed_on'",
        "b.yaml:1:9: format: unsupported format 2; this version of quizapp reads format 1",
    ]


def test_every_problem_is_reported_at_once():
    body = (
        SINGLE
        + "    colour: blue\n"
        + "  - id: q2\n    type: numeric\n    prompt: P\n    answer: 1\n    tolerance: -1\n"
        + "  - id: q3\n    type: cloze\n    prompt: none\n"
        + SINGLE
    )
    found = problems(body)
    assert [p.split(": ", 1)[0] for p in found] == ["b.yaml:17:5", "b.yaml:22:16", "b.yaml:25:13", "b.yaml:26:9"]


@pytest.mark.parametrize("typed", ["no", "yes", "off", "3.10", "1:30", "010", "2024-01-01", "null", "~", "0x1F"])
def test_text_is_never_coerced(typed: str):
    body = f"  - id: q1\n    type: short_answer\n    prompt: {typed}\n    answers: [{typed}]\n"
    bank = parse_bank(HEAD + body, "b.yaml")
    question = bank.questions[0]
    assert question.prompt == typed
    assert question.answers == [typed]


def test_all_types_bank_is_valid_and_round_trips_through_export():
    source = (DATA / "banks" / "all-types.yaml").read_text()
    bank = parse_bank(source, "all-types.yaml")
    assert [q.type for q in bank.questions] == [
        "single",
        "multiple",
        "true_false",
        "short_answer",
        "numeric",
        "cloze",
        "matching",
        "ordering",
        "flashcard",
    ]
    exported = export_yaml(json.loads(json.dumps(bank.model_dump(mode="json"))))
    again = parse_bank(exported, "exported.yaml")
    assert again == bank
    assert dump_bank(bank_to_data(again)) == exported


def test_quiz_pool_follows_questions_and_tags():
    bank = parse_bank((DATA / "banks" / "all-types.yaml").read_text(), "all-types.yaml")
    practice, exam = bank.quizzes
    assert len(quiz_pool(bank, practice)) == 8  # every question but the flashcard
    assert [q.id for q in quiz_pool(bank, exam)] == ["single-1", "multiple-1", "tf-1"]
    assert exam.time_limit_minutes == 10 and exam.mode == "exam"


def test_cloze_gaps():
    assert cloze_gaps("A {{c1::myelin}} b {{c2::CNS|central nervous system::where?}} {{c1::x}}") == [
        (1, ["myelin"], None),
        (2, ["CNS", "central nervous system"], "where?"),
        (1, ["x"], None),
    ]


def test_json_schema_describes_the_format():
    schema = json_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["required"]) >= {"format", "id", "title", "questions", "reviewed_on"}
    question = schema["properties"]["questions"]["items"]
    assert set(question["discriminator"]["mapping"]) == {
        "single",
        "multiple",
        "true_false",
        "short_answer",
        "numeric",
        "cloze",
        "matching",
        "ordering",
        "flashcard",
    }
    assert schema["$defs"]["SingleQuestion"]["additionalProperties"] is False


def test_the_documented_complete_example_is_valid():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "bank-format.md").read_text()
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    bank = parse_bank(example, "docs/bank-format.md")
    assert {q.type for q in bank.questions} == {
        "single",
        "multiple",
        "true_false",
        "short_answer",
        "numeric",
        "cloze",
        "matching",
        "ordering",
        "flashcard",
    }
    assert [q.id for q in bank.quizzes] == ["practice", "exam"]
