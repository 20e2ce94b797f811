"""A learner's history with one question: their quiz answers to it and the grades of its cards, newest first,
and what the memory model says of each card now.

Pure: no Flask, no database. The read side (:mod:`quizapp.queries.history`) gives plain rows, already cut
to the newest few per question (and per card) with the totals beside them; :func:`histories` merges them.
Quiz answers are listed as answers, so the reviews they fed to the cards (source ``quiz``) are left out
by the read side: the same event would otherwise show twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import fsrs

from .grading import grade
from .quizzes import AttemptMode, is_blank, load_question, response_from_data
from .revlog import ReviewSource
from .scheduling import RATING_NAMES, Memory, Rating, memory

SHOWN = 8  # answers and grades shown per question; the rest are counted


@dataclass(frozen=True)
class AnsweredRow:
    """One of the learner's final answers to a question (practice, or in a closed exam)."""

    question_id: int
    answered_at: dt.datetime
    points: float
    max_points: float
    correct: bool
    response: Mapping[str, Any]
    revision: str  # the stored JSON of the question as it was worded for that answer
    attempt_id: int
    attempt_title: str
    mode: str
    total: int  # the learner's final answers to this question in all


@dataclass(frozen=True)
class ReviewedRow:
    """One grade of one of the question's cards, given while studying or imported."""

    question_id: int
    card_id: int
    gap: int
    rating: int
    reviewed_at: dt.datetime
    source: str
    total: int  # such grades of this card in all


@dataclass(frozen=True)
class CardRow:
    """One of the question's cards, with the learner's memory state of it (None: never reviewed)."""

    question_id: int
    card_id: int
    gap: int
    live: bool  # False once its question (or its gap) is gone from the bank
    state: fsrs.Card | None


@dataclass(frozen=True)
class Summary:
    """What a learner answered, in brief: the choices picked (Markdown, as the bank words them) or each
    part's typed or chosen value (plain text, labelled when there are several parts)."""

    picked: tuple[str, ...] = ()
    parts: tuple[tuple[str, str], ...] = ()

    @property
    def blank(self) -> bool:
        return not self.picked and not any(given for _label, given in self.parts)


@dataclass(frozen=True)
class Answered:
    """A quiz answer in a question's history."""

    at: dt.datetime
    attempt_id: int
    attempt_title: str
    mode: str
    verdict: str  # correct, partial, incorrect or unanswered, as on the results page
    points: float
    max_points: float
    summary: Summary
    kind = "answer"

    @property
    def is_practice(self) -> bool:
        return self.mode == AttemptMode.PRACTICE


@dataclass(frozen=True)
class Graded:
    """A flashcard grade in a question's history."""

    at: dt.datetime
    gap: int  # the cloze gap of the card graded; 0 for the whole question
    rating: int
    source: str  # study or import
    kind = "grade"

    @property
    def rating_name(self) -> str:
        return RATING_NAMES[Rating(self.rating)]

    @property
    def imported(self) -> bool:
        return self.source == ReviewSource.IMPORT


@dataclass(frozen=True)
class CardMemory:
    gap: int
    memory: Memory


@dataclass(frozen=True)
class QuestionHistory:
    events: tuple[Answered | Graded, ...]  # newest first, at most SHOWN
    total: int  # every answer and grade, shown or not
    memories: tuple[CardMemory, ...]  # the question's live cards the learner has reviewed, by gap
    unseen: int  # its live cards never reviewed
    retired: bool = False  # the question has cards, none of them live: it is gone from its bank

    @property
    def earlier(self) -> int:
        """How many older answers and grades are not shown."""
        return self.total - len(self.events)


EMPTY = QuestionHistory((), 0, (), 0)


def summarise(question: Any, response: Any) -> Summary:
    """The brief form of ``response`` to ``question``: the choices it picked, or its parts as graded."""
    graded = grade(question, response)
    if graded.choices:
        return Summary(picked=tuple(m.text for m in graded.choices if m.picked))
    if len(graded.parts) == 1:
        return Summary(parts=(("", graded.parts[0].given),))
    return Summary(parts=tuple((p.label, p.given) for p in graded.parts))


def answered(row: AnsweredRow) -> Answered:
    question = load_question(row.revision)
    response = response_from_data(question, row.response)
    blank = is_blank(response)
    if blank:
        verdict = "unanswered"
    elif row.correct:
        verdict = "correct"
    else:
        verdict = "partial" if row.points > 0 else "incorrect"
    summary = Summary() if blank else summarise(question, response)
    return Answered(
        row.answered_at, row.attempt_id, row.attempt_title, row.mode, verdict, row.points, row.max_points, summary
    )


def histories(
    answers: Iterable[AnsweredRow],
    reviews: Iterable[ReviewedRow],
    cards: Iterable[CardRow],
    scheduler: fsrs.Scheduler,
    now: dt.datetime,
    shown: int = SHOWN,
) -> dict[int, QuestionHistory]:
    """Each question's history, by question id: the newest ``shown`` answers and grades of the rows given
    (which must hold at least the newest ``shown`` of each question and of each card), the total of
    each, and the memory of each live card at ``now``."""
    events: dict[int, list[Answered | Graded]] = defaultdict(list)
    totals: dict[int, int] = defaultdict(int)
    answer_totals: dict[int, int] = {}
    for row in answers:
        events[row.question_id].append(answered(row))
        answer_totals[row.question_id] = row.total
    card_totals: dict[tuple[int, int], int] = {}
    for row in reviews:
        events[row.question_id].append(Graded(row.reviewed_at, row.gap, row.rating, row.source))
        card_totals[(row.question_id, row.card_id)] = row.total
    for question_id, total in answer_totals.items():
        totals[question_id] += total
    for (question_id, _card), total in card_totals.items():
        totals[question_id] += total
    memories: dict[int, list[CardMemory]] = defaultdict(list)
    unseen: dict[int, int] = defaultdict(int)
    live: dict[int, bool] = {}
    for card in sorted(cards, key=lambda c: (c.question_id, c.gap)):
        live[card.question_id] = live.get(card.question_id, False) or card.live
        if not card.live:
            continue
        if card.state is None:
            unseen[card.question_id] += 1
        else:
            memories[card.question_id].append(CardMemory(card.gap, memory(scheduler, card.state, now)))
    found = {}
    for question_id in set(events) | set(live):
        newest = sorted(events.get(question_id, ()), key=lambda e: e.at, reverse=True)[:shown]
        found[question_id] = QuestionHistory(
            tuple(newest),
            totals.get(question_id, 0),
            tuple(memories.get(question_id, ())),
            unseen.get(question_id, 0),
            retired=not live.get(question_id, True),
        )
    return found
