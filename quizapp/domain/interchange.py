"""Other formats' question shapes as plain records: what the question types map their questions to and from.

Pure and free of any syntax: the modules of :mod:`quizapp.domain.formats` read text into these records and
write them back as text; each question type's hooks (``from_gift``/``to_gift``, ``from_aiken``/``to_aiken``,
``from_faces``; see :class:`~quizapp.domain.types.base.QuestionType`) say which records are its questions.
Texts here are Markdown, already unescaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

GAP = "_____"  # where a missing-word question's answer block stood, in a prompt that has no gaps of its own


@dataclass(frozen=True)
class GiftChoice:
    """One answer of a choice, short-answer or matching block (``=text``, ``~%50%text#feedback``, ``=a -> b``)."""

    text: str  # Markdown, as a choice or a matching item shows it
    right: bool  # written with ``=`` (``~`` is a wrong answer unless its weight is positive)
    weight: float | None = None  # the ``%n%`` percentage, None when not written
    feedback: str | None = None
    match: str | None = None  # the right-hand side of a matching pair ``=left -> right``, as plain text
    typed: str | None = None  # the text as a learner would type it, when not the same as ``text``

    @property
    def literal(self) -> str:
        """The text as plain text: what a typed answer is compared with."""
        return self.text if self.typed is None else self.typed

    @property
    def full(self) -> bool:
        """Worth full marks: ``=`` without a weight, or a weight of 100 %."""
        return (self.right and self.weight is None) or self.weight == 100


@dataclass(frozen=True)
class GiftChoices:
    choices: tuple[GiftChoice, ...]


@dataclass(frozen=True)
class GiftNumber:
    """One numeric answer: ``value`` ± ``tolerance`` (``{#v:t}``, or ``{#min..max}`` as its middle ± half)."""

    value: float
    tolerance: float = 0.0
    weight: float | None = None
    feedback: str | None = None


@dataclass(frozen=True)
class GiftNumbers:
    numbers: tuple[GiftNumber, ...]


@dataclass(frozen=True)
class GiftTrueFalse:
    """``{T#wrong#right}``: the first feedback is shown for a wrong answer, the second for a right one."""

    answer: bool
    wrong_feedback: str | None = None
    right_feedback: str | None = None


GiftBlock = GiftChoices | GiftNumbers | GiftTrueFalse


@dataclass(frozen=True)
class GiftQuestion:
    """A question's text and answer block; ``after`` is the text after the block (a missing-word question)."""

    prompt: str  # for a missing-word question, the text before the block with its spaces as written
    block: GiftBlock
    after: str = ""

    @property
    def text(self) -> str:
        """The prompt as one text, the block's place marked by a blank when it stood inside the text."""
        return f"{self.prompt}{GAP}{self.after}" if self.after else self.prompt


@dataclass(frozen=True)
class AikenQuestion:
    """An Aiken question: a prompt, its options (A, B, C…) and the index of the right one."""

    prompt: str
    options: tuple[str, ...]
    answer: int


@dataclass(frozen=True)
class Mapped:
    """A question's data in the bank format (without ``id``, ``tags`` and ``explanation``, which the
    converter fills), and what of the source was left out."""

    data: dict[str, Any]
    notes: tuple[str, ...] = ()


class NotMapped(Exception):
    """This question has no counterpart in the other format; ``reason`` says why, for the report."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- Moodle XML ------------------------------------------------------------------------------------------
# quizapp.domain.formats.moodle_xml reads and writes the XML, its text formats and embedded files; a question
# type's ``from_moodle_xml`` / ``to_moodle_xml`` turn one MoodleQuestion into its fields and back.


@dataclass(frozen=True)
class MoodleAnswer:
    """One ``<answer>`` (or a matching ``<subquestion>``): its text, its fraction in percent, its feedback."""

    text: str
    fraction: float = 0.0  # -100..100
    feedback: str | None = None
    tolerance: float | None = None  # numerical answers only
    extra: str | None = None  # a matching subquestion's answer text


@dataclass(frozen=True)
class MoodleQuestion:
    """One Moodle question: its ``type`` attribute, question text, answers and the options a type reads
    (``single``, ``shuffleanswers``, ``usecase``, ``unit``…, as text)."""

    qtype: str
    text: str
    answers: tuple[MoodleAnswer, ...] = ()
    options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def percent(value: float) -> str:
    """A fraction in percent as Moodle writes it (``100``, ``33.33333``, ``-50``)."""
    text = f"{value:.7f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
