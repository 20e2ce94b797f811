"""Flashcards made from bank questions: which cards a question gives, and what each card's faces show.

Every question gives one card, except a cloze question, which gives one card per gap number (``{{c1::…}}``
→ gap 1, as in Anki: a number used twice hides both places on the same card). A card's front is the prompt
with what the prompt refers to (the choices, the items to match or order); its back is the correct
answer, the explanation and the references. Faces are Markdown, rendered by the app's sanitising filter.

Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from .banks import CLOZE_RE, Question, cloze_gaps
from .grading import correct_answer_text

_QUESTION: TypeAdapter[Any] = TypeAdapter(Question)
WHOLE = 0  # the gap number of a card that is the whole question


@dataclass(frozen=True)
class Faces:
    """What a card shows: ``front`` and ``answer`` are Markdown; ``references`` are (citation, link) pairs."""

    front: str
    answer: str
    explanation: str | None
    references: tuple[tuple[str, str | None], ...]


def card_gaps(question: dict[str, Any]) -> list[int]:
    """The gap numbers of the cards ``question`` (its canonical JSON data) gives: [0] unless it is a cloze."""
    if question["type"] != "cloze":
        return [WHOLE]
    return sorted({number for number, _, _ in cloze_gaps(question["prompt"])}) or [WHOLE]


def faces(question: dict[str, Any], gap: int = WHOLE) -> Faces:
    """The faces of the card ``(question, gap)``."""
    model = _QUESTION.validate_python(question, strict=False)
    refs = tuple((r.citation, _link(r)) for r in model.references)
    explanation = model.explanation
    match model.type:
        case "flashcard":
            return Faces(model.front, model.back, explanation, refs)
        case "cloze" if gap != WHOLE:
            front, answer = _cloze(model.prompt, gap)
            return Faces(front, answer, explanation, refs)
        case "single" | "multiple":
            choices = "\n".join(f"- {c.text}" for c in model.choices)
            front = f"{model.prompt}\n\n{choices}"
        case "matching":
            lefts = "\n".join(f"- {p.left}" for p in model.pairs)
            front = f"{model.prompt}\n\n{lefts}"
        case "ordering":
            items = "\n".join(f"- {item}" for item in sorted(model.items, key=str.casefold))
            front = f"{model.prompt}\n\n{items}"
        case _:
            front = model.prompt
    answer = correct_answer_text(model)
    if model.type in ("matching", "ordering"):
        answer = "\n".join(
            f"{k}. {p.left} → {p.right}" if model.type == "matching" else f"{k}. {p}"
            for k, p in enumerate(model.pairs if model.type == "matching" else model.items, 1)
        )
    return Faces(front, answer, explanation, refs)


def _cloze(prompt: str, gap: int) -> tuple[str, str]:
    """Front (this gap hidden, showing its hint if it has one; the others filled in) and back (in bold)."""

    def fill(hidden: bool):
        def replace(match) -> str:
            answer, _, hint = match.group(2).partition("::")
            first = answer.split("|")[0].strip()
            if int(match.group(1)) != gap:
                return first
            if hidden:
                return f"[{hint.strip()}]" if hint.strip() else "[…]"
            return f"**{first}**"

        return replace

    return CLOZE_RE.sub(fill(True), prompt), CLOZE_RE.sub(fill(False), prompt)


def _link(reference: Any) -> str | None:
    if reference.doi:
        return f"https://doi.org/{reference.doi}"
    if reference.pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{reference.pmid}/"
    return reference.url
