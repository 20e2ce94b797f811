"""Single choice: one correct choice among two to twenty; all or nothing.

Form: ``choice``, radio buttons whose values are choice ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from pydantic import Field

from ..fields import Bool, Choice, QuestionBase, Text
from .base import (
    RELOAD,
    ChoiceType,
    Form,
    Grade,
    Problems,
    Response,
    ResponseError,
    choice_marks,
    choice_problems,
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


TYPE = Single()
