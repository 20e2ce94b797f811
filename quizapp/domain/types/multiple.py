"""Multiple choice: any number of correct choices; partial credit (right picks minus wrong picks) or all
or nothing.

Form: ``choice``, checkboxes whose values are choice ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import Field

from ..fields import Bool, Choice, QuestionBase, Text, one_of
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
    ratio,
)


class MultipleQuestion(QuestionBase):
    type: Literal["multiple"]
    prompt: Text
    choices: list[Choice] = Field(min_length=2, max_length=20)
    scoring: Annotated[str, one_of("partial", "all_or_nothing")] = "partial"
    shuffle: Bool = True


@dataclass(frozen=True)
class MultipleResponse(Response):
    """The ids of the picked choices, in the question's order."""

    choices: tuple[str, ...] = ()


class Multiple(ChoiceType):
    name = "multiple"
    label = "multiple choice"
    order = 20
    model = MultipleQuestion
    response = MultipleResponse
    major_fields = frozenset({"scoring"})

    def problems(self, question: MultipleQuestion) -> Problems:
        none = not any(c.correct for c in question.choices)
        wrong = "a multiple-choice question needs at least one correct choice" if none else None
        return choice_problems(question.choices, wrong)

    def parse(self, question: MultipleQuestion, form: Form) -> MultipleResponse:
        picked = picked_ids(form)
        known = {c.id for c in question.choices}
        if any(p not in known for p in picked):
            raise ResponseError(f"That choice is not one of this question's options. {RELOAD}")
        if len(set(picked)) != len(picked):
            raise ResponseError(f"The same choice was sent twice. {RELOAD}")
        return MultipleResponse(tuple(c.id for c in question.choices if c.id in picked))

    def grade(self, question: MultipleQuestion, response: MultipleResponse) -> Grade:
        """(right picks - wrong picks) / correct choices, floored at 0; or all or nothing if so scored."""
        marks = choice_marks(question.choices, set(response.choices))
        right = sum(m.picked and m.correct for m in marks)
        wrong = sum(m.picked and not m.correct for m in marks)
        if question.scoring == "all_or_nothing":
            fraction = Fraction(all(m.right for m in marks))
        else:
            fraction = max(Fraction(0), ratio(right - wrong, sum(m.correct for m in marks)))
        return make_grade(question, fraction, marks, (), picked_feedback(marks))

    def response_form(self, question: MultipleQuestion, response: MultipleResponse) -> dict[str, list[str]]:
        return {"choice": list(response.choices)} if response.choices else {}


TYPE = Multiple()
