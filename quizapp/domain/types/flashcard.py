"""Flashcard: a front and a back, for study only; never in a quiz."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ..fields import QuestionBase, Text
from ..interchange import Mapped
from .base import QuestionType


class Flashcard(QuestionBase):
    type: Literal["flashcard"]
    front: Text
    back: Text


class FlashcardType(QuestionType):
    name = "flashcard"
    label = "flashcard"
    order = 90
    model = Flashcard
    major_fields = frozenset({"back"})  # the back is the answer

    def correct_answer(self, question: Flashcard) -> str:
        return question.back

    def faces(self, question: Flashcard, gap: int) -> tuple[str, str]:
        return question.front, question.back

    def listing_prompt(self, data: Mapping[str, Any]) -> str:
        """The front: the back is the answer."""
        return data["front"]

    def from_faces(self, front: str, back: str) -> Mapped | None:
        return Mapped({"type": self.name, "front": front, "back": back})


TYPE = FlashcardType()
