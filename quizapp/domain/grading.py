"""Grading: a learner's form submission → a response → a grade, by the rule of the question's type.

Pure: no Flask, no database. :func:`parse_response` reads what a plain HTML form posts (a mapping of
field name to list of values, as ``MultiDict.to_dict(flat=False)`` gives; a ``MultiDict`` itself or
single string values work too) and raises :class:`ResponseError` with a learner-facing message when
the submission is malformed. :func:`grade` scores a response; :func:`response_form` turns a response
back into form values (to refill a form when an attempt is resumed).

Each question type's module in :mod:`quizapp.domain.types` says which form fields it reads and how it
scores; the functions here only look the type up. Fields for other types, a CSRF token and buttons are
ignored. A checkbox or radio group with nothing chosen sends no field at all, and a select or input left
blank sends ``""``: both are an empty answer, which is valid and scores 0. A missing text input or
select is a malformed submission.
"""

from __future__ import annotations

from typing import Any

from .fields import QuestionBase
from .types import REGISTRY, QuestionType
from .types.base import (
    MAX_TEXT,
    ChoiceMark,
    Form,
    Grade,
    PartMark,
    Response,
    ResponseError,
    normalise,
    shuffled,
)

__all__ = [
    "MAX_TEXT",
    "ChoiceMark",
    "Form",
    "Grade",
    "PartMark",
    "QuizQuestion",
    "Response",
    "ResponseError",
    "correct_answer_text",
    "grade",
    "normalise",
    "parse_response",
    "response_form",
    "shuffled",
]

QuizQuestion = QuestionBase  # a question of any type that has a response (every type but flashcards)


def _quiz_type(question: Any) -> QuestionType:
    kind = REGISTRY.get(getattr(question, "type", ""))
    if kind is None or not kind.quiz or not isinstance(question, kind.model):
        raise TypeError(f"not a quiz question: {type(question).__name__}")
    return kind


def _checked(question: Any, response: Any) -> QuestionType:
    kind = _quiz_type(question)
    if kind.response is None or not isinstance(response, kind.response):
        wanted = kind.response.__name__ if kind.response else "response"
        raise TypeError(f"a {question.type} question needs a {wanted}, not {type(response).__name__}")
    return kind


def parse_response(question: QuizQuestion, form: Form) -> Response:
    """Read a learner's answer to ``question`` from submitted form fields.

    Raises:
        ResponseError: the submission is malformed (its ``message`` says how, in plain English).
        TypeError: ``question`` is not a quiz question (a flashcard).
    """
    return _quiz_type(question).parse(question, form)


def response_form(question: QuizQuestion, response: Response) -> dict[str, list[str]]:
    """The form fields that :func:`parse_response` reads back as ``response`` (to refill a form)."""
    return _checked(question, response).response_form(question, response)


def grade(question: QuizQuestion, response: Response) -> Grade:
    """Grade ``response`` to ``question`` with the rule of the question's type.

    Raises:
        TypeError: ``question`` is not a quiz question, or ``response`` is for another type.
    """
    return _checked(question, response).grade(question, response)


def correct_answer_text(question: QuestionBase) -> str:
    """The correct answer in plain text, for results pages and flashcard backs."""
    kind = REGISTRY.get(getattr(question, "type", ""))
    if kind is None or not isinstance(question, kind.model):
        raise TypeError(f"not a question: {type(question).__name__}")
    return kind.correct_answer(question)
