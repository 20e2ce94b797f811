"""Database tables.

A bank row holds the bank's current state; every import that changes it adds a ``BankVersion``
snapshot. A question's identity is (bank, key) — the ``id`` the author gave it — so progress survives
edits; every distinct content of a question is kept as a ``QuestionRevision`` that attempts can pin.
Questions removed from a bank are retired, never deleted.

A user logs in with an email address or a username (stored normalised, so unique case-insensitively).
Their ``session_token`` is what the session cookie names them by: replacing it ends every session at once.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .domain.accounts import ROLES, Role, shown_login
from .extensions import db


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class UTCDateTime(db.TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; quizapp stores UTC-aware datetimes only")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Bank(db.Model):
    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(35))
    license: Mapped[str] = mapped_column(String(200))
    authors: Mapped[list[str]] = mapped_column(JSON)
    reviewed_on: Mapped[dt.date] = mapped_column(Date)
    tags: Mapped[list[str]] = mapped_column(JSON)
    version_number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    versions: Mapped[list[BankVersion]] = relationship(back_populates="bank", order_by="BankVersion.number")


class BankVersion(db.Model):
    """A snapshot of a bank's header and quizzes as imported."""

    __tablename__ = "bank_versions"
    __table_args__ = (UniqueConstraint("bank_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(500))
    header: Mapped[dict[str, Any]] = mapped_column(JSON)
    quizzes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    question_count: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    bank: Mapped[Bank] = relationship(back_populates="versions")


class Question(db.Model):
    """A question's identity and current content."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("bank_id", "key"),
        Index("ix_questions_bank_id_retired_at_position", "bank_id", "retired_at", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)  # canonical JSON of the question (see domain.banks)
    revision_number: Mapped[int] = mapped_column(Integer)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    @property
    def content(self) -> dict[str, Any]:
        return json.loads(self.data)


class QuestionRevision(db.Model):
    """One distinct content of a question, kept for as long as anything refers to it."""

    __tablename__ = "question_revisions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    bank_version_id: Mapped[int] = mapped_column(ForeignKey("bank_versions.id", ondelete="CASCADE"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)


class User(UserMixin, db.Model):
    """Someone with an account. Flask-Login knows them by ``session_token``, never by ``id``."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR username IS NOT NULL", name="has_login"),
        CheckConstraint("role IN ({})".format(", ".join(f"'{r}'" for r in ROLES)), name="known_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    username: Mapped[str | None] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.LEARNER.value)
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to log in inactive users
        return self.disabled_at is None

    @property
    def owner_id(self) -> int:
        """Whose object this is, for :func:`quizapp.access.owned_or_404`: a user owns their own account."""
        return self.id

    @property
    def login(self) -> str:
        return shown_login(self.email, self.username)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class LoginFailure(db.Model):
    """One failed password check, by account or by client address, for throttling across processes.

    ``key`` is a SHA-256 digest, so the table holds neither login names nor addresses in the clear. Rows
    older than the throttling window are deleted as new failures come in.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_scope_key_created_at", "scope", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # "account" or "address"
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# --- flashcards ---
# A card is one studiable face of a question: the whole question, or one cloze gap (``gap`` > 0). Its
# identity is (question, gap), and so (bank id, question id, gap), so progress survives rewording; a card
# whose question is retired (or whose gap disappears) is retired too, never deleted. A learner's progress
# on a card is a ``CardState`` (FSRS memory state); every grade appends a ``Review``: the log is the source
# of truth and a card state can be rebuilt from it.

REVIEW_SOURCES = ("study", "quiz", "import")
NEW = 0  # a card's state before its first review (py-fsrs numbers Learning 1, Review 2, Relearning 3)


class Card(db.Model):
    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("question_id", "gap"),
        Index("ix_cards_bank_id_retired_at", "bank_id", "retired_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    gap: Mapped[int] = mapped_column(Integer, default=0)  # the cloze gap number (c1 → 1); 0 for a whole question
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    question: Mapped[Question] = relationship()


class CardTag(db.Model):
    """A tag of a card's question, so a deck narrowed by tags is one indexed query."""

    __tablename__ = "card_tags"

    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Deck(db.Model):
    """What a learner studies: one bank, optionally narrowed to questions with any of ``tags``."""

    __tablename__ = "decks"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    bank: Mapped[Bank] = relationship()

    @property
    def owner_id(self) -> int:
        return self.user_id


class CardState(db.Model):
    """A learner's FSRS memory state of one card; there is none until the card's first review.

    ``version`` goes up with every grade and undo, so a grade sent from a page that showed an older state
    is recognised as stale.
    """

    __tablename__ = "card_states"
    __table_args__ = (
        UniqueConstraint("user_id", "card_id"),
        Index("ix_card_states_user_id_due", "user_id", "due"),  # the study queue: a user's cards by due time
        CheckConstraint("state IN (1, 2, 3)", name="known_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    state: Mapped[int] = mapped_column(Integer)
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(db.Float)
    difficulty: Mapped[float | None] = mapped_column(db.Float)
    due: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_review: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Review(db.Model):
    """One grade of one card by one learner: append-only, except that undo removes the latest.

    ``before`` and ``after`` are the card's FSRS state around the grade (``before`` is None for a new card);
    ``token`` makes a grade posted twice count once.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("user_id", "token"),
        Index("ix_reviews_user_id_reviewed_at", "user_id", "reviewed_at"),
        Index("ix_reviews_user_id_card_id_reviewed_at", "user_id", "card_id", "reviewed_at"),
        CheckConstraint("rating BETWEEN 1 AND 4", name="known_rating"),
        CheckConstraint("source IN ({})".format(", ".join(f"'{s}'" for s in REVIEW_SOURCES)), name="known_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    reviewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    state_before: Mapped[int] = mapped_column(Integer)  # NEW, or py-fsrs's State
    state_after: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(8))
    token: Mapped[str] = mapped_column(String(80))

    @property
    def owner_id(self) -> int:
        return self.user_id


class SchedulerSettings(db.Model):
    """A learner's scheduler settings; a learner without a row has the defaults of ``scheduling.Settings``."""

    __tablename__ = "scheduler_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    desired_retention: Mapped[float] = mapped_column(db.Float)
    learning_steps_minutes: Mapped[list[int]] = mapped_column(JSON)
    relearning_steps_minutes: Mapped[list[int]] = mapped_column(JSON)
    maximum_interval_days: Mapped[int] = mapped_column(Integer)
    enable_fuzzing: Mapped[bool] = mapped_column(db.Boolean)
    new_per_day: Mapped[int] = mapped_column(Integer)
    reviews_per_day: Mapped[int] = mapped_column(Integer)
    day_starts_at_hour: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    quiz_answers_feed_scheduler: Mapped[bool] = mapped_column(db.Boolean)
    parameters: Mapped[list[float]] = mapped_column(JSON)
    optimised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    optimisation: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # the last result, to show
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- quizzes ---

ATTEMPT_MODES = ("practice", "exam")
ATTEMPT_SOURCES = ("bank_quiz", "custom", "mistakes")
ATTEMPT_STATUSES = ("in_progress", "finished", "expired")


class Attempt(db.Model):
    """One learner taking one quiz.

    ``question_revision_ids`` pins the questions, as they were worded when the attempt started, in the
    order they are shown; ``seed`` fixes the order of each question's choices, so the same attempt always
    looks the same and later edits to a bank never change it. ``criteria`` records what the quiz was
    drawn from (bank slugs with the version numbers used, tags, count, or the bank quiz's definition).
    ``score`` (the sum of the answers' points), ``percent`` and ``duration_seconds`` are set when the attempt
    is closed, as ``finished`` (submitted or completed) or ``expired`` (time ran out); until then each saved
    answer carries its own points.
    """

    __tablename__ = "attempts"
    __table_args__ = (
        CheckConstraint("mode IN ({})".format(", ".join(f"'{m}'" for m in ATTEMPT_MODES)), name="known_mode"),
        CheckConstraint("source IN ({})".format(", ".join(f"'{s}'" for s in ATTEMPT_SOURCES)), name="known_source"),
        CheckConstraint("status IN ({})".format(", ".join(f"'{s}'" for s in ATTEMPT_STATUSES)), name="known_status"),
        Index("ix_attempts_user_id_started_at", "user_id", "started_at"),  # "My history", newest first
        Index("ix_attempts_user_id_status", "user_id", "status"),  # quizzes in progress
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
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float] = mapped_column(db.Float, default=0.0)
    max_score: Mapped[float] = mapped_column(db.Float)
    percent: Mapped[float | None] = mapped_column(db.Float)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)

    @property
    def owner_id(self) -> int:
        return self.user_id

    def is_open(self, now: dt.datetime) -> bool:
        """Whether answers are still accepted: in progress and within the time limit, if any."""
        return self.status == "in_progress" and (self.deadline is None or now <= self.deadline)

    def time_is_up(self, now: dt.datetime) -> bool:
        """In progress on paper, but past its deadline: the next request that may write closes it."""
        return self.status == "in_progress" and self.deadline is not None and now > self.deadline


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
