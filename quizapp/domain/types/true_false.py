"""True or false: a statement to judge; all or nothing, with optional feedback for each answer.

Form: ``choice``, radio buttons valued ``true`` and ``false``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from ..fields import Bool, Model, QuestionBase, Text
from ..interchange import GiftQuestion, GiftTrueFalse, Mapped, MoodleAnswer, MoodleQuestion, NotMapped
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

    def from_gift(self, question: GiftQuestion) -> Mapped | None:
        block = question.block
        if not isinstance(block, GiftTrueFalse):
            return None
        feedback = {
            str(block.answer).lower(): block.right_feedback,
            str(not block.answer).lower(): block.wrong_feedback,
        }
        data = {"type": self.name, "prompt": question.text, "answer": block.answer}
        feedback = {k: v for k, v in feedback.items() if v}
        return Mapped(data | ({"feedback": feedback} if feedback else {}))

    def to_gift(self, question: TrueFalseQuestion) -> GiftQuestion:
        fb = question.feedback
        right, wrong = (fb.true, fb.false) if question.answer else (fb.false, fb.true)
        return GiftQuestion(question.prompt, GiftTrueFalse(question.answer, wrong, right))

    def faces(self, question: TrueFalseQuestion, gap: int) -> tuple[str, str]:
        """The statement, then the question it asks: a bare statement on a card front reads as a fact."""
        return f"{question.prompt}\n\n*True or false?*", self.correct_answer(question)

    def random_guess(self, question: TrueFalseQuestion) -> float:
        return 0.5

    def response_options(self, question: TrueFalseQuestion) -> tuple[tuple[str, str, bool], ...]:
        return (("true", "True", question.answer is True), ("false", "False", question.answer is False))

    def picks(self, question: TrueFalseQuestion, response: TrueFalseResponse) -> tuple[str, ...]:
        return () if response.answer is None else ("true" if response.answer else "false",)

    def reads_moodle(self, source: MoodleQuestion) -> bool:
        return source.qtype == "truefalse"

    def from_moodle_xml(self, source: MoodleQuestion) -> Mapped:
        """The answer ``true`` or ``false`` worth 100% is the key; each answer's feedback is kept."""
        by_value = {a.text.strip().lower(): a for a in source.answers}
        if set(by_value) != {"true", "false"}:
            raise NotMapped("a true/false question needs the answers true and false")
        right = [value for value, a in by_value.items() if a.fraction >= 99.999]
        if len(right) != 1:
            raise NotMapped("exactly one of true and false must be worth 100%")
        fields: dict = {"prompt": source.text, "answer": right[0] == "true"}
        feedback = {v: by_value[v].feedback for v in ("true", "false") if by_value[v].feedback}
        if feedback:
            fields["feedback"] = feedback
        return Mapped(fields)

    def to_moodle_xml(self, question: TrueFalseQuestion) -> MoodleQuestion:
        answers = tuple(
            MoodleAnswer(text, 100.0 if question.answer is value else 0.0, feedback)
            for text, value, feedback in (
                ("true", True, question.feedback.true),
                ("false", False, question.feedback.false),
            )
        )
        return MoodleQuestion("truefalse", question.prompt, answers)


TYPE = TrueFalse()
