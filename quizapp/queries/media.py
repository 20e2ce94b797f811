"""The banks' images: one stored file by its hash, and the files of a bank's current version."""

from __future__ import annotations

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from ..domain.banks import export_package
from ..domain.packages import BANK_FILE, BankPackage
from ..models import Bank, BankVersion, BankVersionMedia, MediaFile
from .banks import bank_export_data


def media_file(session: Session, sha256: str) -> Row[tuple[str, bytes]] | None:
    """The MIME type and bytes of the stored image with this SHA-256, if there is one."""
    return session.execute(select(MediaFile.mime, MediaFile.data).where(MediaFile.sha256 == sha256)).first()


def bank_media_files(session: Session, bank: Bank) -> list[Row[tuple[str, str, bytes]]]:
    """``(name, sha256, bytes)`` of each image of a bank's current version, by name."""
    return list(
        session.execute(
            select(BankVersionMedia.name, BankVersionMedia.sha256, MediaFile.data)
            .join(MediaFile, MediaFile.sha256 == BankVersionMedia.sha256)
            .join(BankVersion, BankVersion.id == BankVersionMedia.bank_version_id)
            .where(BankVersion.bank_id == bank.id, BankVersion.number == bank.version_number)
            .order_by(BankVersionMedia.name)
        )
    )


def bank_media(session: Session, bank: Bank) -> dict[str, bytes]:
    """The images of a bank's current version as ``{"media/x.png": bytes}``, as its package holds them."""
    return {row.name: row.data for row in bank_media_files(session, bank)}


def bank_package(session: Session, bank: Bank) -> BankPackage:
    """A bank's current version as a package: its YAML, with its images if it has any (see
    :func:`~quizapp.domain.banks.export_package`)."""
    files = [(row.name, row.sha256, row.data) for row in bank_media_files(session, bank)]
    return export_package(bank_export_data(session, bank), files, f"{bank.slug}/{BANK_FILE}")
