"""What item analysis reads instead of every answer: each closed attempt's marks in one row, and analyses
already computed, where every worker and host can read them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class AttemptMarks(db.Model):
    """A closed (finished or expired) attempt's marks, written when it closes: a JSON array with one entry per
    question it asked, in the order of its ``question_revision_ids``: ``null`` for a question left
    unanswered, else ``[points, 1 or 0 (fully right), the response as JSON text]``. A closed attempt never
    changes, so neither does this row; item analysis reads it instead of the attempt's answers."""

    __tablename__ = "attempt_marks"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True)
    marks: Mapped[str] = mapped_column(Text)


class StoredAnalysis(db.Model):
    """The latest item analysis computed for a scope (a bank, a bank's quiz or an assignment; first or every
    attempt; every learner or a class's), with a digest of what it was computed from (``state``: see
    :func:`quizapp.queries.itemanalysis.state_of`). It is current only while ``state`` is still what the
    scope's attempts and banks give; otherwise the page computes afresh."""

    __tablename__ = "stored_analyses"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)  # a digest of what is analysed
    state: Mapped[str] = mapped_column(String(64))  # a digest of what it was computed from
    data: Mapped[str] = mapped_column(Text)  # the analysis and its question links, as JSON
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
