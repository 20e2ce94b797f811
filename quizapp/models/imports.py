"""Uploads waiting to be published, and background jobs.

A ``StagedImport`` is an uploaded bank that passed validation and is shown as a preview and a diff; nothing
in the bank changes until its uploader publishes it. Its bytes are kept as uploaded, so what is published is
exactly what was previewed, read again by the same function. It remembers the live version it was compared with
(``base_version``, 0 for a new bank), so publishing after the bank changed is refused. A ``Job`` is long
work run by the background worker; its page reads its progress and result from here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.jobs import JOB_STATUSES, JobStatus
from ..extensions import db
from .base import UTCDateTime, utcnow


class StagedImport(db.Model):
    __tablename__ = "staged_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # what URLs name it by: unguessable
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    source_format: Mapped[str | None] = mapped_column(String(16))  # as chosen on upload; None: by the file name
    source: Mapped[bytes] = mapped_column(LargeBinary)
    # Set once the upload is checked (at once, or by a job for a large file; until then all three are None):
    bank_slug: Mapped[str | None] = mapped_column(String(64))
    base_version: Mapped[int | None] = mapped_column(Integer)  # the live version compared with; 0: a new bank
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the diff (domain.diff.BankDiff.to_data())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)

    @property
    def owner_id(self) -> int:
        return self.user_id


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ({})".format(", ".join(f"'{s}'" for s in JOB_STATUSES)), name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # steps done, of ``total``
    total: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[str] = mapped_column(String(200), default="")  # what it is doing now, in words
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    @property
    def owner_id(self) -> int | None:
        return self.user_id

    @property
    def done(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
