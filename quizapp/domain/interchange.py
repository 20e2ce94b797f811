"""What a question looks like in another format's terms, so each question type maps itself.

Pure: no Flask, no database, no XML. The Moodle XML converter (:mod:`quizapp.domain.formats.moodle_xml`)
reads and writes the XML and the text formats; a question type's ``from_moodle_xml`` and ``to_moodle_xml``
(:class:`~quizapp.domain.types.base.QuestionType`) turn one :class:`MoodleQuestion` into the fields of its
own part of the bank format and back. Texts here are always Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


class Unmappable(ValueError):
    """A question that has no counterpart in the bank format; the message says why, for the author."""


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


@dataclass(frozen=True)
class Mapped:
    """What a type makes of a Moodle question: its own fields, and notes on what it had to leave out."""

    fields: dict[str, Any]
    notes: tuple[str, ...] = ()


def percent(value: float) -> str:
    """A fraction in percent as Moodle writes it (``100``, ``33.33333``, ``-50``)."""
    text = f"{value:.7f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
