"""The one door from an uploaded file to a parsed bank.

Whatever a teacher uploads (the browser's upload page or ``flask bank import``), staged for a preview or
published, goes through :func:`read_upload`, which is given the file's name and bytes and nothing else. A
staged upload keeps exactly those, so publishing reads the same bytes the preview was made from.
Pure: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import formats
from .banks import Bank, bank_header, parse_package, question_json
from .media import StoredImage
from .packages import BankPackage


@dataclass(frozen=True)
class Upload:
    """A file read and validated as a bank."""

    name: str
    source: bytes
    bank: Bank
    skipped: tuple[str, ...] = ()  # what could not be carried over from another format, as reported
    package: BankPackage | None = None  # the bank with its pictures, as read or converted
    images: Mapping[str, StoredImage] = field(default_factory=dict)  # its pictures, ready to store
    converted_from: str | None = None  # the format's label ("GIFT"), None for the bank format itself

    @property
    def header(self) -> dict[str, Any]:
        """The bank's own fields with its quizzes, as versions are compared."""
        return {**bank_header(self.bank), "quizzes": [q.model_dump(mode="json") for q in self.bank.quizzes]}

    def question_data(self) -> list[dict[str, Any]]:
        """Each question as it will be stored."""
        return [json.loads(question_json(q)) for q in self.bank.questions]


def read_upload(name: str, source: bytes, from_format: str | None = None, today: dt.date | None = None) -> Upload:
    """Read (converting it first if it is in another format: GIFT, Moodle XML, Aiken, CSV, Anki, or a bank
    .zip with its pictures) and validate an uploaded bank file, raising
    :class:`~quizapp.domain.banks.BankError` with every problem found."""
    found = formats.format_for(name, from_format, default="yaml")
    conversion = formats.read_bank_file(name, source, from_format=found.name, today=today)
    bank, images = parse_package(conversion.package)
    skipped = tuple(str(s) for s in conversion.skipped)
    converted = found.label if found.converts else None
    return Upload(name, source, bank, skipped, conversion.package, images, converted)
