"""Storing a bank version's images. Functions add and flush but never commit; the caller commits once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..domain.media import StoredImage
from ..models import BankVersionMedia, MediaFile


def store_media(session: Session, version_id: int, images: Mapping[str, StoredImage], now: dt.datetime) -> int:
    """Keep the images of a bank version: each file once by its hash, and the version's name for each.

    Returns how many files were new. Two imports storing the same new file at once both succeed: the
    second insert of a hash is skipped by the database.
    """
    if not images:
        return 0
    by_sha = {image.sha256: image for image in images.values()}
    have = set(session.scalars(select(MediaFile.sha256).where(MediaFile.sha256.in_(by_sha))))
    new = [
        {
            "sha256": sha,
            "mime": image.mime,
            "width": image.width,
            "height": image.height,
            "size": len(image.data),
            "data": image.data,
            "created_at": now,
        }
        for sha, image in by_sha.items()
        if sha not in have
    ]
    if new:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(dialect.insert(MediaFile).on_conflict_do_nothing(), new)
    session.execute(
        insert(BankVersionMedia),
        [{"bank_version_id": version_id, "name": name, "sha256": image.sha256} for name, image in images.items()],
    )
    session.flush()
    return len(new)
