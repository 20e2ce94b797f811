"""Single choice: one correct choice among two to twenty; all or nothing.

Form: ``choice``, radio buttons whose values are choice ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from pydantic import Field

from ..fields import Bool, Choice, QuestionBase, Text
from ..interchange import AikenQuestion, GiftChoices, GiftQuestion, Mapped, MoodleQuestion, NotMapped
from .base import (
    RELOAD,
    ChoiceType,
    Form,
    Grade,
    Problems,
    Response,
    ResponseError,
    choice_data,
    choice_id,
    choice_marks,
    choice_problems,
    choices_from_moodle,
    choices_to_moodle,
    gift_choices,
    is_true,
    make_grade,
    picked_feedback,
    picked_ids,
)


class SingleQuestion(QuestionBase):
    type: Literal["single"]
    prompt: Text
    choices: list[Choice] = Field(min_length=2, max_length=20)
    shuffle: Bool = True


@dataclass(frozen=True)
class SingleResponse(Response):
    """The id of the picked choice, or ``None``."""

    choice: str | None = None


class Single(ChoiceType):
    name = "single"
    label = "single choice"
    order = 10
    model = SingleQuestion
    response = SingleResponse

    def problems(self, question: SingleQuestion) -> Problems:
        correct = sum(c.correct for c in question.choices)
        wrong = f"a single-choice question needs exactly one correct choice; it has {correct}" if correct != 1 else None
        return choice_problems(question.choices, wrong)

    def parse(self, question: SingleQuestion, form: Form) -> SingleResponse:
        picked = picked_ids(form)
        if len(picked) > 1:
            raise ResponseError("Choose only one answer.")
        if picked and picked[0] not in {c.id for c in question.choices}:
            raise ResponseError(f"That choice is not one of this question's options. {RELOAD}")
        return SingleResponse(picked[0] if picked else None)

    def grade(self, question: SingleQuestion, response: SingleResponse) -> Grade:
        """All or nothing: full marks for the correct choice."""
        marks = choice_marks(question.choices, {response.choice} if response.choice else set())
        return make_grade(question, Fraction(all(m.right for m in marks)), marks, (), picked_feedback(marks))

    def response_form(self, question: SingleQuestion, response: SingleResponse) -> dict[str, list[str]]:
        return {"choice": [response.choice]} if response.choice else {}

    def random_guess(self, question: SingleQuestion) -> float:
        """One choice in n is right, all or nothing: 1/n."""
        return 1 / len(question.choices)

    def picks(self, question: SingleQuestion, response: SingleResponse) -> tuple[str, ...]:
        return (response.choice,) if response.choice else ()

    def reads_moodle(self, source: MoodleQuestion) -> bool:
        return source.qtype == "multichoice" and is_true(source.options.get("single"), default=True)

    def from_moodle_xml(self, source: MoodleQuestion) -> Mapped:
        """The answer worth 100% is the correct one; partial credit for the others is not kept."""
        full = [a for a in source.answers if a.fraction >= 99.999]
        if len(full) != 1:
            raise NotMapped(f"a one-answer question needs exactly one answer worth 100%; it has {len(full)}")
        notes = tuple(
            f"answer {a.text!r} was worth {a.fraction:g}%: it is now simply wrong"
            for a in source.answers
            if 0 < a.fraction < 99.999
        )
        choices = choices_from_moodle(source, lambda f: f >= 99.999)
        fields = {"prompt": source.text, "choices": choices}
        if not is_true(source.options.get("shuffleanswers"), default=True):
            fields["shuffle"] = False
        return Mapped(fields, notes)

    def to_moodle_xml(self, question: SingleQuestion) -> MoodleQuestion:
        return choices_to_moodle(question, lambda c: 100.0 if c.correct else 0.0, single="true")

    def from_gift(self, question: GiftQuestion) -> Mapped | None:
        """Choices with exactly one ``=`` answer and at least one ``~`` answer."""
        block = question.block
        if not isinstance(block, GiftChoices) or all(c.right for c in block.choices):
            return None
        right = [c for c in block.choices if c.right]
        if not right:
            return None  # weights alone: a multiple-choice question
        if len(right) > 1:
            raise NotMapped(
                f"{len(right)} answers are right (=) but only one can be chosen; "
                "write a question with several right answers with ~%50% weights"
            )
        notes = tuple(
            f"the partial credit of {c.text!r} ({c.weight:g} %) was left out: a single-choice question is all"
            " or nothing"
            for c in block.choices
            if not c.right and c.weight
        )
        data = {
            "type": self.name,
            "prompt": question.text,
            "choices": choice_data(question, [c.right for c in block.choices]),
        }
        return Mapped(data, notes)

    def to_gift(self, question: SingleQuestion) -> GiftQuestion:
        return gift_choices(question, (None, None))

    def from_aiken(self, question: AikenQuestion) -> Mapped | None:
        choices = [
            {"id": choice_id(k), "text": text} | ({"correct": True} if k == question.answer else {})
            for k, text in enumerate(question.options)
        ]
        return Mapped({"type": self.name, "prompt": question.prompt, "choices": choices})

    def to_aiken(self, question: SingleQuestion) -> AikenQuestion:
        texts = tuple(c.text for c in question.choices)
        return AikenQuestion(question.prompt, texts, next(k for k, c in enumerate(question.choices) if c.correct))


TYPE = Single()
