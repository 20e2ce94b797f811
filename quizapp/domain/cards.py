"""Flashcards made from bank questions: which cards a question gives, and what each card's faces show.

Every question gives one card, except a cloze question, which gives one card per gap number (``{{c1::…}}``
→ gap 1, as in Anki: a number used twice hides both places on the same card). A card's front is the prompt
with what the prompt refers to (the choices, the items to match or order); its back is the correct
answer, the explanation and the references. Each question type says which cards it gives and what their
faces show (:mod:`quizapp.domain.types`). Faces are Markdown, rendered by the app's sanitising filter.

Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from .banks import Question
from .types import get
from .types.base import WHOLE

_QUESTION: TypeAdapter[Any] = TypeAdapter(Question)


@dataclass(frozen=True)
class Faces:
    """What a card shows: ``front`` and ``answer`` are Markdown; ``references`` are (citation, link) pairs."""

    front: str
    answer: str
    explanation: str | None
    references: tuple[tuple[str, str | None], ...]
    as_of: str | None = None  # the month or day the facts are dated (``YYYY-MM`` or ``YYYY-MM-DD``)


def card_gaps(question: dict[str, Any]) -> list[int]:
    """The gap numbers of the cards ``question`` (its canonical JSON data) gives: [0] unless it is a cloze."""
    return get(question["type"]).card_gaps(question)


def faces(question: dict[str, Any], gap: int = WHOLE) -> Faces:
    """The faces of the card ``(question, gap)``."""
    model = _QUESTION.validate_python(question, strict=False)
    front, answer = get(model.type).faces(model, gap)
    references = tuple((r.citation, _link(r)) for r in model.references)
    return Faces(front, answer, model.explanation, references, model.as_of)


def _link(reference: Any) -> str | None:
    if reference.doi:
        return f"https://doi.org/{reference.doi}"
    if reference.pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{reference.pmid}/"
    return reference.url


def deck_title(bank_title: str, tags: Sequence[str]) -> str:
    """A deck's name: its bank's title, then the tags it is narrowed to, if any."""
    return f"{bank_title}: {', '.join(tags)}" if tags else bank_title
