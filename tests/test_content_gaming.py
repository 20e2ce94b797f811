"""The banks give a test-wise learner no help: choice length, absolute words and listed position carry no
signal beyond chance, and no choice is a catch-all or overlaps another (docs/content-guide.md).

Print the figures per bank with ``python -m tests.content_rules --gaming``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.domain.banks import parse_bank

from .content_rules import (
    ABSOLUTE_RE,
    CATCH_ALL_RE,
    bank_name,
    bank_paths,
    choice_problems,
    gaming_figures,
    gaming_problems,
    gaming_report,
    load_banks,
    main,
    read_bank,
)

QUESTIONS = bank_paths()


def test_the_banks_give_no_length_word_or_position_signal():
    assert gaming_problems(load_banks()) == []


@pytest.mark.parametrize("path", QUESTIONS, ids=[bank_name(p) for p in QUESTIONS])
def test_no_choice_is_a_catch_all_or_overlaps_another(path: Path):
    assert choice_problems(read_bank(path)) == []


# The checks must catch what they claim to catch, on a small synthetic bank.

HEADER = """format: 1
id: {id}
title: Synthetic
description: A bank for testing the harder-to-game checks.
language: en
license: CC0-1.0
authors: [tests]
reviewed_on: 2026-11-25
questions:
"""


def _single(qid: str, texts: list[str], key: int) -> str:
    lines = [f"  - id: {qid}", "    type: single", f'    prompt: "Question {qid}?"', "    choices:"]
    for i, text in enumerate(texts):
        correct = ", correct: true" if i == key else ', feedback: "Why not."'
        lines.append(f'      - {{id: c{i}, text: "{text}"{correct}}}')
    return "\n".join(lines) + "\n"


def _bank(bank_id: str, questions: list[str]):
    return parse_bank(HEADER.format(id=bank_id) + "".join(questions), f"{bank_id}.yaml")


# Four questions whose key is first, strictly the longest and free of absolutes, while every wrong choice
# carries an absolute word: each signal at its worst.
GAMEABLE = [
    _single(f"q{n}", ["The long and careful correct answer", "It never does", "Always so", "Only this"], 0)
    for n in range(4)
]
# Four questions with the key in each position, all choices the same length, one absolute word per question
# (once in a key, three times in wrong choices: a quarter of each).
FAIR = [_single(f"q{n}", ["Only in rare", "Seen in most", "Seen in some", "Seen in many"], n) for n in range(4)]


def test_the_figures_are_measured_as_documented():
    figures = gaming_figures([_bank("gameable", GAMEABLE)])
    assert figures.questions == 4
    assert figures.longest == 1.0 and figures.longest_chance == 0.25
    assert figures.absolute_wrong == 1.0 and figures.absolute_correct == 0.0
    assert figures.position == (1.0, 0.0, 0.0, 0.0)
    assert figures.position_chance == (0.25, 0.25, 0.25, 0.25)
    fair = gaming_figures([_bank("fair", FAIR)])
    assert fair.longest == 0.0
    assert fair.absolute_wrong == fair.absolute_correct == 0.25
    assert fair.position == (0.25, 0.25, 0.25, 0.25)


def test_the_checks_catch_each_signal_overall_and_per_bank():
    problems = gaming_problems([_bank("gameable", GAMEABLE)])
    assert problems == [
        "overall: the correct choice is strictly the longest in 100% of single-choice questions; at most 33%"
        " (chance 25% + 8%)",
        "overall: absolute words appear in 100% of wrong choices and 0% of correct ones; the gap may be at most 7%",
        "overall: the correct choice is listed in position 1 in 100% of single-choice questions; at most 35%"
        " (chance 25% + 10%)",
        "gameable: the correct choice is strictly the longest in 100% of single-choice questions; at most 45%"
        " (chance 25% + 20%)",
        "gameable: the correct choice is listed first in 100% of single-choice questions; at most 50%",
    ]
    assert gaming_problems([_bank("fair", FAIR)]) == []


def test_a_bank_is_held_to_its_own_limits_even_when_the_collection_passes():
    # Together the two banks are within the overall limits; alone, the gameable one is not.
    many_fair = [q.replace("id: q", f"id: r{k}q") for k in range(6) for q in FAIR]
    texts = ["The long and careful correct answer", "It fades", "Rare", "This"]
    one_gameable = [_single(f"q{n}", texts, 0) for n in (1, 2)]
    problems = gaming_problems([_bank("fair", many_fair), _bank("gameable", one_gameable)])
    assert [p for p in problems if p.startswith("overall")] == []
    assert any(p.startswith("gameable: the correct choice is strictly the longest") for p in problems)
    assert any(p.startswith("gameable: the correct choice is listed first") for p in problems)


def test_only_single_choice_questions_are_measured():
    multiple = """  - id: m1
    type: multiple
    prompt: "Pick the right ones"
    choices:
      - {id: a, text: "The first long and right one", correct: true}
      - {id: b, text: "The second long and right one", correct: true}
      - {id: c, text: "Never", feedback: "Why not."}
"""
    assert gaming_figures([_bank("multi", [multiple])]).questions == 0


@pytest.mark.parametrize(
    "text",
    [
        "All of the above",
        "none of these",
        "Both of the above.",
        "Neither of the above",
        "All the above",
        "A and B",
        "Both A and C",
        "(a) and (c)",
        "Options 1 and 3",
        "a, b and d",
        "Any of the other answers",
    ],
)
def test_catch_all_choices_are_recognised(text: str):
    assert CATCH_ALL_RE.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "A and B cells",
        "T cells and B cells",
        "Vitamin A and D",
        "All patients above 50",
        "Both relapses and progression",
        "None",
    ],
)
def test_ordinary_choices_are_not_catch_alls(text: str):
    assert not CATCH_ALL_RE.search(text)


@pytest.mark.parametrize(
    ("text", "absolute"),
    [
        ("It always relapses", True),
        ("NEVER seen", True),
        ("A proven cure", True),
        ("Cured in all", True),
        ("It must be treated", True),
        ("Completely reversible", True),
        ("Usually relapses", False),
        ("Overall survival", False),  # "all" inside a word is not the word
        ("Mustard gas", False),
        ("Curettage", False),
    ],
)
def test_absolute_words_are_whole_words(text: str, absolute: bool):
    assert bool(ABSOLUTE_RE.search(text)) is absolute


def test_catch_alls_and_overlapping_choices_are_reported():
    question = """  - id: q1
    type: single
    prompt: "Which?"
    choices:
      - {id: a, text: "Vitamin D", correct: true}
      - {id: b, text: "Low vitamin D levels in winter", feedback: "Why not."}
      - {id: c, text: "vitamin   d.", feedback: "Why not."}
      - {id: d, text: "All of the above", feedback: "Why not."}
      - {id: e, text: "Vitamins", feedback: "Not a whole-word match of Vitamin D, so no overlap."}
  - id: q2
    type: multiple
    prompt: "Which ones?"
    choices:
      - {id: a, text: "B cells", correct: true}
      - {id: b, text: "Memory B cells", correct: true}
      - {id: c, text: "A and B", feedback: "Why not."}
"""
    assert choice_problems(_bank("overlap", [question])) == [
        "overlap/q1: choice 'd' is a catch-all ('All of the above')",
        "overlap/q1: choice 'a' is contained in choice 'b'",
        "overlap/q1: choices 'a' and 'c' are the same text",
        "overlap/q1: choice 'c' is contained in choice 'b'",
        "overlap/q2: choice 'c' is a catch-all ('A and B')",
        "overlap/q2: choice 'a' is contained in choice 'b'",
    ]
    assert choice_problems(_bank("fair", FAIR)) == []


def test_the_report_prints_figures_per_bank_and_every_problem(tmp_path, capsys):
    path = tmp_path / "gameable.yaml"
    path.write_text(HEADER.format(id="gameable") + "".join(GAMEABLE))
    assert main(["--gaming", str(path)]) == 1
    out = capsys.readouterr().out
    assert out == gaming_report([_bank("gameable", GAMEABLE)]) + "\n"
    assert "gameable" in out.splitlines()[1] and "overall" in out.splitlines()[2]
    assert "gameable: the correct choice is listed first in 100%" in out
    fair = tmp_path / "fair.yaml"
    fair.write_text(HEADER.format(id="fair") + "".join(FAIR))
    assert main(["--gaming", str(fair)]) == 0
    assert capsys.readouterr().out.endswith("every harder-to-game rule holds\n")


def test_the_counts_are_printed_per_bank_and_for_the_collection(tmp_path, capsys):
    path = tmp_path / "fair.yaml"
    path.write_text(HEADER.format(id="fair") + "".join(FAIR))
    assert main(["--counts", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "fair: 4 quiz questions, 0 flashcards"
    assert lines[1].startswith("  types: single 4, multiple 0, ")
    assert lines[3] == "collection: 4 quiz questions, 0 flashcards"
    assert main([]) == 2
