"""Summaries of what learners did, kept up to date by the operations that write reviews and answers.

Statistics would otherwise add up the whole review log (a learner may have a million reviews) on every
visit. Instead, each review and each final quiz answer is added, as it is written, to two rows of counts
(:class:`quizapp.domain.stats.Counts`): the learner's row for that **learner day**, bank and set of tags
(``activity_days``), and their all-time row for that bank and set of tags (``activity_totals``). Undoing a
grade subtracts it again. A bank and set of tags is the finest thing a statistics filter picks (a deck is
a bank narrowed to some tags; a topic is a tag), so every filter reads only these rows.

``tags`` is the question's tags as one string (``|a|b|``, see :func:`quizapp.domain.stats.tag_key`), found
with ``LIKE '%|tag|%'``; ``tags_digest`` names it in the key, so the key stays short however many tags a
question has. A learner's day depends on their time zone and the hour their day starts, so their summaries
are rebuilt from the log when either changes (:func:`quizapp.operations.activity.rebuild`).

``attempt_parts`` splits each closed attempt's score by bank and set of tags, written when the attempt is
closed, so that quiz scores over time can be shown for one bank or tag.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class _Counts:
    """The columns of :class:`quizapp.domain.stats.Counts`, in the same names."""

    reviews: Mapped[int] = mapped_column(Integer, default=0)
    again: Mapped[int] = mapped_column(Integer, default=0)
    hard: Mapped[int] = mapped_column(Integer, default=0)
    good: Mapped[int] = mapped_column(Integer, default=0)
    easy: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    learning: Mapped[int] = mapped_column(Integer, default=0)
    young: Mapped[int] = mapped_column(Integer, default=0)
    mature: Mapped[int] = mapped_column(Integer, default=0)
    relearning: Mapped[int] = mapped_column(Integer, default=0)
    young_pass: Mapped[int] = mapped_column(Integer, default=0)
    young_fail: Mapped[int] = mapped_column(Integer, default=0)
    mature_pass: Mapped[int] = mapped_column(Integer, default=0)
    mature_fail: Mapped[int] = mapped_column(Integer, default=0)
    review_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    answers_right: Mapped[int] = mapped_column(Integer, default=0)
    answer_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    # Reviews by the hour of the day they were given, in the learner's time zone.
    hour_00: Mapped[int] = mapped_column(Integer, default=0)
    hour_01: Mapped[int] = mapped_column(Integer, default=0)
    hour_02: Mapped[int] = mapped_column(Integer, default=0)
    hour_03: Mapped[int] = mapped_column(Integer, default=0)
    hour_04: Mapped[int] = mapped_column(Integer, default=0)
    hour_05: Mapped[int] = mapped_column(Integer, default=0)
    hour_06: Mapped[int] = mapped_column(Integer, default=0)
    hour_07: Mapped[int] = mapped_column(Integer, default=0)
    hour_08: Mapped[int] = mapped_column(Integer, default=0)
    hour_09: Mapped[int] = mapped_column(Integer, default=0)
    hour_10: Mapped[int] = mapped_column(Integer, default=0)
    hour_11: Mapped[int] = mapped_column(Integer, default=0)
    hour_12: Mapped[int] = mapped_column(Integer, default=0)
    hour_13: Mapped[int] = mapped_column(Integer, default=0)
    hour_14: Mapped[int] = mapped_column(Integer, default=0)
    hour_15: Mapped[int] = mapped_column(Integer, default=0)
    hour_16: Mapped[int] = mapped_column(Integer, default=0)
    hour_17: Mapped[int] = mapped_column(Integer, default=0)
    hour_18: Mapped[int] = mapped_column(Integer, default=0)
    hour_19: Mapped[int] = mapped_column(Integer, default=0)
    hour_20: Mapped[int] = mapped_column(Integer, default=0)
    hour_21: Mapped[int] = mapped_column(Integer, default=0)
    hour_22: Mapped[int] = mapped_column(Integer, default=0)
    hour_23: Mapped[int] = mapped_column(Integer, default=0)


class ActivityDay(_Counts, db.Model):
    """A learner's reviews and final quiz answers on one of their days, for one bank and set of tags.

    The key's order serves every read: a learner's days in a range, newest first for the streak."""

    __tablename__ = "activity_days"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), primary_key=True)
    tags_digest: Mapped[str] = mapped_column(String(32), primary_key=True)
    tags: Mapped[str] = mapped_column(Text)


class ActivityTotal(_Counts, db.Model):
    """A learner's reviews and final quiz answers of all time, for one bank and set of tags."""

    __tablename__ = "activity_totals"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), primary_key=True)
    tags_digest: Mapped[str] = mapped_column(String(32), primary_key=True)
    tags: Mapped[str] = mapped_column(Text)


class AttemptPart(db.Model):
    """A closed attempt's score over its questions of one bank and set of tags (unanswered ones score 0)."""

    __tablename__ = "attempt_parts"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), primary_key=True)
    tags_digest: Mapped[str] = mapped_column(String(32), primary_key=True)
    tags: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    questions: Mapped[int] = mapped_column(Integer)
    questions_right: Mapped[int] = mapped_column(Integer)  # fully right
