"""Multiple choice: any number of correct choices; partial credit (right picks minus wrong picks) or all
or nothing.

Form: ``choice``, checkboxes whose values are choice ids.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import Field

from ..fields import Bool, Choice, QuestionBase, Text, one_of
from ..interchange import GiftChoices, GiftQuestion, Mapped, MoodleQuestion, NotMapped
from .base import (
    RELOAD,
    ChoiceType,
    Form,
    Grade,
    Problems,
    Response,
    ResponseError,
    choice_data,
    choice_marks,
    choice_problems,
    choices_from_moodle,
    choices_to_moodle,
    gift_choices,
    is_true,
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

    def picks(self, question: MultipleQuestion, response: MultipleResponse) -> tuple[str, ...]:
        return response.choices

    def reads_moodle(self, source: MoodleQuestion) -> bool:
        multi = source.qtype == "multichoice" and not is_true(source.options.get("single"), default=True)
        return multi or source.qtype == "multichoiceset"

    def from_moodle_xml(self, source: MoodleQuestion) -> Mapped:
        """Answers worth more than 0% are correct. Moodle's own fractions become quizapp's partial rule
        (right picks minus wrong picks); ``multichoiceset`` (all or nothing) keeps its rule."""
        if source.qtype == "multichoiceset":
            choices = choices_from_moodle(source, lambda f: f > 0)
            fields = {"prompt": source.text, "choices": choices, "scoring": "all_or_nothing"}
            notes: tuple[str, ...] = ()
        else:
            right = [a for a in source.answers if a.fraction > 0]
            if not right:
                raise NotMapped("no answer is worth more than 0%")
            each = 100 / len(right)
            exact = all(abs(a.fraction - (each if a.fraction > 0 else -each)) < 0.01 for a in source.answers)
            notes = (
                () if exact else ("Moodle's fractions were replaced by quizapp's rule: right picks minus wrong picks",)
            )
            fields = {"prompt": source.text, "choices": choices_from_moodle(source, lambda f: f > 0)}
        if not is_true(source.options.get("shuffleanswers"), default=True):
            fields["shuffle"] = False
        return Mapped(fields, notes)

    def to_moodle_xml(self, question: MultipleQuestion) -> MoodleQuestion:
        """Partial scoring as fractions (each right choice +1/n, each wrong one -1/n, n the right ones);
        all or nothing as Moodle's ``multichoiceset``."""
        n = sum(c.correct for c in question.choices)
        if question.scoring == "all_or_nothing":
            moodle = choices_to_moodle(question, lambda c: 100.0 if c.correct else 0.0)
            return replace(moodle, qtype="multichoiceset")
        return choices_to_moodle(question, lambda c: (100.0 if c.correct else -100.0) / n, single="false")

    def from_gift(self, question: GiftQuestion) -> Mapped | None:
        """Choices without ``=`` whose weights make some right: a positive weight is a right choice."""
        block = question.block
        if not isinstance(block, GiftChoices) or any(c.right or c.match is not None for c in block.choices):
            return None
        correct = [bool(c.weight and c.weight > 0) for c in block.choices]
        if not any(correct):
            return None
        right = sum(correct)
        ours = [100 / right if ok else -100 / right for ok in correct]
        notes = ()
        if any(c.weight is None or abs(c.weight - w) > 0.01 for c, w in zip(block.choices, ours, strict=True)):
            notes = (
                "the weights were read as right (positive) or wrong; each right pick earns a share of the points"
                " and each wrong pick takes one away",
            )
        return Mapped({"type": self.name, "prompt": question.text, "choices": choice_data(question, correct)}, notes)

    def to_gift(self, question: MultipleQuestion) -> GiftQuestion:
        """Weights that score as partial scoring does: +100/r % for each right choice, -100/r % for a wrong one."""
        right = sum(c.correct for c in question.choices)
        return gift_choices(question, (100 / right, -100 / right))


TYPE = Multiple()
