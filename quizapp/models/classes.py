"""Classes, their members, the work assigned to them and the extensions granted to learners.

A member's row is kept when they leave or are removed (``removed_at`` is set), so that their past results stay
with the class; a learner who joins again gets the same row back. An assigned attempt is an ordinary attempt
(``attempts.assignment_id`` names its assignment), pinned to the question revisions of its start as every
attempt is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.assignments import COUNTINGS, FEEDBACKS, MEMBER_ROLES, Counting, Feedback, MemberRole
from ..domain.attempts import AttemptSource
from ..extensions import db
from .base import UTCDateTime, utcnow

ASSIGNMENT_SOURCES = (AttemptSource.BANK_QUIZ.value, AttemptSource.CUSTOM.value)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


class Class(db.Model):
    """A teacher's class. ``join_code`` is None while joining by code is switched off; a code past
    ``join_code_expires_at`` no longer lets anyone join. Due dates are entered in ``time_zone``."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    join_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    join_code_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClassMember(db.Model):
    """A learner or teacher in a class, from ``joined_at`` until ``removed_at`` (None while a member).

    ``removed_by_id`` is who ended the membership: the member themselves when they left.
    """

    __tablename__ = "class_members"
    __table_args__ = (
        UniqueConstraint("class_id", "user_id"),
        CheckConstraint(_one_of("role", MEMBER_ROLES), name="known_role"),
        Index("ix_class_members_user_id_removed_at", "user_id", "removed_at"),  # "My classes"
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), default=MemberRole.LEARNER.value)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_teacher(self) -> bool:
        return self.role == MemberRole.TEACHER

    @property
    def active(self) -> bool:
        return self.removed_at is None


class Assignment(db.Model):
    """Work set to a class: a bank's quiz or a built quiz, open from ``opens_at`` and due at ``due_at``.

    ``quiz`` says what is drawn, as the quiz builder asks for it: ``{"bank": slug, "quiz": key}`` for a bank's
    quiz, ``{"banks": [slug, …], "tags": [tag, …], "count": n}`` for a built one. ``mode`` and
    ``time_limit_minutes`` apply to a built quiz (a bank's quiz has its own). ``attempts_allowed`` is None
    for unlimited attempts.
    """

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint(_one_of("source", ASSIGNMENT_SOURCES), name="known_source"),
        CheckConstraint(_one_of("counting", COUNTINGS), name="known_counting"),
        CheckConstraint(_one_of("feedback", FEEDBACKS), name="known_feedback"),
        CheckConstraint("due_at > opens_at", name="due_after_open"),
        CheckConstraint("attempts_allowed IS NULL OR attempts_allowed >= 1", name="attempts_positive"),
        Index("ix_assignments_class_id_due_at", "class_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(16))
    quiz: Mapped[dict[str, Any]] = mapped_column(JSON)
    mode: Mapped[str | None] = mapped_column(String(16))
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempts_allowed: Mapped[int | None] = mapped_column(Integer)
    counting: Mapped[str] = mapped_column(String(16), default=Counting.HIGHEST.value)
    feedback: Mapped[str] = mapped_column(String(16), default=Feedback.AT_ONCE.value)
    late_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Extension(db.Model):
    """What one learner is granted beyond an assignment's terms: a later due date, more minutes per attempt,
    extra attempts, or being excused from it altogether."""

    __tablename__ = "assignment_extensions"
    __table_args__ = (
        UniqueConstraint("assignment_id", "user_id"),
        CheckConstraint("extra_minutes >= 0", name="extra_minutes_not_negative"),
        CheckConstraint("extra_attempts >= 0", name="extra_attempts_not_negative"),
        Index("ix_assignment_extensions_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    extra_attempts: Mapped[int] = mapped_column(Integer, default=0)
    excused: Mapped[bool] = mapped_column(Boolean, default=False)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssignmentResult(db.Model):
    """What one learner's attempts at one assignment come to (:class:`quizapp.domain.assignments.Facts`): a
    row per learner and assignment they started, kept up to date by the operations that start, close and
    discard assigned attempts (:mod:`quizapp.operations.results`), so the results grid reads a row per cell
    rather than every attempt. The score each way of counting gives is kept, and nothing of the terms or of
    extensions: those are applied when the grid is read, so changing them needs no update here.

    ``stamp`` (40 random bits) is drawn afresh each time the row is written: the sum of a class's rows' stamps
    changes whenever one of them is written, added or deleted (but for a chance of one in 2**40), which tells a
    worker from an index alone that a grid it keeps is out of date."""

    __tablename__ = "assignment_results"
    __table_args__ = (
        Index("ix_assignment_results_user_id", "user_id"),
        Index("ix_assignment_results_assignment_id_stamp", "assignment_id", "stamp"),
    )

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    in_progress: Mapped[bool] = mapped_column(Boolean)
    graded: Mapped[int] = mapped_column(Integer)
    first_finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    highest_percent: Mapped[float | None] = mapped_column(Float)
    highest_attempt_id: Mapped[int | None] = mapped_column(Integer)
    first_percent: Mapped[float | None] = mapped_column(Float)
    first_attempt_id: Mapped[int | None] = mapped_column(Integer)
    last_percent: Mapped[float | None] = mapped_column(Float)
    last_attempt_id: Mapped[int | None] = mapped_column(Integer)
    average_percent: Mapped[float | None] = mapped_column(Float)
    stamp: Mapped[int] = mapped_column(BigInteger)
