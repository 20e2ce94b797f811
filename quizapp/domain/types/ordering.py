"""Ordering: put items in order; partial credit by pairs in the right relative order.

Form: ``position-<i>`` — one select per item, ``i`` = 1-based index into :func:`ordering_items` (the items
sorted alphabetically, so the field names reveal nothing of the answer); option values are positions
``1``…``n``, ``""`` for none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from pydantic import Field

from ..fields import QuestionBase, Text
from ..interchange import Mapped, MoodleAnswer, MoodleQuestion, NotMapped
from .base import (
    INDEX_RE,
    Form,
    Grade,
    PartMark,
    Problems,
    QuestionType,
    Response,
    ResponseError,
    indexed,
    listed,
    make_grade,
    shuffled,
    sort_key,
)


class OrderingQuestion(QuestionBase):
    type: Literal["ordering"]
    prompt: Text
    items: list[Text] = Field(min_length=2, max_length=20)


@dataclass(frozen=True)
class OrderingResponse(Response):
    """The items in the learner's order; empty for no answer."""

    order: tuple[str, ...] = ()


def ordering_items(question: OrderingQuestion) -> tuple[str, ...]:
    """The items of an ordering question sorted alphabetically: what ``position-<i>`` numbers."""
    return tuple(sorted(question.items, key=sort_key))


class Ordering(QuestionType):
    name = "ordering"
    label = "ordering"
    order = 80
    model = OrderingQuestion
    response = OrderingResponse
    major_fields = frozenset({"items"})  # their order is the key

    def problems(self, question: OrderingQuestion) -> Problems:
        for text, n in Counter(i.strip() for i in question.items).items():
            if n > 1:
                yield ("items",), f"the item {text!r} appears {n} times; each must be unique"

    def parse(self, question: OrderingQuestion, form: Form) -> OrderingResponse:
        """For each item of :func:`ordering_items`, its 1-based position or ``""``."""
        items = ordering_items(question)
        n = len(items)
        found = indexed(form, "position-", n, "item")
        if all(found[i] == "" for i in found):
            return OrderingResponse(())
        positions: dict[int, str] = {}
        for i in range(1, n + 1):
            value = found[i]
            if not (INDEX_RE.fullmatch(value) and int(value) <= n):
                raise ResponseError(f"Give every item a position from 1 to {n}.")
            if int(value) in positions:
                raise ResponseError(f"Give each item a different position: position {value} was given twice.")
            positions[int(value)] = items[i - 1]
        return OrderingResponse(tuple(positions[p] for p in range(1, n + 1)))

    def grade(self, question: OrderingQuestion, response: OrderingResponse) -> Grade:
        """Partial credit by pairs in the right relative order (Kendall-tau style).

        Of the n(n-1)/2 pairs of items, the share the learner put in the same relative order as the key.
        Full marks only for the exact order; the exact reverse scores 0; swapping two neighbours of n items
        loses one pair in n(n-1)/2. The per-position parts are for display and do not change the score.
        """
        key = {item: k for k, item in enumerate(question.items)}
        ranks = [key[item] for item in response.order if item in key]
        n = len(question.items)
        if len(ranks) != n or len(set(ranks)) != n:
            fraction = Fraction(0)  # empty, or not a permutation of this question's items
        elif n < 2:
            fraction = Fraction(1)
        else:
            concordant = sum(ranks[a] < ranks[b] for a in range(n) for b in range(a + 1, n))
            fraction = Fraction(concordant, n * (n - 1) // 2)
        parts = []
        for k, item in enumerate(question.items):
            given = response.order[k] if k < len(response.order) else ""
            parts.append(PartMark(f"Position {k + 1}", given, item, given == item))
        return make_grade(question, fraction, (), parts)

    def response_form(self, question: OrderingQuestion, response: OrderingResponse) -> dict[str, list[str]]:
        order = response.order
        return {
            f"position-{i}": [str(order.index(item) + 1) if item in order else ""]
            for i, item in enumerate(ordering_items(question), 1)
        }

    def correct_answer(self, question: OrderingQuestion) -> str:
        return "; ".join(f"{k}. {item}" for k, item in enumerate(question.items, 1))

    def item_order(self, question: OrderingQuestion, seed: int) -> tuple[int, ...]:
        """The 1-based indices into :func:`ordering_items` in the order shown.

        The bank lists the items in the right order, so they are always shuffled; the field names
        (``position-<i>``) follow the alphabetical list, so the order shown gives nothing away either.
        """
        return tuple(shuffled(range(1, len(question.items) + 1), seed, question.id))

    def items(self, question: OrderingQuestion, seed: int) -> tuple[tuple[int, str], ...]:
        items = ordering_items(question)
        return tuple((i, items[i - 1]) for i in self.item_order(question, seed))

    def faces(self, question: OrderingQuestion, gap: int) -> tuple[str, str]:
        answer = "\n".join(f"{k}. {item}" for k, item in enumerate(question.items, 1))
        return listed(question.prompt, sorted(question.items, key=str.casefold)), answer

    def search_texts(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        """The items, which the page shows shuffled: a search never tells their order."""
        return tuple(sorted(data["items"], key=str.casefold))

    def random_guess(self, question: OrderingQuestion) -> float:
        """In a random order each pair of items is the right way round one time in two: 1/2 of the pairs."""
        return 0.5

    def reads_moodle(self, source: MoodleQuestion) -> bool:
        return source.qtype == "ordering"

    def from_moodle_xml(self, source: MoodleQuestion) -> Mapped:
        """The items in their right order: by each answer's fraction (Moodle's sort order), else as written."""
        answers = list(source.answers)
        if len({a.fraction for a in answers}) == len(answers):
            answers.sort(key=lambda a: a.fraction)
        if not 2 <= len(answers) <= 20:
            raise NotMapped(f"{len(answers)} items; an ordering question has 2 to 20")
        return Mapped({"prompt": source.text, "items": [a.text for a in answers]})

    def to_moodle_xml(self, question: OrderingQuestion) -> MoodleQuestion:
        answers = tuple(MoodleAnswer(item, float(k)) for k, item in enumerate(question.items, 1))
        options = {"layouttype": "VERTICAL", "selecttype": "ALL", "gradingtype": "RELATIVE_TO_CORRECT"}
        return MoodleQuestion("ordering", question.prompt, answers, options)


TYPE = Ordering()
