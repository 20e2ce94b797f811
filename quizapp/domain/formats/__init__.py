"""Converters between the bank format and other formats (GIFT, Moodle XML, Aiken, CSV, Anki).

Pure: each converter reads bytes and returns a :class:`Conversion` — a :class:`BankPackage` whose YAML
passes the same validator as a hand-written bank — plus what it could not map, each with its name and
line, so the rest converts. Exporters take a bank's data (the bank format as plain data) and its media.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..packages import BankPackage


@dataclass(frozen=True)
class Skipped:
    """Something in the source that has no counterpart in the bank format, and was left out."""

    name: str  # the question's name or title as the source gives it, or "" when it has none
    line: int | None  # 1-based line in the source (the note's index for an Anki deck), None when unknown
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "unknown line"
        label = f" {self.name!r}" if self.name else ""
        return f"{where}:{label} {self.reason}"


@dataclass(frozen=True)
class Conversion:
    """A converted bank and what was skipped on the way."""

    package: BankPackage
    skipped: tuple[Skipped, ...] = ()
