"""The banks' images: one stored file by its hash, and the files of a bank's current version."""

from __future__ import annotations

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from ..models import Bank, BankVersion, BankVersionMedia, MediaFile


def media_file(session: Session, sha256: str) -> Row[tuple[str, bytes]] | None:
    """The MIME type and bytes of the stored image with this SHA-256, if there is one."""
    return session.execute(select(MediaFile.mime, MediaFile.data).where(MediaFile.sha256 == sha256)).first()


def _current(bank: Bank, *columns):
    return (
        select(*columns)
        .join(BankVersion, BankVersion.id == BankVersionMedia.bank_version_id)
        .where(BankVersion.bank_id == bank.id, BankVersion.number == bank.version_number)
        .order_by(BankVersionMedia.name)
    )


def bank_media_names(session: Session, bank: Bank) -> dict[str, str]:
    """The name (``media/x.png``) of each image of a bank's current version, by SHA-256; a picture its
    package held under two names goes by the first."""
    names: dict[str, str] = {}
    for name, sha in session.execute(_current(bank, BankVersionMedia.name, BankVersionMedia.sha256)):
        names.setdefault(sha, name)
    return names


def bank_media(session: Session, bank: Bank) -> dict[str, bytes]:
    """The images of a bank's current version as ``{"media/x.png": bytes}``: the files that its exported
    data (:func:`quizapp.queries.banks.bank_export_data`) refers to, by the names it uses."""
    rows = session.execute(
        _current(bank, BankVersionMedia.name, BankVersionMedia.sha256, MediaFile.data).join(
            MediaFile, MediaFile.sha256 == BankVersionMedia.sha256
        )
    ).all()
    first: dict[str, str] = {}
    for name, sha, _data in rows:
        first.setdefault(sha, name)
    return {name: data for name, sha, data in rows if first[sha] == name}
