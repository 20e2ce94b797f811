"""Aiken, the one-question-type text format: a question, its options ``A.`` or ``A)``, and ``ANSWER: X``.

Read only when asked for (``--from aiken``), since Aiken files end in ``.txt`` like GIFT ones. Only
single-choice questions can be written; the others are reported. One pass over the lines, anchored
regular expressions without nested repetition, so the time is linear.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..banks import Bank
from ..interchange import AikenQuestion, NotMapped
from ..types import REGISTRY
from ._core import Conversion, Converted, Exported, Format, FormatError, Ids, Skipped, assemble, decode_text

_OPTION_RE = re.compile(r"([A-Z])[.)][ \t]+(\S.*)")
_ANSWER_RE = re.compile(r"ANSWER:[ \t]*([A-Z])", re.IGNORECASE)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def parse_aiken(text: str, filename: str) -> list[tuple[int, AikenQuestion]]:
    """Every question with its first line.

    Raises:
        FormatError: an option out of order, a line where an option or ANSWER was due, an answer that is
            not an option, or a question left without its ANSWER line.
    """
    found = []
    prompt: list[str] = []
    options: list[str] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        answer = _ANSWER_RE.fullmatch(line)
        option = _OPTION_RE.fullmatch(line)
        if answer and prompt:
            letter = answer.group(1).upper()
            if len(options) < 2:
                raise FormatError(filename, number, "a question needs at least two options (A. and B.) before ANSWER:")
            if LETTERS.index(letter) >= len(options):
                raise FormatError(
                    filename, number, f"ANSWER: {letter} is not one of the options A to {LETTERS[len(options) - 1]}"
                )
            found.append((start, AikenQuestion("\n".join(prompt), tuple(options), LETTERS.index(letter))))
            prompt, options = [], []
        elif option and prompt:
            expected = LETTERS[len(options)] if len(options) < len(LETTERS) else "?"
            if option.group(1) != expected:
                raise FormatError(filename, number, f"expected option {expected}. here, found {option.group(1)}.")
            options.append(option.group(2).strip())
        elif options or answer:
            raise FormatError(filename, number, "expected the next option (like C. text) or the ANSWER: line")
        else:
            start = start if prompt else number
            prompt.append(line)
    if prompt:
        raise FormatError(filename, start, "this question has no ANSWER: line")
    return found


def read_aiken(filename: str, data: bytes, header: Mapping[str, Any]) -> Conversion:
    """A bank of the file's single-choice questions (ids from their text)."""
    ids = Ids()
    converted = []
    skipped: list[Skipped] = []
    for line, question in parse_aiken(decode_text(data, filename), filename):
        mapped = next((m for kind in REGISTRY.values() if (m := kind.from_aiken(question)) is not None), None)
        if mapped is None:
            skipped.append(Skipped("", line, "no question type here takes Aiken questions"))
            continue
        converted.append(Converted("", line, {"id": ids.take(None, question.prompt), **mapped.data}, mapped.notes))
    return assemble(filename, header, converted, skipped)


def _aiken_lines(question: AikenQuestion) -> list[str]:
    lines = question.prompt.split("\n")
    if any(_OPTION_RE.fullmatch(line.strip()) or _ANSWER_RE.fullmatch(line.strip()) for line in lines):
        raise NotMapped("a line of the prompt would read as an option or an ANSWER: line")
    if len(question.options) > len(LETTERS):
        raise NotMapped(f"Aiken letters options A to Z; this question has {len(question.options)}")
    if any("\n" in option for option in question.options):
        raise NotMapped("an option has several lines; an Aiken option is one line")
    options = [f"{LETTERS[k]}. {option}" for k, option in enumerate(question.options)]
    return [line for line in lines if line.strip()] + options + [f"ANSWER: {LETTERS[question.answer]}", ""]


def write_aiken(data: Mapping[str, Any], media: Mapping[str, bytes]) -> Exported:
    """The bank's single-choice questions as Aiken; every other question is reported."""
    bank = Bank.model_validate(data)
    out: list[str] = []
    skipped: list[Skipped] = []
    for question in bank.questions:
        try:
            out += _aiken_lines(REGISTRY[question.type].to_aiken(question))
        except NotMapped as exc:
            skipped.append(Skipped(question.id, None, exc.reason))
    return Exported("\n".join(out).encode(), tuple(skipped))


FORMAT = Format(
    "aiken", "Aiken", (".txt",), read_aiken, write_aiken, "text/plain; charset=utf-8", ".txt", by_name_only=True
)
