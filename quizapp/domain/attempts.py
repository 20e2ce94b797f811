"""The words for a quiz attempt's mode, status and source.

A module of its own so that the bank format (which names the mode a bank's quiz runs in) and the quiz
logic (which imports the bank format) can both use them without importing each other.
"""

from __future__ import annotations

from enum import StrEnum


class AttemptMode(StrEnum):
    """Practice: each answer is checked at once. Exam: answers can change until the attempt is submitted."""

    PRACTICE = "practice"
    EXAM = "exam"


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"  # submitted, or a practice attempt's last question answered
    EXPIRED = "expired"  # closed at its deadline
    # Given up by the learner before it was finished: it has no results and counts in no score. The row
    # and its answers are kept, not deleted: practice answers already fed the learner's flashcards, each
    # review naming its answer by id, and a deleted row's id could be given to a new answer (SQLite reuses
    # the highest rowid), whose review would then be taken for one already recorded.
    DISCARDED = "discarded"


# The attempts that were closed and graded, so have results and a score: the others are in progress or
# were discarded.
GRADED_STATUSES = frozenset({AttemptStatus.FINISHED, AttemptStatus.EXPIRED})


class AttemptSource(StrEnum):
    """Where an attempt's questions came from."""

    BANK_QUIZ = "bank_quiz"  # a quiz a bank defines
    CUSTOM = "custom"  # a quiz the learner built
    MISTAKES = "mistakes"  # the learner's latest mistakes
