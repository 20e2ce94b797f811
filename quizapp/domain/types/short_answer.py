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
from ..interchange import GiftChoice, GiftChoices, GiftQuestion, Mapped, MoodleAnswer, MoodleQuestion, NotMapped
from .base import (
    Form,
    Grade,
    PartMark,
    Problems,
    QuestionType,
    Response,
    accepted,
    is_true,
    make_grade,
    normalise,
    required_text,
)


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

    def random_guess(self, question: ShortAnswerQuestion) -> float:
        """A typed answer cannot be guessed from a list: 0."""
        return 0.0

    def picks(self, question: ShortAnswerQuestion, response: ShortAnswerResponse) -> tuple[str, ...]:
        return (normalise(response.text, question.strict),) if response.text.strip() else ()

    def reads_moodle(self, source: MoodleQuestion) -> bool:
        return source.qtype == "shortanswer"

    def from_moodle_xml(self, source: MoodleQuestion) -> Mapped:
        """Answers worth 100% are accepted; partly right answers, wildcards and feedback are not kept.
        ``usecase`` becomes ``strict`` (quizapp's strict also counts accents and spacing)."""
        accepted, notes = [], []
        for a in source.answers:
            if "*" in a.text.replace("\\*", ""):
                notes.append(f"answer {a.text!r} uses Moodle's * wildcard, which quizapp does not read")
            elif a.fraction >= 99.999:
                accepted.append(a.text.replace("\\*", "*"))
            elif a.fraction > 0:
                notes.append(f"answer {a.text!r} was worth {a.fraction:g}%; partly right answers are not kept")
            if a.feedback:
                notes.append(f"the feedback for answer {a.text!r} is not kept")
        if not accepted:
            raise NotMapped("no answer is worth 100% (wildcards aside)")
        fields: dict = {"prompt": source.text, "answers": accepted}
        if is_true(source.options.get("usecase")):
            fields["strict"] = True
        return Mapped(fields, tuple(notes))

    def to_moodle_xml(self, question: ShortAnswerQuestion) -> MoodleQuestion:
        answers = tuple(MoodleAnswer(a.replace("*", "\\*"), 100.0) for a in question.answers)
        return MoodleQuestion("shortanswer", question.prompt, answers, {"usecase": "1" if question.strict else "0"})

    def from_gift(self, question: GiftQuestion) -> Mapped | None:
        """Only ``=`` answers, the block after the text: the answers worth full marks are accepted."""
        answers = short_answers(question)
        if answers is None or question.after:
            return None
        accepted, notes = answers
        return Mapped({"type": self.name, "prompt": question.text, "answers": accepted}, notes)

    def to_gift(self, question: ShortAnswerQuestion) -> GiftQuestion:
        return GiftQuestion(question.prompt, GiftChoices(tuple(GiftChoice(a, True) for a in question.answers)))


def short_answers(question: GiftQuestion) -> tuple[list[str], tuple[str, ...]] | None:
    """The accepted answers of a block of ``=`` answers (and what was left out), or ``None`` for another block.

    Raises:
        NotMapped: no answer is worth full marks.
    """
    block = question.block
    if not isinstance(block, GiftChoices) or not all(c.right and c.match is None for c in block.choices):
        return None
    accepted = [c.literal for c in block.choices if c.full]
    if not accepted:
        raise NotMapped("no answer is worth full marks")
    notes = [
        f"the answer {c.literal!r} worth {c.weight:g} % was left out: typed answers are right or wrong"
        for c in block.choices
        if not c.full
    ]
    notes += [f"the feedback of the answer {c.literal!r} was left out" for c in block.choices if c.feedback]
    return accepted, tuple(notes)


TYPE = ShortAnswer()
