"""The one door from an uploaded file to a parsed bank.

Whatever a teacher uploads (the browser's upload page or ``flask bank import``), staged for a preview or
published, goes through :func:`read_upload`, which is given the file's name and bytes and nothing else. A
staged upload keeps exactly those, so publishing reads the same bytes the preview was made from.
Pure: no Flask, no database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .banks import Bank, bank_header, parse_bank, question_json


@dataclass(frozen=True)
class Upload:
    """A file read and validated as a bank."""

    name: str
    source: bytes
    bank: Bank
    skipped: tuple[str, ...] = ()  # what could not be carried over from another format, as reported

    @property
    def header(self) -> dict[str, Any]:
        """The bank's own fields with its quizzes, as versions are compared."""
        return {**bank_header(self.bank), "quizzes": [q.model_dump(mode="json") for q in self.bank.quizzes]}

    def question_data(self) -> list[dict[str, Any]]:
        """Each question as it will be stored."""
        return [json.loads(question_json(q)) for q in self.bank.questions]


def read_upload(name: str, source: bytes) -> Upload:
    """Read and validate an uploaded bank file, raising :class:`~quizapp.domain.banks.BankError` with every
    problem found."""
    return Upload(name, source, parse_bank(source, name))
