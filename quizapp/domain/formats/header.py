"""The bank header a converted bank gets: the formats that are converted carry no licence, authors or
review date, so the converter writes documented stand-ins that say so (docs/formats.md), for the teacher to
replace before publishing. Nothing here is made up about the content itself."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import PurePosixPath
from typing import Any

from ..banks import FORMAT_VERSION

NOT_STATED = "not stated in the source file"
DEFAULT_LANGUAGE = "en"


def slugify(text: str, fallback: str = "") -> str:
    """A bank-format id or tag from any text: lowercase ASCII letters and digits joined by single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:64].strip("-")
    return slug or fallback


def unique_id(wanted: str, taken: set[str], fallback: str) -> str:
    """``wanted`` as a slug, with ``-2``, ``-3``… added if another question already has it."""
    base = slugify(wanted, fallback)
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = base[: 64 - len(suffix)].rstrip("-") + suffix
    taken.add(candidate)
    return candidate


def converted_header(source_name: str, what: str, bank_id: str | None, today: dt.date | None) -> dict[str, Any]:
    """The header of a bank converted from the file ``source_name`` (a ``what`` file)."""
    stem = PurePosixPath(source_name.replace("\\", "/")).stem or "converted"
    return {
        "format": FORMAT_VERSION,
        "id": bank_id or slugify(stem, "converted-bank"),
        "title": stem.replace("_", " ").strip() or "Converted bank",
        "description": f"Converted from the {what} file {PurePosixPath(source_name.replace(chr(92), '/')).name}.",
        "language": DEFAULT_LANGUAGE,
        "license": NOT_STATED,
        "authors": [NOT_STATED],
        "reviewed_on": today or dt.datetime.now(dt.UTC).date(),
    }
