"""Short answer: a word or a few words, compared with the accepted answers after normalising (or exactly,
if strict); all or nothing.

Form: ``answer``, one text input.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from pydantic import Field

from ..fields import Bool, QuestionBase, Text
from .base import Form, Grade, PartMark, Problems, QuestionType, Response, accepted, make_grade, required_text


class ShortAnswerQuestion(QuestionBase):
    type: Literal["short_answer"]
    prompt: Text
    answers: list[Text] = Field(min_length=1)
    strict: Bool = False


@dataclass(frozen=True)
class ShortAnswerResponse(Response):
    """The answer as typed, without surrounding whitespace; ``""`` for none."""

    text: str = ""


class ShortAnswer(QuestionType):
    name = "short_answer"
    label = "short answer"
    order = 40
    model = ShortAnswerQuestion
    response = ShortAnswerResponse
    major_fields = frozenset({"answers", "strict"})

    def problems(self, question: ShortAnswerQuestion) -> Problems:
        for k, answer in enumerate(question.answers):
            if not answer.strip():
                yield ("answers", k), "an accepted answer must not be empty"

    def parse(self, question: ShortAnswerQuestion, form: Form) -> ShortAnswerResponse:
        return ShortAnswerResponse(required_text(form, "answer", "The answer box"))

    def grade(self, question: ShortAnswerQuestion, response: ShortAnswerResponse) -> Grade:
        """All or nothing: the answer must equal an accepted one after :func:`normalise`."""
        ok = accepted(response.text, question.answers, question.strict)
        part = PartMark("Answer", response.text, question.answers[0], ok)
        return make_grade(question, Fraction(ok), (), (part,))

    def response_form(self, question: ShortAnswerQuestion, response: ShortAnswerResponse) -> dict[str, list[str]]:
        return {"answer": [response.text]}

    def correct_answer(self, question: ShortAnswerQuestion) -> str:
        first, *others = question.answers
        return f"{first} (also accepted: {', '.join(others)})" if others else first


TYPE = ShortAnswer()
