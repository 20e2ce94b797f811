"""Numeric: a number within a tolerance, with an optional unit; all or nothing.

Form: ``answer``, one text input; the question's unit may follow the number. A point or a comma is the
decimal separator; spaces may group digits by three.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Context, Decimal
from fractions import Fraction
from typing import Literal

from ..fields import Number, QuestionBase, Text
from ..interchange import GiftNumber, GiftNumbers, GiftQuestion, Mapped, MoodleAnswer, MoodleQuestion, NotMapped
from .base import (
    Form,
    Grade,
    PartMark,
    Problems,
    QuestionType,
    Response,
    ResponseError,
    make_grade,
    normalise,
    required_text,
)

PERCENT_UNITS = frozenset({"%", "percent", "per cent", "pct"})
_NUMBER_RE = re.compile(
    r"(?P<sign>[+-]?)(?P<int>[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)?(?:(?P<sep>[.,])(?P<frac>[0-9]+))?"
    r"(?:[eE](?P<exp>[+-]?[0-9]{1,3}))?",
    re.ASCII,
)
_EXACT = Context(prec=2000)  # enough digits that sums of any two floats are exact


class NumericQuestion(QuestionBase):
    type: Literal["numeric"]
    prompt: Text
    answer: Number
    tolerance: Number = 0.0
    unit: Text | None = None


@dataclass(frozen=True)
class NumericResponse(Response):
    """The number as typed, without the unit and surrounding whitespace; ``""`` for none."""

    text: str = ""

    @property
    def value(self) -> Decimal | None:
        """The number, exactly as a decimal."""
        return read_number(self.text) if self.text else None


def read_number(text: str, unit: str | None = None) -> Decimal:
    """Read a number written with a point or a comma as decimal separator.

    Spaces may group digits by three (``1 480``); commas and points may not, because they are read as
    the decimal separator. ``1,480`` (a comma followed by exactly three digits after one to three
    digits) is refused as ambiguous rather than read as 1.48.
    """
    found = _NUMBER_RE.fullmatch(text)
    if found is None or not (found["int"] or found["frac"]):
        if ("," in text and "." in text) or text.count(",") + text.count(".") > 1:
            raise ResponseError(
                "Write the number without thousands separators, using either a point or a comma as the decimal"
                " separator (1480.5 or 1480,5; a space between groups of three digits is fine)."
            )
        hint = f" (the unit, {unit}, is optional)" if unit else ""
        raise ResponseError(f"Enter a number, such as 2.5 or 2,5{hint}.")
    sign, whole, frac = found["sign"], (found["int"] or "0").replace(" ", ""), found["frac"] or ""
    grouped = 1 <= len(found["int"] or "") <= 3 and whole[0] != "0" and len(frac) == 3  # 1,480 or 12,500
    if grouped and found["sep"] == "," and not found["exp"]:
        raise ResponseError(
            f"{text} could mean {sign}{whole}{frac} or {sign}{whole}.{frac}: write {sign}{whole}{frac} without"
            f" a comma, or {sign}{whole}.{frac} with a point."
        )
    return Decimal(f"{sign}{whole}.{frac or '0'}e{found['exp'] or '0'}")


def _strip_unit(text: str, unit: str | None) -> str:
    """Drop a trailing unit equal to the question's (any case; ``%`` and ``percent`` stand for each other)."""
    if not unit or not unit.strip():
        return text
    units = {unicodedata.normalize("NFKC", unit).strip()}
    if normalise(unit) in PERCENT_UNITS:
        units |= PERCENT_UNITS
    alternatives = "|".join(r"\s+".join(map(re.escape, u.split())) for u in sorted(units, key=len, reverse=True))
    found = re.fullmatch(rf"(.*?)\s*(?:{alternatives})", text, re.IGNORECASE | re.DOTALL)
    return found[1] if found and found[1] else text


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


class Numeric(QuestionType):
    name = "numeric"
    label = "numeric"
    order = 50
    model = NumericQuestion
    response = NumericResponse
    major_fields = frozenset({"answer", "tolerance", "unit"})

    def problems(self, question: NumericQuestion) -> Problems:
        if question.tolerance < 0:
            yield ("tolerance",), f"the tolerance must be 0 or more, not {question.tolerance:g}"

    def parse(self, question: NumericQuestion, form: Form) -> NumericResponse:
        """A number, optionally followed by the question's unit."""
        text = required_text(form, "answer", "The answer box")
        if not text:
            return NumericResponse("")
        number = _strip_unit(unicodedata.normalize("NFKC", text).replace("\u2212", "-"), question.unit)
        read_number(number, question.unit)
        return NumericResponse(number)

    def grade(self, question: NumericQuestion, response: NumericResponse) -> Grade:
        """All or nothing: correct when answer - tolerance <= value <= answer + tolerance.

        The comparison is exact, in decimal, with the answer and tolerance as written in the bank, so the
        edges of the range are accepted and anything beyond them, however close, is not.
        """
        try:
            value = response.value
        except ResponseError:
            value = None
        ok = False
        if value is not None:
            answer, tolerance = Decimal(repr(question.answer)), abs(Decimal(repr(question.tolerance)))
            ok = _EXACT.subtract(answer, tolerance) <= value <= _EXACT.add(answer, tolerance)
        part = PartMark("Answer", response.text, self.correct_answer(question), ok)
        return make_grade(question, Fraction(ok), (), (part,))

    def response_form(self, question: NumericQuestion, response: NumericResponse) -> dict[str, list[str]]:
        return {"answer": [response.text]}

    def correct_answer(self, question: NumericQuestion) -> str:
        text = _format_number(question.answer)
        if question.unit:
            text += question.unit if question.unit == "%" else f" {question.unit}"
        if question.tolerance:
            text += f" (± {_format_number(question.tolerance)})"
        return text

    def random_guess(self, question: NumericQuestion) -> float:
        """A typed number cannot be guessed from a list: 0."""
        return 0.0

    def picks(self, question: NumericQuestion, response: NumericResponse) -> tuple[str, ...]:
        return (" ".join(response.text.split()),) if response.text.strip() else ()

    def reads_moodle(self, source: MoodleQuestion) -> bool:
        return source.qtype == "numerical"

    def from_moodle_xml(self, source: MoodleQuestion) -> Mapped:
        """The first answer worth 100% with its tolerance; the unit whose multiplier is 1. Other answers,
        other units and feedback are not kept."""
        full = [a for a in source.answers if a.fraction >= 99.999]
        if not full:
            raise NotMapped("no answer is worth 100%")
        try:
            answer = float(full[0].text.strip())
        except ValueError:
            raise NotMapped(f"the answer {full[0].text!r} is not a number (a * answer accepts anything)") from None
        notes = [
            f"answer {a.text!r} ({a.fraction:g}%) is not kept: one answer per question" for a in source.answers[1:]
        ]
        notes += [f"the feedback for answer {a.text!r} is not kept" for a in source.answers if a.feedback]
        fields: dict = {"prompt": source.text, "answer": answer}
        if full[0].tolerance:
            fields["tolerance"] = abs(full[0].tolerance)
        if source.options.get("unit"):
            fields["unit"] = source.options["unit"]
        if source.options.get("other_units"):
            notes.append(f"units other than the main one are not kept: {source.options['other_units']}")
        return Mapped(fields, tuple(notes))

    def to_moodle_xml(self, question: NumericQuestion) -> MoodleQuestion:
        answer = MoodleAnswer(_format_number(question.answer), 100.0, tolerance=question.tolerance)
        return MoodleQuestion("numerical", question.prompt, (answer,), {"unit": question.unit} if question.unit else {})

    def from_gift(self, question: GiftQuestion) -> Mapped | None:
        """The first answer worth full marks; the others are reported."""
        block = question.block
        if not isinstance(block, GiftNumbers):
            return None
        full = [n for n in block.numbers if n.weight is None or n.weight == 100]
        if not full:
            raise NotMapped("no numeric answer is worth full marks")
        first = full[0]
        notes = [
            f"the numeric answer {_format_number(n.value)} ± {_format_number(n.tolerance)} was left out: a numeric"
            " question has one answer and tolerance"
            for n in block.numbers
            if n is not first
        ]
        notes += [
            f"the feedback of the answer {_format_number(n.value)} was left out" for n in block.numbers if n.feedback
        ]
        data = {"type": self.name, "prompt": question.text, "answer": first.value}
        return Mapped(data | ({"tolerance": first.tolerance} if first.tolerance else {}), tuple(notes))

    def to_gift(self, question: NumericQuestion) -> GiftQuestion:
        return GiftQuestion(question.prompt, GiftNumbers((GiftNumber(question.answer, abs(question.tolerance)),)))


TYPE = Numeric()
