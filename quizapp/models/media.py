"""Images of question banks, stored once by content.

A ``MediaFile`` is a re-encoded image keyed by the SHA-256 of its bytes, so the same picture used by two
versions (or two banks) is stored once. ``BankVersionMedia`` records which files a bank version holds and
under which names its authors gave them (``media/x.png``), so a version's images can be listed and
exported with their names.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class MediaFile(db.Model):
    __tablename__ = "media_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class BankVersionMedia(db.Model):
    """One media file of a bank version, under the name the bank gave it."""

    __tablename__ = "bank_version_media"

    bank_version_id: Mapped[int] = mapped_column(ForeignKey("bank_versions.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), primary_key=True)  # "media/x.png"
    sha256: Mapped[str] = mapped_column(ForeignKey("media_files.sha256"), index=True)
