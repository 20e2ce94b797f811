"""The content of questions/: valid, complete, referenced, covering every seed tag and question type."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.domain.banks import Bank, parse_bank

from .content_rules import (
    MIN_PER_SEED_TAG,
    ROOT,
    bank_name,
    bank_paths,
    collection_problems,
    load_identifiers,
    load_tags,
    question_problems,
    read_bank,
)

QUESTIONS = bank_paths()
SEED, TAGS = load_tags()
IDENTIFIERS = load_identifiers()


@pytest.fixture(scope="module")
def banks() -> list[Bank]:
    return [read_bank(path) for path in QUESTIONS]


def test_every_bank_validates():
    assert QUESTIONS, "no banks in questions/"
    for path in QUESTIONS:
        read_bank(path)  # raises BankError with every problem


@pytest.mark.parametrize("path", QUESTIONS, ids=[bank_name(p) for p in QUESTIONS])
def test_each_bank_follows_the_content_rules(path: Path):
    bank = read_bank(path)
    assert question_problems(bank, TAGS, IDENTIFIERS) == []
    assert bank.reviewed_on.year >= 2025


def test_the_collection_covers_every_tag_and_type(banks):
    assert collection_problems(banks, SEED) == []


def test_every_tag_is_documented_in_the_content_guide():
    guide = (ROOT / "docs" / "content-guide.md").read_text()
    for tag in TAGS:
        assert f"`{tag}`" in guide, f"tag {tag} is not described in docs/content-guide.md"


# The rules themselves must catch what they claim to catch.

BAD = """format: 1
id: bad
title: Bad
description: A bank breaking every content rule.
language: en
license: CC0-1.0
authors: [tests]
reviewed_on: 2026-11-25
tags: [ms-disease]
questions:
  - id: q1
    type: single
    prompt: "Same prompt?"
    choices:
      - {id: a, text: "Right", correct: true}
      - {id: b, text: "Wrong, with no feedback"}
    tags: [not-a-known-tag]
    references:
      - citation: "A real-looking source"
        doi: "10.9999/invented.123"
  - id: q2
    type: true_false
    prompt: "same   PROMPT?"
    answer: true
    explanation: "Explained."
    difficulty: easy
    tags: [ms-disease]
    references: [{citation: "Source"}]
"""


def test_the_rules_catch_each_kind_of_problem():
    bank = parse_bank(BAD, "bad.yaml")
    assert question_problems(bank, TAGS, IDENTIFIERS) == [
        "bad/q1: tag 'not-a-known-tag' is not in docs/tags.yaml",
        "bad/q1: DOI 10.9999/invented.123 is not in docs/verified-identifiers.txt",
        "bad/q1: no explanation",
        "bad/q1: no difficulty",
        "bad/q1: wrong choice 'b' has no feedback",
        "bad/q2: the wrong option (false) has no feedback",
        "bad: defines 0 quizzes; at least 2 needed",
    ]
    problems = collection_problems([bank], SEED)
    assert "1 banks; at least 8 needed" in problems
    assert "2 quiz questions; at least 450 needed" in problems
    assert "type numeric appears 0 times; at least 40 needed" in problems
    assert "tag epidemiology has 0 questions; at least 20 needed" in problems
    assert "tag disease-modelling has 0 questions; at least 20 needed" in problems
    assert f"seed tag ahsct has 0 questions; at least {MIN_PER_SEED_TAG} needed" in problems
    assert "bad/q2: same prompt as bad/q1" in problems
