"""The diff between two versions of a bank: word-level changes, and each change classed minor or major by
its question type."""

from __future__ import annotations

import pytest

from quizapp.domain.diff import BankDiff, LiveQuestion, Op, Status, diff_bank, label, question_changes, word_diff


def ops(old: str, new: str) -> list[tuple[str, str]]:
    return [(s.op.value, s.text) for s in word_diff(old, new)]


def test_word_diff_marks_whole_words_and_gives_both_texts_back():
    segments = word_diff("Myelin is made by oligodendrocytes.", "Myelin is made by Schwann cells.")
    assert [(s.op, s.text) for s in segments] == [
        (Op.SAME, "Myelin is made by "),
        (Op.DELETED, "oligodendrocytes"),
        (Op.INSERTED, "Schwann cells"),
        (Op.SAME, "."),
    ]
    assert "".join(s.text for s in segments if s.op != Op.INSERTED) == "Myelin is made by oligodendrocytes."
    assert "".join(s.text for s in segments if s.op != Op.DELETED) == "Myelin is made by Schwann cells."
    assert ops("", "new text") == [("inserted", "new text")]
    assert ops("same", "same") == [("same", "same")]


def test_labels_read_as_words():
    assert label(("choices", "b", "text")) == "choice b: text"
    assert label(("references", "2", "citation")) == "reference 2: citation"
    assert label(("choices",)) == "order of the choices"
    assert label(("explanation",)) == "explanation"


def single(**changes):
    data = {
        "id": "q1",
        "type": "single",
        "prompt": "Which cells make myelin in the brain?",
        "choices": [
            {"id": "a", "text": "Oligodendrocytes", "correct": True, "feedback": None},
            {"id": "b", "text": "Schwann cells", "correct": False, "feedback": "Those are peripheral."},
        ],
        "explanation": "Oligodendrocytes myelinate central axons.",
        "tags": ["myelin"],
        "references": [{"citation": "A textbook", "doi": None, "pmid": None, "url": None}],
        "shuffle": True,
        "points": 1.0,
    }
    return {**data, **changes}


def classed(kind: str, old: dict, new: dict) -> dict[str, bool]:
    return {c.label: c.major for c in question_changes(kind, old, new)}


def test_choice_questions_wording_feedback_and_order_are_minor_the_key_and_choices_major():
    old = single()
    choices = [dict(c) for c in old["choices"]]
    choices[1]["feedback"] = "Those myelinate peripheral nerves."
    assert classed("single", old, single(prompt="Which cells myelinate the CNS?", choices=choices)) == {
        "prompt": False,
        "choice b: feedback": False,
    }
    assert classed("single", old, single(choices=list(reversed(old["choices"])))) == {"order of the choices": False}
    assert classed("single", old, single(tags=["myelin", "cells"], explanation="Yes.")) == {
        "explanation": False,
        "tags": False,
    }
    flipped = [dict(c, correct=not c["correct"]) for c in old["choices"]]
    assert classed("single", old, single(choices=flipped)) == {"choice a: correct": True, "choice b: correct": True}
    reworded = [dict(old["choices"][0], text="Astrocytes"), old["choices"][1]]
    assert classed("single", old, single(choices=reworded)) == {"choice a: text": True}
    added = [*old["choices"], {"id": "c", "text": "Neurons", "correct": False, "feedback": None}]
    assert classed("single", old, single(choices=added)) == {"choice c": True}


def test_a_type_change_is_major():
    old = single()
    new = {"id": "q1", "type": "true_false", "prompt": "Oligodendrocytes make myelin.", "answer": True}
    changes = question_changes("true_false", old, new)
    assert changes[0].label == "type" and all(c.major for c in changes)


@pytest.mark.parametrize(
    ("kind", "old", "new", "expected"),
    [
        ("true_false", {"prompt": "X.", "answer": True}, {"prompt": "X.", "answer": False}, {"answer": True}),
        ("true_false", {"feedback": {"true": "Yes"}}, {"feedback": {"true": "Yes!"}}, {"feedback: true": False}),
        ("numeric", {"answer": 5.0, "tolerance": 0.0}, {"answer": 5.0, "tolerance": 0.5}, {"tolerance": True}),
        ("numeric", {"unit": "mg"}, {"unit": "g"}, {"unit": True}),
        ("short_answer", {"answers": ["MS"]}, {"answers": ["MS", "multiple sclerosis"]}, {"answers": True}),
        ("ordering", {"items": ["a", "b"]}, {"items": ["b", "a"]}, {"items": True}),
        ("matching", {"distractors": []}, {"distractors": ["x"]}, {"distractors": True}),
        ("flashcard", {"front": "F", "back": "B"}, {"front": "F?", "back": "B"}, {"front": False}),
        ("flashcard", {"front": "F", "back": "B"}, {"front": "F", "back": "C"}, {"back": True}),
        (
            "cloze",
            {"prompt": "Myelin is made by {{c1::oligodendrocytes}}."},
            {"prompt": "In the CNS, myelin is made by {{c1::oligodendrocytes}}."},
            {"prompt": False},
        ),
        (
            "cloze",
            {"prompt": "Made by {{c1::oligodendrocytes::cells}}."},
            {"prompt": "Made by {{c1::oligodendrocytes::glial cells}}."},
            {"prompt": False},
        ),
        (
            "cloze",
            {"prompt": "Made by {{c1::oligodendrocytes}}."},
            {"prompt": "Made by {{c1::oligodendrocytes|OPCs}}."},
            {"prompt": True},
        ),
    ],
)
def test_each_type_says_which_of_its_fields_are_the_key(kind, old, new, expected):
    base = {"id": "q", "type": kind}
    assert classed(kind, {**base, **old}, {**base, **new}) == expected


def test_diff_bank_finds_added_changed_restored_retired_and_survives_storage():
    live = [
        LiveQuestion("q1", "single", single()),
        LiveQuestion("gone", "flashcard", {"id": "gone", "type": "flashcard", "front": "F", "back": "B"}),
        LiveQuestion("back", "flashcard", {"id": "back", "type": "flashcard", "front": "F", "back": "B"}, True),
    ]
    new = [
        single(prompt="Which cells myelinate the brain?"),
        {"id": "back", "type": "flashcard", "front": "F", "back": "B"},
        {"id": "new", "type": "flashcard", "front": "N", "back": "M"},
    ]
    header = {"title": "Old", "quizzes": []}
    diff = diff_bank("demo", "New", 3, header, live, {"title": "New", "quizzes": []}, new)
    assert [(q.key, q.status) for q in diff.questions] == [
        ("q1", Status.CHANGED),
        ("back", Status.RESTORED),
        ("new", Status.ADDED),
        ("gone", Status.RETIRED),
    ]
    assert diff.counts == {
        "added": 1,
        "changed": 1,
        "restored": 1,
        "retired": 1,
        "unchanged": 0,
        "major": 0,
        "minor": 1,
        "total": 3,
    }
    assert [c.label for c in diff.header] == ["title"] and not diff.empty
    again = BankDiff.from_data(diff.to_data())
    assert again == diff
    assert diff_bank("demo", "T", 0, None, [], {"title": "T"}, new).new_bank
