"""CSV that spreadsheets open without running anything: a cell that a spreadsheet would read as a formula
(one starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe, as the
OWASP guidance on CSV injection advises. Numbers are written as numbers, so a negative one stays a number.

Pure: no Flask, no database.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str | int | float:
    """``value`` as a CSV cell a spreadsheet shows as text: None is empty, numbers stay numbers, a text that
    could start a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV document (RFC 4180: CRLF line ends, quotes where needed) with every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], rows_per_chunk: int = 1_000) -> Iterator[str]:
    """:func:`csv_text`'s document in pieces, for a download sent while its rows are still being read: the
    header line at once (so the download starts before the first row is read), then ``rows_per_chunk`` rows
    at a time. Joined, the pieces are exactly :func:`csv_text`'s text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    yield out.getvalue()
    out.seek(0)
    out.truncate()
    waiting = 0
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        waiting += 1
        if waiting == rows_per_chunk:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            waiting = 0
    if waiting:
        yield out.getvalue()


def response_text(data: Mapping[str, Any] | None) -> str:
    """A stored quiz response as one line of text: its values in order, lists joined by ``; `` (a choice's
    ids, a short answer's text, a cloze's gaps, true or false), or the JSON itself when it is anything else."""
    if not data:
        return ""
    parts = []
    for value in data.values():
        if isinstance(value, list):
            parts.extend(_plain(v) for v in value)
        elif isinstance(value, str | int | float):
            parts.append(_plain(value))
        elif value is not None:
            parts.append(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return "; ".join(parts)


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # a true/false answer, as the bank writes it
        return "true" if value else "false"
    return str(value)
