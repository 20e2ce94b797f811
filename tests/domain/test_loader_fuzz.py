"""Fuzzing: whatever bytes arrive, the loader returns a Bank or raises BankError, never anything else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from quizapp.domain.banks import Bank, BankError, parse_bank

VALID = (Path(__file__).resolve().parent.parent / "data" / "banks" / "all-types.yaml").read_text()
LINES = VALID.splitlines(keepends=True)
TOKENS = [
    "&a ",
    "*a",
    "<<: ",
    "!!python/name:os.system ",
    "!!binary ",
    "? ",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    "\t",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "'",
    '"',
    "|",
    ">",
    "#",
    "\\",
    "{{c1::",
    "}}",
    "no",
    "010",
    "1:30",
    "~",
    "null",
    "true",
    "1e999",
    "-.inf",
    ".nan",
    "\x00",
    "\ufeff",
    "\u2028",
    "é",
    "  ",
    "\n",
    "type: ",
    "id: ",
]


def check(source: str | bytes) -> None:
    try:
        result = parse_bank(source, "fuzz.yaml")
    except BankError as exc:
        assert exc.problems, "a BankError always lists at least one problem"
        for problem in exc.problems:
            assert problem.file == "fuzz.yaml" and problem.message
        return
    assert isinstance(result, Bank)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
@example("a: !!python/object/apply:os.system ['true']")
@example("[" * 2000)
@example("- &a [*a]")
def test_random_text(text: str):
    check(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes):
    check(data)


@st.composite
def mutated_bank(draw) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "replace", "swap", "indent", "cut"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "insert":
            pos = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:pos] + draw(st.sampled_from(TOKENS)) + lines[i][pos:]
        elif action == "replace":
            key, _, _ = lines[i].partition(":")
            lines[i] = key + ": " + draw(st.sampled_from([*TOKENS, draw(st.text(max_size=20))])) + "\n"
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "indent":
            lines[i] = draw(st.sampled_from([" ", "  ", "\t"])) + lines[i]
        else:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        if not lines:
            break
    return "".join(lines)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_bank())
def test_mutated_banks(text: str):
    check(text)
