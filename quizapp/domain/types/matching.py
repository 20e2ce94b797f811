"""Matching: pair each left item with its right-hand side, among distractors; partial credit per pair.

Form: ``match-<i>`` — one select per left item, ``i`` = 1-based position of the pair in the bank; option
values are 1-based indices into :func:`matching_options` (every right-hand text and distractor, sorted
alphabetically), ``""`` for no choice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from ..fields import Model, QuestionBase, Text
from ..interchange import GiftChoice, GiftChoices, GiftQuestion, Mapped, MoodleAnswer, MoodleQuestion, NotMapped
from .base import (
    INDEX_RE,
    RELOAD,
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
    ratio,
    sort_key,
)


class Pair(Model):
    left: Text
    right: Text


class MatchingQuestion(QuestionBase):
    type: Literal["matching"]
    prompt: Text
    pairs: list[Pair] = Field(min_length=2, max_length=20)
    distractors: list[Text] = []


@dataclass(frozen=True)
class MatchingResponse(Response):
    """For each pair in bank order, the right-hand text the learner chose, or ``None`` for none."""

    matches: tuple[str | None, ...] = ()


def matching_options(question: MatchingQuestion) -> tuple[str, ...]:
    """The right-hand options a matching form lists: every right side and distractor, sorted."""
    texts = dict.fromkeys([p.right for p in question.pairs] + list(question.distractors))
    return tuple(sorted(texts, key=sort_key))


class Matching(QuestionType):
    name = "matching"
    label = "matching"
    order = 70
    model = MatchingQuestion
    response = MatchingResponse
    major_fields = frozenset({"pairs", "distractors"})

    def problems(self, question: MatchingQuestion) -> Problems:
        lefts = Counter(p.left.strip() for p in question.pairs)
        rights = Counter(p.right.strip() for p in question.pairs)
        for side, counts in (("left", lefts), ("right", rights)):
            for text, n in counts.items():
                if n > 1:
                    yield ("pairs",), f"the {side} side {text!r} appears {n} times; each must be unique"
        for k, extra in enumerate(question.distractors):
            if extra.strip() in rights:
                yield ("distractors", k), f"the distractor {extra!r} is also a correct answer"

    def parse(self, question: MatchingQuestion, form: Form) -> MatchingResponse:
        """For each left item, a 1-based index into :func:`matching_options` or ``""``."""
        options = matching_options(question)
        found = indexed(form, "match-", len(question.pairs), "item")
        matches: list[str | None] = []
        for i, pair in enumerate(question.pairs, 1):
            value = found[i]
            if value == "":
                matches.append(None)
            elif INDEX_RE.fullmatch(value) and int(value) <= len(options):
                matches.append(options[int(value) - 1])
            else:
                raise ResponseError(f"That answer is not one of the options for “{pair.left}”. {RELOAD}")
        return MatchingResponse(tuple(matches))

    def grade(self, question: MatchingQuestion, response: MatchingResponse) -> Grade:
        """Partial credit: the share of left items matched to their right-hand side.

        A right-hand option may be chosen for several items; at most one of them can be right.
        """
        parts = []
        for i, pair in enumerate(question.pairs):
            given = response.matches[i] if i < len(response.matches) else None
            parts.append(PartMark(pair.left, given or "", pair.right, given == pair.right))
        return make_grade(question, ratio(sum(p.correct for p in parts), len(parts)), (), parts)

    def response_form(self, question: MatchingQuestion, response: MatchingResponse) -> dict[str, list[str]]:
        options, matches = matching_options(question), response.matches
        fields = {}
        for i in range(1, len(question.pairs) + 1):
            chosen = matches[i - 1] if i <= len(matches) else None
            fields[f"match-{i}"] = [str(options.index(chosen) + 1) if chosen in options else ""]
        return fields

    def correct_answer(self, question: MatchingQuestion) -> str:
        return "; ".join(f"{p.left} → {p.right}" for p in question.pairs)

    def options(self, question: MatchingQuestion) -> tuple[str, ...]:
        return matching_options(question)

    def faces(self, question: MatchingQuestion, gap: int) -> tuple[str, str]:
        answer = "\n".join(f"{k}. {p.left} → {p.right}" for k, p in enumerate(question.pairs, 1))
        return listed(question.prompt, (p.left for p in question.pairs)), answer

    def search_texts(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        """The items and every option: the page lists them all, so which goes with which stays hidden."""
        return (*(p["left"] for p in data["pairs"]), *(p["right"] for p in data["pairs"]), *data["distractors"])

    def random_guess(self, question: MatchingQuestion) -> float:
        """Each item matched to one of the listed options at random is right one time in as many options."""
        return 1 / len(matching_options(question))

    def reads_moodle(self, source: MoodleQuestion) -> bool:
        return source.qtype == "match"

    def from_moodle_xml(self, source: MoodleQuestion) -> Mapped:
        """Each subquestion with a text is a pair; one without is a distractor."""
        pairs = [{"left": a.text, "right": a.extra or ""} for a in source.answers if a.text.strip()]
        distractors = [a.extra for a in source.answers if not a.text.strip() and a.extra]
        if any(not p["right"].strip() for p in pairs):
            raise NotMapped("a subquestion has no answer")
        if not 2 <= len(pairs) <= 20:
            raise NotMapped(f"{len(pairs)} pairs; a matching question has 2 to 20")
        fields: dict = {"prompt": source.text, "pairs": pairs}
        if distractors:
            fields["distractors"] = distractors
        return Mapped(fields)

    def to_moodle_xml(self, question: MatchingQuestion) -> MoodleQuestion:
        answers = tuple(MoodleAnswer(p.left, extra=p.right) for p in question.pairs)
        answers += tuple(MoodleAnswer("", extra=d) for d in question.distractors)
        return MoodleQuestion("match", question.prompt, answers, {"shuffleanswers": "true"})

    def from_gift(self, question: GiftQuestion) -> Mapped | None:
        """``=left -> right`` pairs; a pair with an empty left side is a distractor."""
        block = question.block
        if not isinstance(block, GiftChoices) or not all(c.match is not None for c in block.choices):
            return None
        pairs = [{"left": c.text, "right": c.match} for c in block.choices if c.text.strip()]
        distractors = [c.match for c in block.choices if not c.text.strip()]
        data = {"type": self.name, "prompt": question.text, "pairs": pairs}
        return Mapped(data | ({"distractors": distractors} if distractors else {}))

    def to_gift(self, question: MatchingQuestion) -> GiftQuestion:
        pairs = [GiftChoice(p.left, True, match=p.right) for p in question.pairs]
        extra = [GiftChoice("", True, match=d) for d in question.distractors]
        return GiftQuestion(question.prompt, GiftChoices((*pairs, *extra)))


TYPE = Matching()
