"""Review logs in the CSV format of py-fsrs and its test data.

Columns: ``card_id,review_rating,review_time,review_duration`` — the card, the rating (1 Again, 2 Hard,
3 Good, 4 Easy), the time as ISO-8601 with a UTC offset, and the duration in milliseconds (may be empty).
Pure: parsing reports every bad row with its line number as a :class:`RevlogError`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ReviewSource(StrEnum):
    """How a review came about: a grade while studying, a quiz answer, or a row of an imported log."""

    STUDY = "study"
    QUIZ = "quiz"
    IMPORT = "import"


COLUMNS = ("card_id", "review_rating", "review_time", "review_duration")
MAX_ROWS = 5_000_000
MAX_REPORTED = 20


@dataclass(frozen=True, slots=True)
class LoggedReview:
    """One review: which card, how it was rated, when (UTC) and for how long."""

    card_id: str
    rating: int
    time: dt.datetime
    duration_ms: int | None


class RevlogError(ValueError):
    """A review log could not be read; ``problems`` lists each bad row as 'file:line: message'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def parse_time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("the time has no UTC offset")
    return value.astimezone(dt.UTC)


def read_revlog(text: str, filename: str = "<revlog>") -> list[LoggedReview]:
    """Parse a review log; raise :class:`RevlogError` listing bad rows (up to 20) with their lines."""
    return [review for _line, review in read_revlog_lines(text, filename)]


def read_revlog_lines(text: str, filename: str = "<revlog>") -> list[tuple[int, LoggedReview]]:
    """Like :func:`read_revlog`, with each review's line number (for reporting later checks)."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise RevlogError([f"{filename}:1: the file is empty"])
    header = [h.strip() for h in header]
    if header[: len(COLUMNS)] != list(COLUMNS):
        raise RevlogError([f"{filename}:1: the header must be {','.join(COLUMNS)}; found {','.join(header)}"])
    reviews: list[tuple[int, LoggedReview]] = []
    problems: list[str] = []
    for row in reader:
        line = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(reviews) >= MAX_ROWS:
            problems.append(f"{filename}:{line}: more than {MAX_ROWS:,} reviews")
            break
        try:
            reviews.append((line, _row(row)))
        except ValueError as exc:
            problems.append(f"{filename}:{line}: {exc}")
            if len(problems) >= MAX_REPORTED:
                problems.append(f"{filename}: stopped after {MAX_REPORTED} bad rows")
                break
    if problems:
        raise RevlogError(problems)
    return reviews


def _row(row: list[str]) -> LoggedReview:
    if len(row) != len(COLUMNS):
        raise ValueError(f"expected {len(COLUMNS)} columns, found {len(row)}")
    card_id, rating_text, time_text, duration_text = (cell.strip() for cell in row)
    if not card_id:
        raise ValueError("card_id is empty")
    if rating_text not in ("1", "2", "3", "4"):
        raise ValueError(f"review_rating must be 1, 2, 3 or 4, not {rating_text!r}")
    try:
        time = parse_time(time_text)
    except ValueError:
        raise ValueError(f"review_time {time_text!r} is not an ISO-8601 time with a UTC offset") from None
    duration = None
    if duration_text:
        if not duration_text.isdigit():
            raise ValueError(f"review_duration must be a whole number of milliseconds, not {duration_text!r}")
        duration = int(duration_text)
    return LoggedReview(card_id, int(rating_text), time, duration)


def write_revlog(reviews: Iterable[LoggedReview]) -> str:
    """The CSV text of ``reviews`` (times in UTC, ISO-8601 with microseconds and offset)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in reviews:
        writer.writerow(
            [
                r.card_id,
                r.rating,
                r.time.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                "" if r.duration_ms is None else r.duration_ms,
            ]
        )
    return out.getvalue()
