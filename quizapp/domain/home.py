"""The learner's home page: what they have under way, and the one thing most worth doing next.

Pure: the queries hand in plain values (unfinished attempts, decks with today's counts) and :func:`next_step`
picks the *Continue* action by going down :data:`RULES`, most useful first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Unfinished:
    """A quiz attempt the learner started and has neither finished nor discarded."""

    attempt_id: int
    title: str
    mode: str
    answered: int
    question_count: int
    started_at: dt.datetime
    deadline: dt.datetime | None

    def seconds_left(self, now: dt.datetime) -> float | None:
        """Seconds until the time limit (0 once it has passed); None without one."""
        return max(0.0, (self.deadline - now).total_seconds()) if self.deadline is not None else None

    def time_is_up(self, now: dt.datetime) -> bool:
        """Past its deadline: it takes no more answers, and is graded as it stands when next touched."""
        return self.deadline is not None and now > self.deadline


@dataclass(frozen=True)
class DeckToday:
    """A deck with what is left of it for the learner's day."""

    deck_id: int
    title: str
    due: int  # cards in (re)learning and review cards due today, within the daily limit
    new: int  # new cards still to be introduced today, within the daily limit

    @property
    def left(self) -> int:
        return self.due + self.new


@dataclass(frozen=True)
class AssignedWork:
    """Work a teacher set in one of the learner's classes, still to do: open, not yet submitted."""

    class_id: int
    assignment_id: int
    title: str
    class_name: str
    due_at: dt.datetime  # the learner's own, extension included

    def overdue(self, now: dt.datetime) -> bool:
        return now > self.due_at


class Step(StrEnum):
    """What *Continue* does."""

    RESUME_QUIZ = "resume_quiz"  # carry on with an unfinished quiz
    ASSIGNED = "assigned"  # do the work a teacher set that is due soonest
    STUDY_DUE = "study_due"  # study the deck with the most cards due
    LEARN_NEW = "learn_new"  # nothing due: learn the new cards of a deck
    FIRST_STEPS = "first_steps"  # a newcomer: take a first quiz (or make a deck)
    TAKE_QUIZ = "take_quiz"  # nothing left for today: take a quiz


@dataclass(frozen=True)
class NextStep:
    step: Step
    quiz: Unfinished | None = None  # RESUME_QUIZ
    deck: DeckToday | None = None  # STUDY_DUE, LEARN_NEW
    work: AssignedWork | None = None  # ASSIGNED


@dataclass(frozen=True)
class Situation:
    """Everything *Continue* is chosen from."""

    unfinished: Sequence[Unfinished]  # newest first
    decks: Sequence[DeckToday]
    quizzes_taken: int  # attempts ever started, finished or not
    now: dt.datetime
    assigned: Sequence[AssignedWork] = ()  # work still to do, soonest due first


def _resume_quiz(s: Situation) -> NextStep | None:
    """The newest unfinished quiz that still takes answers: started work is the easiest to pick up."""
    quiz = next((q for q in s.unfinished if not q.time_is_up(s.now)), None)
    return NextStep(Step.RESUME_QUIZ, quiz=quiz) if quiz else None


def _assigned(s: Situation) -> NextStep | None:
    """The assigned work due soonest: a teacher's due date comes before the learner's own plans."""
    return NextStep(Step.ASSIGNED, work=s.assigned[0]) if s.assigned else None


def _study_due(s: Situation) -> NextStep | None:
    """The deck with the most cards due: those are the memories closest to fading."""
    due = [d for d in s.decks if d.due]
    return NextStep(Step.STUDY_DUE, deck=max(due, key=lambda d: d.due)) if due else None


def _learn_new(s: Situation) -> NextStep | None:
    new = [d for d in s.decks if d.new]
    return NextStep(Step.LEARN_NEW, deck=max(new, key=lambda d: d.new)) if new else None


def _first_steps(s: Situation) -> NextStep | None:
    return NextStep(Step.FIRST_STEPS) if not s.decks and not s.quizzes_taken else None


def _take_quiz(_s: Situation) -> NextStep:
    return NextStep(Step.TAKE_QUIZ)


# Most useful first; the last always answers. Work a teacher set comes after a quiz under way (which may be
# that very work) and before the learner's own cards.
RULES: tuple[Callable[[Situation], NextStep | None], ...] = (
    _resume_quiz,
    _assigned,
    _study_due,
    _learn_new,
    _first_steps,
    _take_quiz,
)


def next_step(situation: Situation) -> NextStep:
    """The *Continue* action: the first of :data:`RULES` that has something to offer."""
    for rule in RULES:
        step = rule(situation)
        if step is not None:
            return step
    raise AssertionError("the last rule always answers")  # pragma: no cover
