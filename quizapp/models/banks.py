"""Question banks.

A bank row holds the bank's current state; every import that changes it adds a ``BankVersion``
snapshot. A question's identity is (bank, key) — the ``id`` the author gave it — so progress survives
edits; every distinct content of a question is kept as a ``QuestionRevision`` that attempts can pin.
Questions removed from a bank are retired, never deleted.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


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
