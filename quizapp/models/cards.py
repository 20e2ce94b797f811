"""Flashcards.

A card is one studiable face of a question: the whole question, or one cloze gap (``gap`` > 0). Its
identity is (question, gap), and so (bank id, question id, gap), so progress survives rewording; a card
whose question is retired (or whose gap disappears) is retired too, never deleted. A learner's progress
on a card is a ``CardState`` (FSRS memory state); every grade appends a ``Review``: the log is the source
of truth and a card state can be rebuilt from it.
"""

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.revlog import ReviewSource
from ..extensions import db
from .banks import Bank, Question
from .base import UTCDateTime, utcnow

REVIEW_SOURCES = tuple(s.value for s in ReviewSource)
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
    # When a major change to its question (a new key: see domain.diff) restarted every learner's memory of
    # the card: their states were reset to new; reviews before this time stay in the log but no longer count.
    memory_reset_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

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
