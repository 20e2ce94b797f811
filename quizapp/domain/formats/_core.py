"""What every converter shares: its result, its error, its registry record, and the bank it builds.

A converter reads a file into questions as plain data (the bank format), and :func:`assemble` checks each
one with the bank validator, skips (and reports) those that fail, and writes the rest as a YAML bank with
the same dumper as every export, so the bank takes the same path as a hand-written one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..banks import FORMAT_VERSION, dump_bank, question_problems
from ..media import image_refs, markdown_image_count, text_fields
from ..packages import BankPackage
from ..yamlload import MAX_BYTES, BankError, Problem

ID_LIMIT = 64


@dataclass(frozen=True)
class Skipped:
    """Something in the source that has no counterpart in the target format, and was left out."""

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


@dataclass(frozen=True)
class Exported:
    """A bank written in another format, and the questions that format could not carry."""

    content: bytes
    skipped: tuple[Skipped, ...] = ()


class FormatError(BankError):
    """A file that cannot be read as its format says (malformed, not UTF-8, too large): where and why."""

    def __init__(self, filename: str, line: int, message: str, column: int = 0):
        super().__init__([Problem(filename, line, column, "", message)])


Reader = Callable[[str, bytes, Mapping[str, Any]], Conversion]
Writer = Callable[[Mapping[str, Any], Mapping[str, bytes]], "Exported | bytes"]


@dataclass(frozen=True)
class Format:
    """One interchange format: how to read it into a bank and write a bank as it, and its file names.

    ``read(name, data, header)`` gets the file's name and bytes and the bank header to use (id, title,
    licence… from :func:`default_header`, which a reader may refine from what the file says).
    ``write(data, media)`` gets a bank as plain data (the bank format) and its media files.
    """

    name: str  # what --from and --format take: "gift"
    label: str  # what people call it: "GIFT"
    extensions: tuple[str, ...] = ()  # lowercase, with the dot; the first format listing one reads it
    read: Reader | None = None
    write: Writer | None = None
    media_type: str = "application/octet-stream"
    suffix: str = ""  # of an exported file: ".gift"
    converts: bool = True  # False for the bank format itself, which passes through as it is
    by_name_only: bool = False  # read only when asked for by name (Aiken shares .txt with GIFT)


# --- reading text ----------------------------------------------------------------------------------------


def decode_text(data: bytes, filename: str) -> str:
    """The text of a file: UTF-8 with or without a byte-order mark, newlines as ``\\n``.

    Raises:
        FormatError: too large, not UTF-8, or holding a NUL character (the line says where).
    """
    if len(data) > MAX_BYTES:
        raise FormatError(filename, 0, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FormatError(filename, line, "the file is not valid UTF-8 text", column) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FormatError(filename, line, "the file contains a NUL character; it is not a text file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- ids and tags ----------------------------------------------------------------------------------------

_NOT_SLUG_RE = re.compile(r"[^a-z0-9_]+")
_SEPARATORS_RE = re.compile(r"[-_]{2,}")


def slugify(text: str, limit: int = ID_LIMIT) -> str:
    """An id from a title: ASCII lowercase letters and digits, single ``-`` or ``_`` between them.

    A valid id comes back unchanged, so an exported question's id survives a round trip.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = _SEPARATORS_RE.sub(lambda m: m.group(0)[0], _NOT_SLUG_RE.sub("-", ascii_text)).strip("-_")
    return slug[:limit].strip("-_")


def text_id(text: str) -> str:
    """A stable id for a question without a name: ``q-`` and the start of its text's SHA-256."""
    return "q-" + hashlib.sha256(text.encode()).hexdigest()[:12]


class Ids:
    """Hands out unique question ids: the wanted one, or it with ``-2``, ``-3``… when already taken."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.last: dict[str, int] = {}  # the last suffix given to each id, so a thousand repeats stay linear

    def take(self, name: str | None, text: str) -> str:
        base = (slugify(name) if name else "") or text_id(text)
        wanted, n = base, self.last.get(base, 1)
        while wanted in self.taken:
            n += 1
            suffix = f"-{n}"
            wanted = base[: ID_LIMIT - len(suffix)].rstrip("-_") + suffix
        self.taken.add(wanted)
        self.last[base] = n
        return wanted


def tags_from(names: Iterable[str]) -> list[str]:
    """Tags from category or tag names: each slugified, empty ones and repeats dropped, order kept."""
    return list(dict.fromkeys(t for t in (slugify(n) for n in names) if t))


# --- the bank --------------------------------------------------------------------------------------------


def default_header(
    name: str, label: str, *, bank_id: str | None = None, today: dt.date, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The header of a bank converted from the file ``name``: what the validator requires, filled from the
    file name where the source says nothing, then ``overrides`` (title, licence, authors… given by the user).

    The licence and authors say they are not stated, rather than guess; ``reviewed_on`` is the day of the
    conversion (the teacher who publishes the bank vouches for it from then on).
    """
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    words = " ".join(stem.replace("_", " ").replace("-", " ").split()) or "Converted bank"
    header: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "id": bank_id or slugify(stem) or "converted-bank",
        "title": words[:1].upper() + words[1:],
        "description": f"Converted from {name} ({label}).",
        "language": "en",
        "license": f"Not stated in the source file ({name}).",
        "authors": [f"Not stated in the source file ({name})"],
        "reviewed_on": today,
    }
    for key, value in (overrides or {}).items():
        if value not in (None, "", [], ()):
            header[key] = list(value) if isinstance(value, tuple) else value
    return header


@dataclass(frozen=True)
class Converted:
    """One question read from a source: its data in the bank format, where it was, and what was left out."""

    name: str
    line: int | None
    data: dict[str, Any]
    notes: tuple[str, ...] = ()


def _image_problem(data: Mapping[str, Any], media: Collection[str]) -> str | None:
    """Why a converted question's images cannot be shown, if one cannot: each must be a file the converter
    made (``media/x.png``); a text format carries none, so its Markdown images are left out with the question."""
    for _path, text in text_fields(data):
        if "![" not in text:
            continue
        refs = list(image_refs(text))
        for ref in refs:
            if ref.src not in media:
                return (
                    f"the image {ref.src!r} is not a file in what was converted: add the picture to the bank's"
                    " media/ after converting (a bank .zip)"
                )
        if markdown_image_count(text) > len(refs):
            return "an image is written in a way that cannot be checked: write it ![alt text](media/<file name>)"
    return None


def assemble(
    filename: str,
    header: Mapping[str, Any],
    questions: Iterable[Converted],
    skipped: list[Skipped],
    media: Collection[str] = (),
) -> Conversion:
    """The bank of the questions that pass the validator; the others, and every note, join ``skipped``.
    ``media`` names the files the converter made (``media/x.png``): a question showing any other image is
    skipped, so the bank is never refused whole for one picture.

    Raises:
        FormatError: not one question could be converted.
    """
    kept = []
    for question in questions:
        problems = question_problems(question.data)
        if problems:
            more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
            reason = "not a valid question: " + "; ".join(problems[:3]) + more
            skipped.append(Skipped(question.name, question.line, reason))
            continue
        if (image_problem := _image_problem(question.data, media)) is not None:
            skipped.append(Skipped(question.name, question.line, image_problem))
            continue
        kept.append(question.data)
        skipped.extend(Skipped(question.name, question.line, note) for note in question.notes)
    if not kept:
        reasons = "; ".join(str(s) for s in skipped[:3]) or "the file holds no questions"
        raise FormatError(filename, 0, f"nothing in the file could be converted ({reasons})")
    text = dump_bank({**header, "questions": kept})
    order = sorted(skipped, key=lambda s: (s.line is None, s.line or 0))
    return Conversion(BankPackage(text, source_name=filename), tuple(order))
