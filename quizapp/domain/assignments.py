"""Assignments: the words for a class member's role, which attempt counts, when feedback is shown and where
a learner stands; and the arithmetic of open and due dates, extensions and attempt limits.

Pure: no Flask, no database. Every datetime is UTC-aware.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .attempts import GRADED_STATUSES, AttemptMode, AttemptStatus
from .refusals import Refused


class MemberRole(StrEnum):
    """What a member of a class is in it."""

    LEARNER = "learner"
    TEACHER = "teacher"


class Counting(StrEnum):
    """Which of a learner's graded attempts at an assignment gives their score."""

    HIGHEST = "highest"
    FIRST = "first"
    LAST = "last"
    AVERAGE = "average"


class Feedback(StrEnum):
    """When a learner sees what they got right and wrong in an assigned attempt."""

    AT_ONCE = "at_once"
    AFTER_DUE = "after_due"
    NEVER = "never"


class Standing(StrEnum):
    """Where a learner stands with one assignment."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    LATE = "late"
    EXCUSED = "excused"


MEMBER_ROLES = tuple(r.value for r in MemberRole)
COUNTINGS = tuple(c.value for c in Counting)
FEEDBACKS = tuple(f.value for f in Feedback)

# --- join codes ---------------------------------------------------------------------------------------------
# Eight characters from an alphabet without the look-alikes 0/O, 1/I/L: 31**8 ≈ 8.5e11 codes, read out loud
# or copied from a board without doubt, typed in any case, with or without the hyphen shown in the middle.
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8
JOIN_CODE_VALIDITY_DAYS = (1, 7, 30, 365)


def new_join_code(randbelow: Callable[[int], int]) -> str:
    """A fresh join code, drawn with ``randbelow`` (``secrets.randbelow`` in the app)."""
    return "".join(JOIN_ALPHABET[randbelow(len(JOIN_ALPHABET))] for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(text: str) -> str | None:
    """The code someone typed as stored, or None if it cannot be one: case, spaces and hyphens do not
    matter."""
    code = "".join(text.split()).replace("-", "").upper()
    if len(code) != JOIN_CODE_LENGTH or any(c not in JOIN_ALPHABET for c in code):
        return None
    return code


def shown_join_code(code: str) -> str:
    """A code as shown to people: two groups of four."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


# --- refusals ------------------------------------------------------------------------------------------------


class NotOpenYet(Refused):
    status = 403


class PastDue(Refused):
    status = 403


class NoAttemptsLeft(Refused):
    status = 403


class BadTerms(Refused):
    """An assignment's or extension's terms that cannot be: a due date before the open date, say."""

    status = 422


# --- terms ---------------------------------------------------------------------------------------------------

MAX_ATTEMPTS = 100
MAX_EXTRA_MINUTES = 24 * 60
MAX_EXTRA_ATTEMPTS = 20


@dataclass(frozen=True)
class Terms:
    """An assignment's terms for everyone in the class."""

    opens_at: dt.datetime
    due_at: dt.datetime
    attempts_allowed: int | None  # None: unlimited
    late_accepted: bool
    counting: Counting = Counting.HIGHEST
    feedback: Feedback = Feedback.AT_ONCE


@dataclass(frozen=True)
class Grant:
    """An extension: what one learner has beyond the terms."""

    due_at: dt.datetime | None = None
    extra_minutes: int = 0
    extra_attempts: int = 0
    excused: bool = False


@dataclass(frozen=True)
class LearnerTerms:
    """The terms as they apply to one learner, their extension included."""

    opens_at: dt.datetime
    due_at: dt.datetime
    attempts_allowed: int | None
    late_accepted: bool
    extra_minutes: int
    excused: bool
    extended: bool  # whether an extension changed anything

    def attempts_left(self, used: int) -> int | None:
        """How many more attempts may be started (None: no limit)."""
        return None if self.attempts_allowed is None else max(0, self.attempts_allowed - used)

    def is_open(self, now: dt.datetime) -> bool:
        return now >= self.opens_at and (now <= self.due_at or self.late_accepted)


def check_terms(opens_at: dt.datetime, due_at: dt.datetime, attempts_allowed: int | None) -> None:
    """Refuse terms that cannot be: a due date not after the open date, or an attempt count out of range."""
    if due_at <= opens_at:
        raise BadTerms("The due date must be after the open date.", "due_at")
    if attempts_allowed is not None and not 1 <= attempts_allowed <= MAX_ATTEMPTS:
        raise BadTerms(f"Allow between 1 and {MAX_ATTEMPTS} attempts, or unlimited attempts.", "attempts_allowed")


def check_grant(terms: Terms, grant: Grant) -> None:
    """Refuse an extension that cannot be: a due date not after the assignment's, or numbers out of range."""
    if grant.due_at is not None and grant.due_at <= terms.due_at:
        raise BadTerms("An extended due date must be after the assignment's due date.", "due_at")
    if not 0 <= grant.extra_minutes <= MAX_EXTRA_MINUTES:
        raise BadTerms(f"Extra time is between 0 and {MAX_EXTRA_MINUTES} minutes.", "extra_minutes")
    if not 0 <= grant.extra_attempts <= MAX_EXTRA_ATTEMPTS:
        raise BadTerms(f"Extra attempts are between 0 and {MAX_EXTRA_ATTEMPTS}.", "extra_attempts")
    if grant == Grant():
        raise BadTerms("Grant a later due date, more time, an extra attempt, or excuse the learner.")


@lru_cache(maxsize=4096)  # the same terms for every learner without an extension
def for_learner(terms: Terms, grant: Grant | None) -> LearnerTerms:
    """The terms for one learner: an extension's later due date, extra attempts and time added."""
    g = grant or Grant()
    allowed = None if terms.attempts_allowed is None else terms.attempts_allowed + g.extra_attempts
    return LearnerTerms(
        opens_at=terms.opens_at,
        due_at=max(terms.due_at, g.due_at) if g.due_at else terms.due_at,
        attempts_allowed=allowed,
        late_accepted=terms.late_accepted,
        extra_minutes=g.extra_minutes,
        excused=g.excused,
        extended=g != Grant(),
    )


def check_start(terms: LearnerTerms, used: int, now: dt.datetime, zone: str) -> None:
    """Refuse a new attempt the terms do not allow; ``used`` counts every attempt started, discarded ones
    too (starting afresh would otherwise be a free look at the questions); ``zone`` names the time zone
    dates are shown in."""
    if now < terms.opens_at:
        raise NotOpenYet(f"This assignment opens on {shown_time(terms.opens_at, zone)}.")
    if now > terms.due_at and not terms.late_accepted:
        raise PastDue(f"This assignment was due on {shown_time(terms.due_at, zone)}, and late work is not accepted.")
    left = terms.attempts_left(used)
    if left == 0:
        allowed = terms.attempts_allowed
        raise NoAttemptsLeft(f"You have used your {allowed} attempt{'' if allowed == 1 else 's'} at this assignment.")


def attempt_deadline(
    terms: LearnerTerms, time_limit_minutes: int | None, started_at: dt.datetime
) -> tuple[int | None, dt.datetime | None]:
    """The time limit in minutes (with the extension's extra time) and the deadline of an attempt started at
    ``started_at``: the time limit's end, or the due date if that comes first and late work is refused."""
    minutes = time_limit_minutes + terms.extra_minutes if time_limit_minutes else None
    deadline = started_at + dt.timedelta(minutes=minutes) if minutes else None
    if not terms.late_accepted:
        deadline = min(deadline, terms.due_at) if deadline else terms.due_at
    return minutes, deadline


def moved_deadline(terms: LearnerTerms, started_at: dt.datetime, time_limit_seconds: int | None) -> dt.datetime | None:
    """The deadline of an attempt under way after its assignment's terms changed: the end of its own time limit
    (which already holds an extension's minutes), or the learner's due date if that comes first and late work
    is refused."""
    limit = started_at + dt.timedelta(seconds=time_limit_seconds) if time_limit_seconds else None
    if terms.late_accepted:
        return limit
    return min(limit, terms.due_at) if limit else terms.due_at


def is_late(terms: LearnerTerms, finished_at: dt.datetime | None) -> bool:
    return finished_at is not None and finished_at > terms.due_at


def feedback_visible(feedback: str, terms: LearnerTerms, now: dt.datetime) -> bool:
    """Whether a learner may see their assigned attempt's marks and answers at ``now``."""
    if feedback == Feedback.AT_ONCE:
        return True
    if feedback == Feedback.AFTER_DUE:
        return now > terms.due_at
    return False


def feedback_needs_exam(feedback: str, mode: str) -> bool:
    """A practice quiz checks each answer as it is saved: it cannot hold feedback back."""
    return feedback != Feedback.AT_ONCE and mode == AttemptMode.PRACTICE


# --- where a learner stands ----------------------------------------------------------------------------------


# Named tuples rather than frozen dataclasses: a class of 300 learners and 20 assignments has 6,000 cells, and a
# named tuple is made several times faster.
class Taken(NamedTuple):
    """One of a learner's attempts at an assignment, as standing and scores need it."""

    attempt_id: int
    status: str  # an AttemptStatus
    started_at: dt.datetime
    finished_at: dt.datetime | None
    percent: float | None

    @property
    def in_progress(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS

    @property
    def graded(self) -> bool:
        return self.status in GRADED_STATUSES


class Cell(NamedTuple):
    """Where one learner stands with one assignment: the grid's cell."""

    standing: Standing
    percent: float | None  # the score that counts
    attempt_id: int | None  # the attempt to review: the one that counts, or the latest graded one
    attempts: int  # started, discarded ones included
    extended: bool

    @property
    def in_progress(self) -> bool:
        return self.standing == Standing.IN_PROGRESS

    @property
    def label(self) -> str:
        """The standing in words."""
        return STANDING_LABELS[self.standing]

    @property
    def percent_text(self) -> str:
        """The score that counts as a whole percent (``—`` without one)."""
        return "—" if self.percent is None else f"{self.percent:.0f}%"


def graded(taken: Sequence[Taken]) -> list[Taken]:
    """The attempts that were closed and graded, oldest first."""
    return sorted((t for t in taken if t.status in GRADED_STATUSES), key=lambda t: (t.started_at, t.attempt_id))


def counted(counting: str, taken: Sequence[Taken]) -> tuple[float | None, int | None]:
    """The score that counts by ``counting`` and the attempt it comes from (the latest for an average)."""
    return _counted(counting, graded(taken))


def _counted(counting: str, done: Sequence[Taken]) -> tuple[float | None, int | None]:
    if not done:
        return None, None
    if counting == Counting.FIRST:
        return done[0].percent, done[0].attempt_id
    if counting == Counting.LAST:
        return done[-1].percent, done[-1].attempt_id
    if counting == Counting.AVERAGE:
        return statistics.fmean(t.percent or 0.0 for t in done), done[-1].attempt_id
    best = max(done, key=lambda t: (t.percent or 0.0, -t.started_at.timestamp()))
    return best.percent, best.attempt_id


class Facts(NamedTuple):
    """What a learner's attempts at one assignment come to, whatever the assignment's terms or the learner's
    extension: the score each way of counting gives, and what standing needs. Kept per learner and assignment
    (the ``assignment_results`` summary), so the grid reads one row per cell rather than every attempt; the
    terms and the extension, which a teacher may change, are applied when a cell is read (:func:`cell_of`).
    """

    attempts: int  # started, discarded ones included
    in_progress: bool  # one of them is still in progress
    graded: int  # closed and graded
    # The earliest end of a graded attempt: on time if by the due date. None with graded attempts: one has no
    # end time (a closed attempt always has one), which is never late.
    first_finished_at: dt.datetime | None
    highest_percent: float | None
    highest_attempt_id: int | None
    first_percent: float | None
    first_attempt_id: int | None
    last_percent: float | None
    last_attempt_id: int | None  # the attempt an average is reviewed by, too
    average_percent: float | None

    def counted(self, counting: str) -> tuple[float | None, int | None]:
        """The score that counts by ``counting`` and the attempt it comes from (the latest for an average)."""
        if counting == Counting.FIRST:
            return self.first_percent, self.first_attempt_id
        if counting == Counting.LAST:
            return self.last_percent, self.last_attempt_id
        if counting == Counting.AVERAGE:
            return self.average_percent, self.last_attempt_id
        return self.highest_percent, self.highest_attempt_id


def summarise(taken: Sequence[Taken]) -> Facts:
    """The facts of a learner's attempts at an assignment."""
    done = graded(taken)
    ends = [t.finished_at for t in done if t.finished_at is not None]
    highest, highest_id = _counted(Counting.HIGHEST, done)
    first, first_id = _counted(Counting.FIRST, done)
    last, last_id = _counted(Counting.LAST, done)
    average, _ = _counted(Counting.AVERAGE, done)
    return Facts(
        len(taken),
        any(t.status == AttemptStatus.IN_PROGRESS for t in taken),
        len(done),
        min(ends) if ends and len(ends) == len(done) else None,
        highest,
        highest_id,
        first,
        first_id,
        last,
        last_id,
        average,
    )


def cell(terms: Terms, grant: Grant | None, taken: Sequence[Taken]) -> Cell:
    """Where a learner stands, from their attempts (see :func:`cell_of`)."""
    return cell_of(terms, grant, summarise(taken) if taken else None)


def cell_of(terms: Terms, grant: Grant | None, facts: Facts | None) -> Cell:
    """Where a learner stands, from the facts of their attempts (None: they started none): excused; submitted
    (a graded attempt by the due date); late (only after it); in progress; or not started."""
    if facts is None and grant is None:
        return NOT_STARTED
    mine = for_learner(terms, grant)
    if facts is None:
        return Cell(Standing.EXCUSED if mine.excused else Standing.NOT_STARTED, None, None, 0, mine.extended)
    percent, attempt_id = facts.counted(terms.counting)
    if mine.excused:
        standing = Standing.EXCUSED
    elif facts.graded and (facts.first_finished_at is None or facts.first_finished_at <= mine.due_at):
        standing = Standing.SUBMITTED
    elif facts.graded:
        standing = Standing.LATE
    elif facts.in_progress:
        standing = Standing.IN_PROGRESS
    else:
        standing = Standing.NOT_STARTED
    return Cell(standing, percent, attempt_id, facts.attempts, mine.extended)


NOT_STARTED = Cell(Standing.NOT_STARTED, None, None, 0, False)
STANDING_LABELS = {
    Standing.NOT_STARTED: "Not started",
    Standing.IN_PROGRESS: "In progress",
    Standing.SUBMITTED: "Submitted",
    Standing.LATE: "Late",
    Standing.EXCUSED: "Excused",
}
COUNTING_LABELS = {
    Counting.HIGHEST: "Highest score",
    Counting.FIRST: "First attempt",
    Counting.LAST: "Last attempt",
    Counting.AVERAGE: "Average of all attempts",
}
FEEDBACK_LABELS = {
    Feedback.AT_ONCE: "At once",
    Feedback.AFTER_DUE: "After the due date",
    Feedback.NEVER: "Never",
}


# --- totals and sorting --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """Mean, median and spread (population standard deviation, lowest and highest) of some scores."""

    count: int
    mean: float | None
    median: float | None
    spread: float | None
    lowest: float | None
    highest: float | None


def totals(scores: Iterable[float | None]) -> Totals:
    """The totals of the scores given, ignoring the missing ones."""
    values = [s for s in scores if s is not None]
    if not values:
        return Totals(0, None, None, None, None, None)
    mean = math.fsum(values) / len(values)
    return Totals(
        len(values),
        mean,
        statistics.median(values),
        # The population standard deviation in floats: statistics.pstdev works in exact fractions, a hundred
        # times slower, for no difference at a tenth of a percent.
        math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values)),
        min(values),
        max(values),
    )


# --- time zones ----------------------------------------------------------------------------------------------


def valid_zone(name: str) -> bool:
    """Whether ``name`` is a time zone this machine knows (``Europe/Paris``, ``UTC``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name == "UTC"


def from_local(when: dt.datetime, zone: str) -> dt.datetime:
    """A wall-clock time in ``zone`` (naive, as a form gives it) as UTC; a time a clock change skips is read
    with the offset before the change, so it never fails."""
    return when.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def to_local(when: dt.datetime, zone: str) -> dt.datetime:
    return when.astimezone(ZoneInfo(zone))


def shown_time(when: dt.datetime, zone: str) -> str:
    """``3 March 2026, 14:05 CET`` in ``zone``."""
    local = to_local(when, zone)
    return f"{local.strftime('%-d %B %Y, %H:%M')} {local.tzname()}"
