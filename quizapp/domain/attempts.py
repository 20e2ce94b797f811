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


class AttemptSource(StrEnum):
    """Where an attempt's questions came from."""

    BANK_QUIZ = "bank_quiz"  # a quiz a bank defines
    CUSTOM = "custom"  # a quiz the learner built
    MISTAKES = "mistakes"  # the learner's latest mistakes
