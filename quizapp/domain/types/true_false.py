"""True or false: a statement to judge; all or nothing, with optional feedback for each answer.

Form: ``choice``, radio buttons valued ``true`` and ``false``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from ..fields import Bool, Model, QuestionBase, Text
from .base import (
    RELOAD,
    ChoiceMark,
    Form,
    Grade,
    QuestionType,
    Response,
    ResponseError,
    make_grade,
    picked_feedback,
    picked_ids,
)


class TrueFalseFeedback(Model):
    true: Text | None = None
    false: Text | None = None


class TrueFalseQuestion(QuestionBase):
    type: Literal["true_false"]
    prompt: Text
    answer: Bool
    feedback: TrueFalseFeedback = TrueFalseFeedback()


@dataclass(frozen=True)
class TrueFalseResponse(Response):
    """``True``, ``False`` or ``None`` (no answer)."""

    answer: bool | None = None


class TrueFalse(QuestionType):
    name = "true_false"
    label = "true or false"
    order = 30
    model = TrueFalseQuestion
    response = TrueFalseResponse
    major_fields = frozenset({"answer"})  # feedback on each answer is minor

    def parse(self, question: TrueFalseQuestion, form: Form) -> TrueFalseResponse:
        picked = picked_ids(form)
        if len(picked) > 1:
            raise ResponseError("Choose either true or false, not both.")
        if picked and picked[0] not in ("true", "false"):
            raise ResponseError(f"Answer true or false. {RELOAD}")
        return TrueFalseResponse(picked[0] == "true" if picked else None)

    def grade(self, question: TrueFalseQuestion, response: TrueFalseResponse) -> Grade:
        """All or nothing."""
        marks = tuple(
            ChoiceMark(
                id=str(value).lower(),
                text=str(value),
                picked=response.answer is value,
                correct=question.answer is value,
                feedback=question.feedback.true if value else question.feedback.false,
            )
            for value in (True, False)
        )
        fraction = Fraction(response.answer is question.answer)
        return make_grade(question, fraction, marks, (), picked_feedback(marks))

    def response_form(self, question: TrueFalseQuestion, response: TrueFalseResponse) -> dict[str, list[str]]:
        return {} if response.answer is None else {"choice": ["true" if response.answer else "false"]}

    def correct_answer(self, question: TrueFalseQuestion) -> str:
        return "True" if question.answer else "False"

    def choice_order(self, question: TrueFalseQuestion, seed: int) -> tuple[str, ...]:
        return ("true", "false")

    def choices(self, question: TrueFalseQuestion, seed: int) -> tuple[tuple[str, str], ...]:
        return (("true", "True"), ("false", "False"))

    def faces(self, question: TrueFalseQuestion, gap: int) -> tuple[str, str]:
        """The statement, then the question it asks: a bare statement on a card front reads as a fact."""
        return f"{question.prompt}\n\n*True or false?*", self.correct_answer(question)


TYPE = TrueFalse()
