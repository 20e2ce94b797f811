"""Converters between the bank format and other formats (GIFT, Moodle XML, Aiken, CSV, Anki packages).

Pure: each converter reads bytes and returns a :class:`Conversion` — a :class:`BankPackage` whose YAML
passes the same validator as a hand-written bank — plus what it could not map, each with its name and
line, so the rest converts. Exporters take a bank's data (the bank format as plain data) and its media.

Each format is one module with a ``FORMAT`` record (:class:`Format`); registering one is importing its
record and naming it in :data:`FORMATS` below. Shared pieces live in ``_core`` (imported first, so a format
module may import them from this package or from ``._core``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..packages import BankPackage
from ._core import (
    Conversion,
    Exported,
    Format,
    FormatError,
    Skipped,
    default_header,
)
from .aiken import FORMAT as AIKEN
from .apkg import FORMAT as APKG
from .csvfile import FORMAT as CSV
from .gift import FORMAT as GIFT
from .moodle_xml import FORMAT as MOODLE_XML
from .yamlbank import FORMAT as YAML
from .zipbank import FORMAT as ZIP

__all__ = [
    "EXPORT_FORMATS",
    "FORMATS",
    "BankPackage",
    "Conversion",
    "Exported",
    "Format",
    "FormatError",
    "Skipped",
    "export_bank",
    "format_for",
    "read_bank_file",
    "readable",
    "writable",
    "write_bank",
]

# Every format, in the order a file's extension is looked up (GIFT before Aiken for .txt).
FORMATS: dict[str, Format] = {f.name: f for f in (YAML, ZIP, GIFT, MOODLE_XML, AIKEN, CSV, APKG)}

# What ``--format`` of ``flask bank export`` names, registered or not: an unregistered one is refused clearly.
EXPORT_FORMATS = ("yaml", "zip", "gift", "moodle-xml", "aiken", "csv", "apkg")


def readable() -> list[Format]:
    """The formats banks can be read from, in registry order."""
    return [f for f in FORMATS.values() if f.read is not None]


def writable() -> list[Format]:
    """The formats banks can be written in, in registry order."""
    return [f for f in FORMATS.values() if f.write is not None]


def downloads() -> list[Format]:
    """The formats a bank is offered in for download: a bank with pictures comes as a .zip when YAML is asked
    for, so the zip format is not offered on its own."""
    return [f for f in writable() if f.name != "zip"]


def format_for(name: str, from_format: str | None = None, default: str | None = None) -> Format:
    """The format to read the file ``name`` as: the one named, or the first registered for its extension,
    or ``default`` (a format's name) when no format claims the extension.

    Raises:
        FormatError: an unknown format name, or an extension no format claims.
    """
    if from_format is not None:
        found = FORMATS.get(from_format.lower())
        if found is None or found.read is None:
            names = ", ".join(f.name for f in readable())
            raise FormatError(name, 0, f"cannot read the format {from_format!r}; this version reads {names}")
        return found
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    for candidate in readable():
        if suffix in candidate.extensions and not candidate.by_name_only:
            return candidate
    if default is not None:
        return FORMATS[default]
    known = sorted({e for f in readable() if not f.by_name_only for e in f.extensions})
    raise FormatError(
        name, 0, f"cannot tell the format from the file name; use a file ending in {', '.join(known)} or name it"
    )


def read_bank_file(
    name: str,
    data: bytes,
    *,
    from_format: str | None = None,
    bank_id: str | None = None,
    header: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> Conversion:
    """A bank package from a file in any registered format (YAML passes through as it is).

    ``bank_id`` and ``header`` (title, description, language, license, authors, reviewed_on) set the
    converted bank's header; what neither gives comes from :func:`default_header` (``today`` is the
    conversion's day, by default today in UTC).

    Raises:
        FormatError: the format is unknown or the file is malformed (with its line), or nothing converted.
    """
    found = format_for(name, from_format)
    if found.read is None:  # format_for only returns formats that read
        raise FormatError(name, 0, f"cannot read the format {found.name!r}")
    if today is None:  # the domain never reads the clock: the caller says what day it is
        raise TypeError("read_bank_file needs today, the day of the conversion")
    return found.read(name, data, default_header(name, found.label, bank_id=bank_id, today=today, overrides=header))


def export_bank(format_name: str, data: Mapping[str, Any], media: Mapping[str, bytes] | None = None) -> Exported:
    """A bank (plain data in the bank format) written in ``format_name``, with what that format cannot carry.

    Raises:
        FormatError: no registered format of that name writes banks.
    """
    found = FORMATS.get(format_name)
    if found is None or found.write is None:
        names = ", ".join(f.name for f in writable())
        raise FormatError(format_name, 0, f"this version cannot export {format_name!r} yet; it exports {names}")
    written = found.write(data, media or {})
    return written if isinstance(written, Exported) else Exported(written)


def write_bank(format_name: str, data: Mapping[str, Any], media: Mapping[str, bytes] | None = None) -> bytes:
    """The bytes of :func:`export_bank`."""
    return export_bank(format_name, data, media).content
