"""How current a bank's content is: a question's ``as_of`` date and a bank's overdue review.

Pure: no Flask, no database, no clock; the caller says what day it is.

``as_of`` is the month (``YYYY-MM``) or day (``YYYY-MM-DD``) of the source's statement that a question's
answer rests on, for answers that can change with time (prevalence, trial status, approvals, guidelines).
It is kept as the author wrote it, so a month stays a month: "as of March 2025", never a made-up day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Protocol, TypeVar


class Reviewed(Protocol):
    @property
    def reviewed_on(self) -> dt.date: ...


R = TypeVar("R", bound=Reviewed)
AS_OF_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
REVIEW_EVERY_MONTHS = 12
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def parse_as_of(text: str) -> dt.date:
    """The first day ``text`` (``YYYY-MM`` or ``YYYY-MM-DD``) covers; ValueError if it is neither or no real date."""
    match = AS_OF_RE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a month or a date: write YYYY-MM (2025-03) or YYYY-MM-DD (2025-03-14)")
    year, month, day = match.groups()
    try:
        return dt.date(int(year), int(month), int(day or 1))
    except ValueError:
        raise ValueError(f"{text!r} is not a real {'date' if day else 'month'}") from None


def as_of_label(text: str) -> str:
    """``2025-03`` as "March 2025", ``2025-03-14`` as "14 March 2025"."""
    date = parse_as_of(text)
    month = f"{_MONTHS[date.month - 1]} {date.year}"
    return f"{date.day} {month}" if AS_OF_RE.match(text).group(3) else month  # type: ignore[union-attr]


def review_due(reviewed_on: dt.date) -> dt.date:
    """The last day a review made on ``reviewed_on`` still counts: the same day a year on (28 February for
    29 February)."""
    try:
        return reviewed_on.replace(year=reviewed_on.year + REVIEW_EVERY_MONTHS // 12)
    except ValueError:
        return dt.date(reviewed_on.year + REVIEW_EVERY_MONTHS // 12, 2, 28)


def review_overdue(reviewed_on: dt.date, today: dt.date) -> bool:
    """Whether content last reviewed on ``reviewed_on`` is more than 12 months old on ``today``."""
    return today > review_due(reviewed_on)


def overdue(banks: Iterable[R], today: dt.date) -> tuple[R, ...]:
    """Those of ``banks`` (anything with a ``reviewed_on``) whose review is overdue on ``today``."""
    return tuple(bank for bank in banks if review_overdue(bank.reviewed_on, today))
