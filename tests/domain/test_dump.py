"""The bank dumper: the same text as PyYAML's own safe dumper, never an anchor, read back as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from quizapp.domain.banks import bank_to_data, dump_bank, parse_bank, question_problems

ROOT = Path(__file__).resolve().parent.parent.parent
BANKS = [*sorted((ROOT / "questions").glob("*.yaml")), ROOT / "tests" / "data" / "formats" / "roundtrip.yaml"]


class _Reference(yaml.SafeDumper):
    """PyYAML's pure-Python safe dumper with the bank dumper's one rule: block style for multi-line text."""


def _block_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not any(c in value for c in "\r\t") and value == value.rstrip(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Reference.add_representer(str, _block_text)


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_dump_bank_writes_what_pyyamls_dumper_writes(path):
    data = bank_to_data(parse_bank(path.read_text(), path.name))
    expected = yaml.dump(data, Dumper=_Reference, sort_keys=False, allow_unicode=True, width=100)
    assert dump_bank(data) == expected
    assert parse_bank(dump_bank(data), path.name) == parse_bank(path.read_text(), path.name)


def test_shared_lists_are_written_twice_not_as_an_alias():
    tags = ["shared"]
    question = {"id": "q1", "type": "true_false", "prompt": "P?", "answer": True, "tags": tags}
    data = {
        **{k: v for k, v in bank_to_data(parse_bank(BANKS[-1].read_text())).items() if k != "questions"},
        "quizzes": [],
        "questions": [question, {**question, "id": "q2"}],
    }
    text = dump_bank(data)
    assert "&" not in text and "*id" not in text
    assert [q.tags for q in parse_bank(text).questions] == [["shared"], ["shared"]]


def test_question_problems_names_the_field():
    assert question_problems({"id": "q", "type": "true_false", "prompt": "P?", "answer": True}) == []
    assert question_problems({"id": "q", "type": "single", "prompt": "P?", "choices": []}) == [
        "choices: needs at least 2 items"
    ]
    assert question_problems({"id": "Bad Id", "type": "flashcard", "front": "F", "back": "B"})[0].startswith("id: ")
