"""Cloze: a text with gaps written ``{{c1::answer|other accepted::hint}}``; partial credit per gap.

Form: ``gap-1``, ``gap-2``… — one text input per gap, numbered by occurrence in the prompt (1-based), so a
prompt using ``{{c1::…}}`` twice has two inputs. As flashcards, a cloze question gives one card per gap
number (as in Anki: a number used twice hides both places on the same card).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..fields import Bool, QuestionBase, Text
from .base import (
    BLANK,
    WHOLE,
    Form,
    Grade,
    PartMark,
    Problems,
    QuestionType,
    Response,
    accepted,
    indexed,
    make_grade,
    ratio,
    typed_text,
)

CLOZE_RE = re.compile(r"\{\{c(\d+)::(.*?)\}\}", re.DOTALL)


class ClozeQuestion(QuestionBase):
    type: Literal["cloze"]
    prompt: Text
    strict: Bool = False


@dataclass(frozen=True)
class ClozeResponse(Response):
    """One text per gap, in the order the gaps appear in the prompt (``""`` for a blank gap)."""

    gaps: tuple[str, ...] = ()


def cloze_gaps(text: str) -> list[tuple[int, list[str], str | None]]:
    """Return the gaps of a cloze text as (number, accepted answers, hint)."""
    gaps = []
    for match in CLOZE_RE.finditer(text):
        answer, _, hint = match.group(2).partition("::")
        gaps.append((int(match.group(1)), [a.strip() for a in answer.split("|")], hint.strip() or None))
    return gaps


def _keys(prompt: str) -> list[tuple[int, list[str]]]:
    """What is right in a cloze prompt: each gap's number and accepted answers, in order."""
    return [(number, answers) for number, answers, _hint in cloze_gaps(prompt)]


def _card(prompt: str, gap: int) -> tuple[str, str]:
    """Front (this gap hidden, showing its hint if it has one; the others filled in) and back (in bold)."""

    def fill(hidden: bool):
        def replace(match: re.Match[str]) -> str:
            answer, _, hint = match.group(2).partition("::")
            first = answer.split("|")[0].strip()
            if int(match.group(1)) != gap:
                return first
            if hidden:
                return f"[{hint.strip()}]" if hint.strip() else "[…]"
            return f"**{first}**"

        return replace

    return CLOZE_RE.sub(fill(True), prompt), CLOZE_RE.sub(fill(False), prompt)


class Cloze(QuestionType):
    name = "cloze"
    label = "cloze"
    order = 60
    model = ClozeQuestion
    response = ClozeResponse
    major_fields = frozenset({"strict"})

    def is_major(self, path: tuple[Any, ...], old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        """The gaps live in the prompt: rewording around them is minor, a gap added, removed, renumbered or
        given other answers is major (a hint is wording)."""
        if path == ("prompt",):
            return _keys(old.get("prompt", "")) != _keys(new.get("prompt", ""))
        return super().is_major(path, old, new)

    def problems(self, question: ClozeQuestion) -> Problems:
        gaps = cloze_gaps(question.prompt)
        if not gaps:
            yield ("prompt",), "a cloze question needs at least one gap written as {{c1::answer}}"
        for number, answers, _hint in gaps:
            if number < 1:
                yield ("prompt",), f"gap c{number}: gaps are numbered from c1"
            if not all(answers):
                yield ("prompt",), f"gap c{number} has an empty answer"
        if "{{" in CLOZE_RE.sub("", question.prompt):
            yield ("prompt",), "a gap is not closed or not written as {{c1::answer}}"

    def parse(self, question: ClozeQuestion, form: Form) -> ClozeResponse:
        count = len(cloze_gaps(question.prompt))
        found = indexed(form, "gap-", count, "gap")
        return ClozeResponse(tuple(typed_text(found[i]) for i in range(1, count + 1)))

    def grade(self, question: ClozeQuestion, response: ClozeResponse) -> Grade:
        """Partial credit: the share of gaps answered with one of their alternatives."""
        parts = []
        for k, (_, answers, _hint) in enumerate(cloze_gaps(question.prompt), 1):
            given = response.gaps[k - 1] if k <= len(response.gaps) else ""
            parts.append(PartMark(f"Gap {k}", given, answers[0], accepted(given, answers, question.strict)))
        return make_grade(question, ratio(sum(p.correct for p in parts), len(parts)), (), parts)

    def response_form(self, question: ClozeQuestion, response: ClozeResponse) -> dict[str, list[str]]:
        gaps, count = response.gaps, len(cloze_gaps(question.prompt))
        return {f"gap-{k}": [gaps[k - 1] if k <= len(gaps) else ""] for k in range(1, count + 1)}

    def correct_answer(self, question: ClozeQuestion) -> str:
        answers = iter(answers[0] for _, answers, _ in cloze_gaps(question.prompt))
        return CLOZE_RE.sub(lambda _: next(answers), question.prompt)

    def listing_prompt(self, data: Mapping[str, Any]) -> str:
        """The prompt with a blank for each gap: neither its answers nor its hint."""
        return CLOZE_RE.sub(BLANK, data["prompt"])

    def card_gaps(self, data: Mapping[str, Any]) -> list[int]:
        return sorted({number for number, _, _ in cloze_gaps(data["prompt"])}) or [WHOLE]

    def faces(self, question: ClozeQuestion, gap: int) -> tuple[str, str]:
        if gap == WHOLE:
            return question.prompt, self.correct_answer(question)
        return _card(question.prompt, gap)


TYPE = Cloze()
