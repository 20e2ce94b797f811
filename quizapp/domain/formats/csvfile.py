"""CSV of flashcards, the shape Quizlet and Anki export: front, back and optionally tags, one card a row.

Reading: UTF-8 with or without a byte-order mark; tab, comma or semicolon between cells (Anki's
``#separator:`` line says which; otherwise the first that gives every one of the first rows two or three
cells); an optional header row naming the columns (front/back/tags, question/answer, term/definition);
Anki's ``#html:true`` for HTML cells. Writing: every card face of every question (a cloze question gives
one row per gap), with Anki's header lines, and cells made safe for spreadsheets.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from ..banks import Bank
from ..interchange import NotMapped
from ..spreadsheets import safe_cell, unsafe_cell
from ..types import REGISTRY
from ._core import Conversion, Converted, Exported, Format, FormatError, Ids, Skipped, assemble, decode_text, tags_from
from .htmltext import html_to_markdown, no_images

_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}
_CANDIDATES = ("\t", ",", ";")
_FRONT = ("front", "question", "term", "prompt")
_BACK = ("back", "answer", "definition")
_TAGS = ("tags", "tag")
_SAMPLE_ROWS = 5
csv.field_size_limit(16 * 1024 * 1024)


def _rows(text: str, delimiter: str, filename: str) -> list[tuple[int, list[str]]]:
    """The rows with the line each starts on."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows = []
    line = 1
    try:
        for row in reader:
            rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise FormatError(filename, line, f"not valid CSV: {exc}") from None
    return rows


def _delimiter(text: str, filename: str) -> str:
    sample = "\n".join(text.split("\n", 50)[:50])
    for candidate in _CANDIDATES:
        try:
            rows = [r for _, r in _rows(sample, candidate, filename) if any(c.strip() for c in r)][:_SAMPLE_ROWS]
        except FormatError:
            continue  # a row cut off by the sample: the other candidates may do
        if rows and all(2 <= len(r) <= 3 for r in rows):
            return candidate
    return ","


def _anki_headers(text: str) -> tuple[dict[str, str], str, int]:
    """Anki's ``#key:value`` lines at the top, the text after them, and how many lines they took."""
    headers: dict[str, str] = {}
    lines = text.split("\n")
    count = 0
    while count < len(lines) and lines[count].startswith("#") and ":" in lines[count]:
        key, _, value = lines[count][1:].partition(":")
        headers[key.strip().lower()] = value.strip()
        count += 1
    return headers, "\n".join(lines[count:]), count


def read_csv(filename: str, data: bytes, header: Mapping[str, Any]) -> Conversion:
    """A bank of flashcards, one a row (ids from the front's text); rows without both sides are reported."""
    headers, text, offset = _anki_headers(decode_text(data, filename))
    delimiter = _SEPARATORS.get(headers.get("separator", "").lower()) or _delimiter(text, filename)
    html = headers.get("html", "").lower() == "true"
    rows = [(line + offset, row) for line, row in _rows(text, delimiter, filename) if any(c.strip() for c in row)]
    front, back, tags = 0, 1, 2
    if "tags column" in headers and headers["tags column"].isdigit():
        tags = int(headers["tags column"]) - 1
    if rows:
        names = [c.strip().lower() for c in rows[0][1]]
        if any(n in _FRONT for n in names) and any(n in _BACK for n in names):
            front = next(k for k, n in enumerate(names) if n in _FRONT)
            back = next(k for k, n in enumerate(names) if n in _BACK)
            tags = next((k for k, n in enumerate(names) if n in _TAGS), -1)
            rows = rows[1:]
    ids = Ids()
    converted = []
    skipped: list[Skipped] = []
    for line, row in rows:
        try:
            cells = [unsafe_cell(html_to_markdown(c, no_images) if html else c.strip()) for c in row]
        except NotMapped as exc:
            skipped.append(Skipped(row[0].strip()[:40] if row else "", line, str(exc)))
            continue
        if max(front, back) >= len(cells) or not cells[front] or not cells[back]:
            skipped.append(Skipped(cells[0][:40] if cells else "", line, "a card needs a front and a back"))
            continue
        mapped = next(
            (m for k in REGISTRY.values() if (m := k.from_faces(cells[front], cells[back])) is not None), None
        )
        if mapped is None:
            raise FormatError(filename, line, "no question type here takes cards")  # pragma: no cover
        data_ = {"id": ids.take(None, cells[front]), **mapped.data}
        found = tags_from(row[tags].replace(",", " ").split()) if 0 <= tags < len(row) else []
        converted.append(Converted(cells[front][:40], line, data_ | ({"tags": found} if found else {})))
    return assemble(filename, header, converted, skipped)


def write_csv(data: Mapping[str, Any], media: Mapping[str, bytes]) -> Exported:
    """Every card face of the bank: front, back and tags (space-separated), with Anki's header lines."""
    bank = Bank.model_validate(data)
    out = io.StringIO()
    out.write("#separator:Comma\n#html:false\n#tags column:3\n")
    writer = csv.writer(out, lineterminator="\n")
    raw = data["questions"]
    for question, stored in zip(bank.questions, raw, strict=True):
        kind = REGISTRY[question.type]
        for gap in kind.card_gaps(stored):
            front, back = kind.faces(question, gap)
            writer.writerow([safe_cell(front), safe_cell(back), safe_cell(" ".join(question.tags))])
    return Exported(out.getvalue().encode(), ())


FORMAT = Format("csv", "CSV", (".csv",), read_csv, write_csv, "text/csv; charset=utf-8", ".csv")
