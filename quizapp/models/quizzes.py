"""Quiz attempts and their answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.attempts import AttemptMode, AttemptSource, AttemptStatus
from ..extensions import db
from .base import UTCDateTime, utcnow

ATTEMPT_MODES = tuple(m.value for m in AttemptMode)
ATTEMPT_SOURCES = tuple(s.value for s in AttemptSource)
ATTEMPT_STATUSES = tuple(s.value for s in AttemptStatus)


class Attempt(db.Model):
    """One learner taking one quiz.

    ``question_revision_ids`` pins the questions, as they were worded when the attempt started, in the
    order they are shown; ``seed`` fixes the order of each question's choices, so the same attempt always
    looks the same and later edits to a bank never change it. ``criteria`` records what the quiz was
    drawn from (bank slugs with the version numbers used, tags, count, or the bank quiz's definition).
    ``score`` (the sum of the answers' points), ``percent`` and ``duration_seconds`` are set when the attempt
    is closed, as ``finished`` (submitted or completed) or ``expired`` (time ran out); until then each saved
    answer carries its own points. A learner may instead discard an attempt in progress: it is then
    ``discarded`` at ``finished_at``, with no score or percent, and its answers are kept. An attempt taken
    for a class assignment names it in ``assignment_id``.
    """

    __tablename__ = "attempts"
    __table_args__ = (
        CheckConstraint("mode IN ({})".format(", ".join(f"'{m}'" for m in ATTEMPT_MODES)), name="known_mode"),
        CheckConstraint("source IN ({})".format(", ".join(f"'{s}'" for s in ATTEMPT_SOURCES)), name="known_source"),
        CheckConstraint("status IN ({})".format(", ".join(f"'{s}'" for s in ATTEMPT_STATUSES)), name="known_status"),
        Index("ix_attempts_user_id_started_at", "user_id", "started_at"),  # "My history", newest first
        Index("ix_attempts_user_id_status", "user_id", "status"),  # quizzes in progress
        Index("ix_attempts_assignment_id_user_id", "assignment_id", "user_id"),  # a class's results
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    bank_version_id: Mapped[int | None] = mapped_column(ForeignKey("bank_versions.id"), index=True)
    quiz_key: Mapped[str | None] = mapped_column(String(64))
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON)
    mode: Mapped[str] = mapped_column(String(16))
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    question_revision_ids: Mapped[list[int]] = mapped_column(JSON)
    question_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=AttemptStatus.IN_PROGRESS.value)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float] = mapped_column(db.Float, default=0.0)
    max_score: Mapped[float] = mapped_column(db.Float)
    percent: Mapped[float | None] = mapped_column(db.Float)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    # The class assignment this attempt was taken for; None for a learner's own quiz.
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id", ondelete="SET NULL"))

    @property
    def owner_id(self) -> int:
        return self.user_id

    # Read-only words for templates, so no page spells out a stored status or mode.
    @property
    def is_practice(self) -> bool:
        """Each answer is checked as soon as it is saved."""
        return self.mode == AttemptMode.PRACTICE

    @property
    def is_exam(self) -> bool:
        """Answers can change until the attempt is submitted."""
        return self.mode == AttemptMode.EXAM

    @property
    def from_bank_quiz(self) -> bool:
        """Drawn from a quiz a bank defines, so it can be taken again as such."""
        return self.source == AttemptSource.BANK_QUIZ

    @property
    def in_progress(self) -> bool:
        """Not yet closed (it may still be past its deadline: see :meth:`time_is_up`)."""
        return self.status == AttemptStatus.IN_PROGRESS

    @property
    def discarded(self) -> bool:
        """Given up by the learner before it was finished: it has no results."""
        return self.status == AttemptStatus.DISCARDED

    @property
    def ran_out_of_time(self) -> bool:
        """Closed at its deadline rather than submitted or completed."""
        return self.status == AttemptStatus.EXPIRED

    def is_open(self, now: dt.datetime) -> bool:
        """Whether answers are still accepted: in progress and within the time limit, if any."""
        return self.status == AttemptStatus.IN_PROGRESS and (self.deadline is None or now <= self.deadline)

    def time_is_up(self, now: dt.datetime) -> bool:
        """In progress on paper, but past its deadline: the next request that may write closes it."""
        return self.status == AttemptStatus.IN_PROGRESS and self.deadline is not None and now > self.deadline


class Answer(db.Model):
    """A learner's answer to one question of an attempt, graded when saved.

    One row per (attempt, position), so a repeated submission can never count twice. ``user_id`` repeats
    the attempt's owner so that a learner's latest answer to each question is one index range away.
    """

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        Index("ix_answers_user_id_question_id_answered_at", "user_id", "question_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1-based, in the attempt's order
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    question_revision_id: Mapped[int] = mapped_column(ForeignKey("question_revisions.id"), index=True)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    points: Mapped[float] = mapped_column(db.Float)
    max_points: Mapped[float] = mapped_column(db.Float)
    correct: Mapped[bool] = mapped_column(db.Boolean)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    time_spent_ms: Mapped[int | None] = mapped_column(Integer)
