"""Quizzes: which questions an attempt draws, in what order, and how a saved answer is stored and shown graded.

Pure: no Flask, no database. Every random choice comes from the attempt's seed through
:func:`quizapp.domain.types.base.shuffled`, so the same attempt always draws and shows the same questions in
the same order. Responses are stored as plain JSON (:func:`response_data`) and read back exactly
(:func:`response_from_data`), so a results page can re-grade an answer years later against the revision
of the question it was given for.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import TypeAdapter

# The attempt enums are re-exported: callers know them as part of the quiz logic.
from .attempts import AttemptMode as AttemptMode
from .attempts import AttemptSource as AttemptSource
from .attempts import AttemptStatus as AttemptStatus
from .banks import Question, Quiz
from .grading import ChoiceMark, Grade, QuizQuestion, Response, correct_answer_text, grade
from .types import QUIZ_TYPES, get
from .types.base import shuffled

MODES = tuple(AttemptMode)
MAX_COUNT = 100  # questions in one custom quiz
MAX_TIME_LIMIT_MINUTES = 24 * 60
MISTAKES_COUNT = 10
_QUESTION = TypeAdapter(Question)
T = TypeVar("T")


@lru_cache(maxsize=4096)
def load_question(data: str) -> QuizQuestion:
    """A quiz question from its stored canonical JSON (cached: revisions never change)."""
    question = _QUESTION.validate_python(json.loads(data))
    if question.type not in QUIZ_TYPES:
        raise ValueError(f"{question.id!r} is a {question.type}, not a quiz question")
    return question


def load_quiz(data: Mapping[str, Any]) -> Quiz:
    """A bank's quiz definition from its stored JSON."""
    return Quiz.model_validate(dict(data))


# --- drawing questions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A live quiz question as drawing sees it; ``ref`` is whatever the caller needs back (e.g. a row id)."""

    ref: Any
    key: str  # the question's id in its bank
    type: str
    tags: tuple[str, ...] = ()


def select_pool(
    candidates: Iterable[Candidate], question_ids: Sequence[str] | None = None, tags: Iterable[str] = ()
) -> list[Candidate]:
    """The candidates a quiz draws from, in the given order: the rule of :func:`quizapp.domain.banks.quiz_pool`.

    Flashcards never; only ``question_ids`` if given; only questions with any of ``tags`` if given.
    """
    pool = [c for c in candidates if c.type in QUIZ_TYPES]
    if question_ids is not None:
        wanted = set(question_ids)
        pool = [c for c in pool if c.key in wanted]
    wanted_tags = set(tags)
    if wanted_tags:
        pool = [c for c in pool if wanted_tags & set(c.tags)]
    return pool


def draw(pool: Sequence[T], count: int | None, seed: int, shuffle: bool = True) -> list[T]:
    """``count`` items of ``pool`` chosen at random by ``seed`` (all when ``count`` is None), shuffled if
    ``shuffle``, else in pool order."""
    order = shuffled(range(len(pool)), seed, "draw")
    chosen = order[: count if count is not None else len(pool)]
    if not shuffle:
        chosen = sorted(chosen)
    return [pool[i] for i in chosen]


def choice_order(question: QuizQuestion, seed: int) -> tuple[str, ...]:
    """The ids of a question's choices in the order this attempt shows them (empty for types without)."""
    return get(question.type).choice_order(question, seed)


def item_order(question: QuizQuestion, seed: int) -> tuple[int, ...]:
    """The field indices of a question's items to place (``position-<i>``) in the order this attempt shows
    them (empty for types without)."""
    return get(question.type).item_order(question, seed)


# --- storing responses ---------------------------------------------------------------------------------


def response_data(response: Response) -> dict[str, Any]:
    """A response as JSON-ready data (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(response)))


def response_from_data(question: QuizQuestion, data: Mapping[str, Any]) -> Response:
    """The response to ``question`` that :func:`response_data` stored as ``data``."""
    return get(question.type).response_from_data(question, data)


def is_blank(response: Response) -> bool:
    """Whether nothing was chosen or typed."""
    values = dataclasses.astuple(response)
    return all(v in (None, "", ()) or (isinstance(v, tuple) and all(x in (None, "") for x in v)) for v in values)


# --- graded answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradedAnswer:
    """One question of an attempt as the feedback and results pages show it."""

    question: QuizQuestion
    response: Response | None  # None: not answered
    grade: Grade
    choices: tuple[ChoiceMark, ...]  # in the order the attempt showed them
    correct_answer: str
    points: float  # as stored when the answer was saved
    max_points: float

    @property
    def answered(self) -> bool:
        return self.response is not None and not is_blank(self.response)

    @property
    def verdict(self) -> str:
        """``correct``, ``partial``, ``incorrect`` or ``unanswered``."""
        if not self.answered:
            return "unanswered"
        if self.grade.correct:
            return "correct"
        return "partial" if self.grade.score > 0 else "incorrect"


def graded_answer(
    question: QuizQuestion, response: Response | None, seed: int, points: float | None = None
) -> GradedAnswer:
    """Grade ``response`` (None: not answered) and arrange it for display."""
    blank = get(question.type).blank()
    result = grade(question, response if response is not None else blank)
    by_id = {m.id: m for m in result.choices}
    order = choice_order(question, seed)
    choices = tuple(by_id[i] for i in order if i in by_id) if order else result.choices
    return GradedAnswer(
        question=question,
        response=response,
        grade=result,
        choices=choices,
        correct_answer=correct_answer_text(question),
        points=result.score if points is None else points,
        max_points=question.points,
    )


@dataclass(frozen=True)
class TagScore:
    """How an attempt went on the questions with one tag (``tag`` is "" for questions without a tag)."""

    tag: str
    questions: int
    right: int  # fully right
    points: float
    max_points: float

    @property
    def percent(self) -> float:
        return percent(self.points, self.max_points)


def tag_breakdown(graded: Iterable[GradedAnswer]) -> tuple[TagScore, ...]:
    """An attempt's score per tag, by tag name (questions without a tag last). A question with several
    tags counts under each of them."""
    totals: dict[str, list[float]] = {}
    for answer in graded:
        for tag in dict.fromkeys(answer.question.tags or ("",)):
            row = totals.setdefault(tag, [0, 0, 0.0, 0.0])
            row[0] += 1
            row[1] += answer.verdict == "correct"
            row[2] += answer.points
            row[3] += answer.max_points
    order = sorted(totals, key=lambda tag: (tag == "", tag.casefold(), tag))
    return tuple(TagScore(tag, int(q), int(r), p, m) for tag in order for q, r, p, m in [totals[tag]])


def percent(score: float, max_score: float) -> float:
    """Score as a percentage of the maximum, 0 when there is nothing to score."""
    return 100.0 * score / max_score if max_score > 0 else 0.0


def format_points(value: float) -> str:
    """Points for display: whole numbers without decimals, others to at most two places."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_duration(seconds: float | None) -> str:
    """``4 min 05 s``, ``1 h 02 min``, ``45 s``; ``—`` when unknown."""
    if seconds is None:
        return "—"
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def format_clock(seconds: float) -> str:
    """A countdown as ``mm:ss`` (or ``h:mm:ss`` from an hour up)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
