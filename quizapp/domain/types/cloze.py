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
from ..interchange import GiftChoice, GiftChoices, GiftQuestion, Mapped, MoodleQuestion, NotMapped
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
from .short_answer import short_answers

# A gap's text runs to the first "}}" and may not contain "{{": each character is looked at by one gap start
# only, so matching is linear in the prompt's length. (A lazy ".*?" rescanned the rest of the text from
# every unclosed "{{c1::", which took minutes on a prompt of many unclosed gaps.)
CLOZE_RE = re.compile(r"\{\{c(\d{1,4})::((?:[^{}]|\{(?!\{)|\}(?!\}))*)\}\}")
MAX_GAPS = 50
# A Moodle cloze (multianswer) gap: {weight:TYPE:answers}, with \ escaping } ~ # inside.
MOODLE_GAP_RE = re.compile(r"\{(\d*):([A-Z_]+):((?:\\.|[^\\}])*)\}", re.DOTALL)
_MOODLE_TEXT_GAPS = {"SHORTANSWER": False, "SA": False, "MW": False, "SHORTANSWER_C": True, "SAC": True, "MWC": True}
_MOODLE_NUMBER_GAPS = {"NUMERICAL", "NM"}


def _split(text: str, separator: str) -> list[str]:
    """Split on ``separator`` where it is not escaped with a backslash."""
    parts, current, chars = [], [], iter(text)
    for char in chars:
        if char == "\\":
            current.append(char + next(chars, ""))
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    return [*parts, "".join(current)]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL).strip()


def _escape(text: str) -> str:
    return re.sub(r"([\\}~#])", r"\\\1", text)


def _moodle_gap(number: int, kind: str, body: str, notes: list[str]) -> tuple[list[str], bool]:
    """The accepted answers of one Moodle gap and whether it is case-sensitive."""
    if kind not in _MOODLE_TEXT_GAPS and kind not in _MOODLE_NUMBER_GAPS:
        raise NotMapped(f"gap {number} is a {kind} gap; a cloze question only has gaps to type in")
    accepted = []
    for option in _split(body, "~"):
        answer, *feedback = _split(option, "#")
        found = re.match(r"\s*(=|%(-?[0-9.]+)%)?(.*)", answer, re.DOTALL)
        if found is None:  # pragma: no cover - the pattern matches any text
            continue
        value = _unescape(found[3])
        fraction = 100.0 if found[1] == "=" else float(found[2]) if found[2] else 0.0
        if feedback and _unescape(feedback[0]):
            notes.append(f"gap {number}: the feedback for {value!r} is not kept")
        if fraction < 99.999:
            if fraction > 0:
                notes.append(f"gap {number}: {value!r} was worth {fraction:g}%; partly right answers are not kept")
            continue
        if kind in _MOODLE_NUMBER_GAPS:
            number_text, _, tolerance = value.partition(":")
            if tolerance.strip() and tolerance.strip().strip("0.") != "":
                kept = number_text.strip()
                notes.append(f"gap {number}: the tolerance ±{tolerance.strip()} is not kept; only {kept} is accepted")
            value = number_text.strip()
        if "*" in value and kind not in _MOODLE_NUMBER_GAPS:
            notes.append(f"gap {number}: {value!r} uses Moodle's * wildcard, which quizapp does not read")
            continue
        if "|" in value or "::" in value or "}}" in value:
            raise NotMapped(f"gap {number}: the answer {value!r} contains | or :: or }}}}, which a gap cannot hold")
        accepted.append(value)
    if not accepted:
        raise NotMapped(f"gap {number} has no answer worth 100%")
    return accepted, _MOODLE_TEXT_GAPS.get(kind, False)


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
        if len(gaps) > MAX_GAPS:
            yield ("prompt",), f"a cloze question has at most {MAX_GAPS} gaps; this one has {len(gaps)}"
            return
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

    def random_guess(self, question: ClozeQuestion) -> float:
        """Typed gaps cannot be guessed from a list: 0."""
        return 0.0

    def reads_moodle(self, source: MoodleQuestion) -> bool:
        return source.qtype == "multianswer"

    def from_moodle_xml(self, source: MoodleQuestion) -> Mapped:
        """Short-answer and numerical gaps become gaps c1, c2… in order; a multiple-choice gap cannot."""
        notes: list[str] = []
        strict: list[bool] = []
        weights: set[str] = set()

        def gap(match: re.Match[str]) -> str:
            number = len(strict) + 1
            answers, case = _moodle_gap(number, match[2], match[3], notes)
            strict.append(case)
            weights.add(match[1] or "1")
            return f"{{{{c{number}::{'|'.join(answers)}}}}}"

        prompt = MOODLE_GAP_RE.sub(gap, source.text)
        if not strict:
            raise NotMapped("the text has no gaps written as {1:SHORTANSWER:=answer}")
        if len(set(strict)) > 1:
            notes.append("some gaps were case-sensitive and some not: every gap now ignores case")
        if len(weights) > 1:
            notes.append("the gaps' weights differed: every gap now counts the same")
        fields: dict = {"prompt": prompt}
        if all(strict):
            fields["strict"] = True
        return Mapped(fields, tuple(notes))

    def to_moodle_xml(self, question: ClozeQuestion) -> MoodleQuestion:
        """Each gap as a SHORTANSWER gap (SHORTANSWER_C when strict) accepting its alternatives; hints are
        not carried, and a gap number used twice becomes two gaps."""
        kind = "SHORTANSWER_C" if question.strict else "SHORTANSWER"

        def gap(match: re.Match[str]) -> str:
            answer, _, _hint = match.group(2).partition("::")
            options = "~".join("=" + _escape(a.strip()) for a in answer.split("|"))
            return f"{{1:{kind}:{options}}}"

        return MoodleQuestion("multianswer", CLOZE_RE.sub(gap, question.prompt))

    def from_gift(self, question: GiftQuestion) -> Mapped | None:
        """A missing-word question whose block holds only ``=`` answers: one gap."""
        answers = short_answers(question) if question.after else None
        if answers is None:
            return None
        accepted, notes = answers
        if any("|" in a or "::" in a or "}}" in a for a in accepted):
            raise NotMapped("an answer contains |, :: or }}, which a cloze gap cannot hold")
        gap = "{{c1::" + "|".join(accepted) + "}}"
        return Mapped({"type": self.name, "prompt": f"{question.prompt}{gap}{question.after}"}, notes)

    def to_gift(self, question: ClozeQuestion) -> GiftQuestion:
        """A question with one gap, as a missing-word question (its hint is left out)."""
        found = list(CLOZE_RE.finditer(question.prompt))
        if len(found) != 1:
            raise NotMapped(f"GIFT has one gap per question; this cloze question has {len(found)}")
        gap = found[0]
        answers = [a.strip() for a in gap.group(2).partition("::")[0].split("|")]
        block = GiftChoices(tuple(GiftChoice(a, True) for a in answers))
        return GiftQuestion(question.prompt[: gap.start()], block, question.prompt[gap.end() :])


TYPE = Cloze()
