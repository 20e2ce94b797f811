"""A learner's statistics: pure functions over plain rows.

Everything here is counted on the **learner's day**: the day in their scheduler time zone that starts at
their ``day_starts_at_hour`` (4 by default, as in Anki), so a review at 01:30 belongs to the day before.

What is counted where:

- **Reviews** are grades given to flashcards while studying, or rows of an imported review log. The reviews
  a quiz answer feeds into the memory model are not counted again: the quiz answer is counted instead.
- **Quiz answers** are counted once final: a practice answer when it is saved, an exam's answers when the
  exam is submitted (or its time runs out), so a learner's counts never give away an exam's marks early.
  Each is counted on the day it was given.
- A review's **card state** is the state the card was in when it was graded: *learning* (new, or in its
  learning steps), *young* (in review, with an interval under 21 days), *mature* (21 days or more) or
  *relearning* (lapsed, in its relearning steps).
- **True retention** counts every review of a card seen before that comes at least one learner day after
  the card's previous review; Again is a fail, Hard, Good and Easy a pass. Young and mature go by the
  interval the card had (under 21 days, or 21 and more).
- The **streak** is the number of consecutive learner days with at least one review or quiz answer, ending
  today, or ending yesterday while today has nothing yet (a streak is not lost until the day is over).
- **Mastery by tag** says "not enough data yet" for a tag with fewer than :data:`ENOUGH_EVIDENCE` reviews
  and quiz answers behind it.

The summaries a learner's statistics are read from are sums of :class:`Counts`, one per learner day, bank
and set of tags; :func:`review_columns` and :func:`answer_columns` say what each review and answer adds, when
a row is written (as :func:`review_counts` and :func:`answer_counts`) and when summaries are rebuilt from the
log (through a :class:`Tally`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import fsrs

NEW = 0  # a card's state before its first review; py-fsrs numbers the others
LEARNING, REVIEW, RELEARNING = fsrs.State.Learning.value, fsrs.State.Review.value, fsrs.State.Relearning.value
MATURE_DAYS = 21  # an interval of this many days or more makes a card mature, as in Anki
ENOUGH_EVIDENCE = 5  # reviews + quiz answers a tag needs before its mastery is shown
WELL_KNOWN = 0.9  # mastery: the share of a tag's cards with a retrievability at least this
CALENDAR_DAYS = 365
FORECAST_DAYS = 30
HOURS = 24
DAY_SECONDS = 86_400
HOUR_FIELDS = tuple(f"hour_{h:02d}" for h in range(HOURS))


# --- the learner's day ------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _zone(timezone: str) -> ZoneInfo:
    return ZoneInfo(timezone)


def learner_date(moment: dt.datetime, timezone: str = "UTC", starts_at_hour: int = 4) -> dt.date:
    """The learner's day that ``moment`` (aware) falls on: the local date, less ``starts_at_hour`` hours."""
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return (moment.astimezone(_zone(timezone)) - dt.timedelta(hours=starts_at_hour)).date()


def day_start(day: dt.date, timezone: str = "UTC", starts_at_hour: int = 4) -> dt.datetime:
    """When the learner's day ``day`` starts, in UTC. Across a change of clocks the day is 23 or 25 hours
    long; when the starting hour itself is skipped, the day starts when the clocks go forward."""
    local = dt.datetime.combine(day, dt.time(starts_at_hour), _zone(timezone))
    return local.astimezone(dt.UTC)


def local_hour(moment: dt.datetime, timezone: str = "UTC") -> int:
    """The hour of the clock (0 to 23) in the learner's time zone."""
    return moment.astimezone(_zone(timezone)).hour


def forecast_bounds(
    today: dt.date, timezone: str, starts_at_hour: int, days: int = FORECAST_DAYS
) -> tuple[dt.datetime, ...]:
    """The UTC end of each of the ``days`` learner days from ``today`` on: a card falls on day ``i`` when it
    is due before ``bounds[i]`` (and, after the first, at or after ``bounds[i - 1]``); day 0 takes overdue
    cards too."""
    return tuple(day_start(today + dt.timedelta(days=i + 1), timezone, starts_at_hour) for i in range(days))


# --- tags -------------------------------------------------------------------------------------------------


def tag_key(tags: Iterable[str]) -> str:
    """A set of tags as one string, ``|a|b|`` (sorted; empty for none), so a tag is found as ``|tag|``."""
    unique = sorted(set(tags))
    return f"|{'|'.join(unique)}|" if unique else ""


def tags_of(key: str) -> tuple[str, ...]:
    """The tags in a :func:`tag_key`."""
    return tuple(key.strip("|").split("|")) if key else ()


def tag_digest(key: str) -> str:
    """A short fixed-length name for a tag key, so a summary's unique key stays small however many tags."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Scope:
    """Which questions a statistic covers: all of them, one bank's, a deck's (a bank narrowed to questions
    with any of some tags), and only those with one tag besides (a topic)."""

    bank_id: int | None = None
    any_tags: tuple[str, ...] = ()  # a deck's tags; none: the whole bank
    tag: str | None = None

    def keeps(self, bank_id: int, tags: Iterable[str]) -> bool:
        """Whether a question of bank ``bank_id`` with ``tags`` is covered."""
        if self.bank_id is not None and bank_id != self.bank_id:
            return False
        tags = set(tags)
        if self.any_tags and not tags & set(self.any_tags):
            return False
        return self.tag is None or self.tag in tags

    @property
    def everything(self) -> bool:
        return self == Scope()


# --- what one review or answer adds -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counts:
    """What a learner did in some span (a day, or all time) with some questions (a bank and set of tags).

    Reviews by rating, by the card's state when graded, passes and fails for true retention, time spent,
    quiz answers, and reviews by hour of the day (``hours[h]``: reviews given from h:00 to h:59 local time).
    """

    reviews: int = 0
    again: int = 0
    hard: int = 0
    good: int = 0
    easy: int = 0
    new: int = 0  # first reviews of a card (also counted as learning)
    learning: int = 0
    young: int = 0
    mature: int = 0
    relearning: int = 0
    young_pass: int = 0
    young_fail: int = 0
    mature_pass: int = 0
    mature_fail: int = 0
    review_ms: int = 0
    answers: int = 0
    answers_right: int = 0
    answer_ms: int = 0
    hours: tuple[int, ...] = (0,) * HOURS

    def __add__(self, other: Counts) -> Counts:
        values = [getattr(self, name) + getattr(other, name) for name in SCALAR_FIELDS]
        return Counts(*values, tuple(a + b for a, b in zip(self.hours, other.hours, strict=True)))

    def __neg__(self) -> Counts:
        return Counts(*(-getattr(self, name) for name in SCALAR_FIELDS), tuple(-h for h in self.hours))

    def __bool__(self) -> bool:
        return self != EMPTY

    @property
    def activity(self) -> int:
        """Reviews and quiz answers: what the calendar and the streak count."""
        return self.reviews + self.answers

    def columns(self) -> dict[str, int]:
        """As a summary row's columns (``hours`` spread over ``hour_00`` … ``hour_23``)."""
        values = {name: getattr(self, name) for name in SCALAR_FIELDS}
        values.update(zip(HOUR_FIELDS, self.hours, strict=True))
        return values

    @classmethod
    def from_columns(cls, row: Mapping[str, Any]) -> Counts:
        """From a summary row, sums of its columns (None, as a sum over no rows gives, reads as 0) or some of
        its columns (the others are 0)."""
        get = row.get
        return cls(
            *(int(get(name) or 0) for name in SCALAR_FIELDS),
            tuple(int(get(name) or 0) for name in HOUR_FIELDS),
        )


SCALAR_FIELDS = tuple(f.name for f in fields(Counts) if f.name != "hours")
COLUMN_FIELDS = SCALAR_FIELDS + HOUR_FIELDS
_COLUMN_INDEX = {name: i for i, name in enumerate(COLUMN_FIELDS)}
EMPTY = Counts()


def total(counts: Iterable[Counts]) -> Counts:
    """The sum of ``counts``."""
    result = EMPTY
    for c in counts:
        result = result + c
    return result


@dataclass(frozen=True, slots=True)
class ReviewFact:
    """A review as the statistics see it.

    ``last_review`` and ``scheduled_days`` describe the card just before the grade: when it was last
    reviewed and the interval it then had (its due time less that review, in days); both None for a new card.
    """

    reviewed_at: dt.datetime
    rating: int
    state_before: int
    last_review: dt.datetime | None
    scheduled_days: float | None
    duration_ms: int | None


def review_fact(
    reviewed_at: dt.datetime,
    rating: int,
    state_before: int,
    before: Mapping[str, Any] | None,
    duration_ms: int | None,
) -> ReviewFact:
    """A review from its log row: ``before`` is the card's py-fsrs snapshot before the grade (None if new)."""
    last = due = None
    if before:
        last = _time(before.get("last_review"))
        due = _time(before.get("due"))
    scheduled = (due - last).total_seconds() / DAY_SECONDS if due is not None and last is not None else None
    return ReviewFact(reviewed_at, rating, state_before, last, scheduled, duration_ms)


def _time(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


def review_columns(fact: ReviewFact, timezone: str = "UTC", starts_at_hour: int = 4) -> tuple[dt.date, dict[str, int]]:
    """The learner day a review falls on and the columns it adds to (see the module's rules): the one place
    that says what a review counts as, for :func:`review_counts` and :class:`Tally` alike."""
    local = fact.reviewed_at.astimezone(_zone(timezone))
    day = (local - dt.timedelta(hours=starts_at_hour)).date()
    add = {"reviews": 1, _RATING_FIELDS[fact.rating]: 1, "review_ms": fact.duration_ms or 0, HOUR_FIELDS[local.hour]: 1}
    mature = fact.scheduled_days is not None and fact.scheduled_days >= MATURE_DAYS
    if fact.state_before == NEW:
        add["new"] = add["learning"] = 1
    elif fact.state_before == LEARNING:
        add["learning"] = 1
    elif fact.state_before == RELEARNING:
        add["relearning"] = 1
    else:
        add["mature" if mature else "young"] = 1
    if fact.state_before != NEW and fact.last_review is not None:
        previous = learner_date(fact.last_review, timezone, starts_at_hour)
        if (day - previous).days >= 1:
            outcome = "fail" if fact.rating == fsrs.Rating.Again else "pass"
            add[f"{'mature' if mature else 'young'}_{outcome}"] = 1
    return day, add


def review_counts(fact: ReviewFact, timezone: str = "UTC", starts_at_hour: int = 4) -> tuple[dt.date, Counts]:
    """The learner day a review falls on and what it adds to that day's counts."""
    day, add = review_columns(fact, timezone, starts_at_hour)
    return day, Counts.from_columns(add)


_RATING_FIELDS = {1: "again", 2: "hard", 3: "good", 4: "easy"}


def answer_columns(
    answered_at: dt.datetime, correct: bool, time_spent_ms: int | None, timezone: str = "UTC", starts_at_hour: int = 4
) -> tuple[dt.date, dict[str, int]]:
    """The learner day a final quiz answer falls on and the columns it adds to."""
    day = learner_date(answered_at, timezone, starts_at_hour)
    return day, {"answers": 1, "answers_right": 1 if correct else 0, "answer_ms": time_spent_ms or 0}


def answer_counts(
    answered_at: dt.datetime, correct: bool, time_spent_ms: int | None, timezone: str = "UTC", starts_at_hour: int = 4
) -> tuple[dt.date, Counts]:
    """The learner day a final quiz answer falls on and what it adds to that day's counts."""
    day, add = answer_columns(answered_at, correct, time_spent_ms, timezone, starts_at_hour)
    return day, Counts.from_columns(add)


class Tally:
    """Counts added up per key for many reviews and answers at once (rebuilding a learner's summaries): each
    key's columns in a list, added to in place, rather than a new :class:`Counts` for every addition."""

    def __init__(self) -> None:
        self._sums: dict[Any, list[int]] = {}

    def add(self, key: Any, columns: Mapping[str, int]) -> None:
        sums = self._sums.get(key)
        if sums is None:
            sums = self._sums[key] = [0] * len(COLUMN_FIELDS)
        for name, value in columns.items():
            sums[_COLUMN_INDEX[name]] += value

    def counts(self) -> dict[Any, Counts]:
        """Each key's counts."""
        return {
            key: Counts.from_columns(dict(zip(COLUMN_FIELDS, sums, strict=True))) for key, sums in self._sums.items()
        }


# --- today, the calendar and the streak -------------------------------------------------------------------


def _share(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


@dataclass(frozen=True)
class Today:
    """Today's work: flashcard reviews and quiz answers."""

    reviews: int = 0
    again: int = 0
    review_ms: int = 0
    answers: int = 0
    answers_right: int = 0
    answer_ms: int = 0
    # Of ``answers``, those whose feedback a class assignment still holds back: in no count of what is right.
    answers_held: int = 0

    @property
    def percent_correct(self) -> float | None:
        """Reviews not graded Again, in percent; None without reviews."""
        return _share(self.reviews - self.again, self.reviews)

    @property
    def answers_marked(self) -> int:
        return self.answers - self.answers_held

    @property
    def percent_right(self) -> float | None:
        """Quiz answers fully right, in percent of those whose feedback is shown; None without any."""
        return _share(self.answers_right, self.answers_marked)

    @property
    def review_minutes(self) -> float:
        return self.review_ms / 60_000

    @property
    def answer_minutes(self) -> float:
        return self.answer_ms / 60_000

    @property
    def minutes(self) -> float:
        """Time spent on flashcards and quiz questions."""
        return (self.review_ms + self.answer_ms) / 60_000

    @property
    def empty(self) -> bool:
        return not (self.reviews or self.answers)


def today_panel(days: Mapping[dt.date, Counts], today: dt.date, held: Counts = EMPTY) -> Today:
    """Today's work; ``held``: today's answers whose feedback is held back, left out of what is right."""
    c = days.get(today, EMPTY)
    return held_back(Today(c.reviews, c.again, c.review_ms, c.answers, c.answers_right, c.answer_ms), held)


def held_back(today: Today, held: Counts) -> Today:
    """``today`` with the answers in ``held`` (whose feedback a teacher holds back) counted as answered but
    neither right nor wrong, so that the share right says nothing of them until their feedback is shown."""
    return replace(
        today, answers_right=today.answers_right - held.answers_right, answers_held=today.answers_held + held.answers
    )


def marked(counts: Counts, held: Counts) -> Counts:
    """``counts`` without the quiz answers in ``held``: what a learner may see of how their answers went."""
    return replace(
        counts, answers=counts.answers - held.answers, answers_right=counts.answers_right - held.answers_right
    )


@dataclass(frozen=True)
class Streak:
    """``days`` consecutive days of study ending on ``last`` (today, or yesterday while today is empty)."""

    days: int
    last: dt.date | None
    today_done: bool


def streak(active: Iterable[dt.date], today: dt.date) -> Streak:
    """The learner's streak, from the days on which they reviewed a card or answered a quiz question."""
    days = set(active)
    today_done = today in days
    day = today if today_done else today - dt.timedelta(days=1)
    if day not in days:
        return Streak(0, None, today_done)
    last, count = day, 0
    while day in days:
        count += 1
        day -= dt.timedelta(days=1)
    return Streak(count, last, today_done)


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    reviews: int
    answers: int

    @property
    def total(self) -> int:
        return self.reviews + self.answers


@dataclass(frozen=True)
class Calendar:
    """The last ``len(days)`` learner days, oldest first, with the reviews and quiz answers of each."""

    days: tuple[CalendarDay, ...]
    streak: Streak

    @property
    def active_days(self) -> int:
        return sum(1 for d in self.days if d.total)

    @property
    def total(self) -> int:
        return sum(d.total for d in self.days)

    @property
    def busiest(self) -> CalendarDay | None:
        best = max(self.days, key=lambda d: (d.total, d.day), default=None)
        return best if best is not None and best.total else None

    @property
    def empty(self) -> bool:
        return not self.total


def calendar(
    days: Mapping[dt.date, Counts], today: dt.date, run: Streak | None = None, length: int = CALENDAR_DAYS
) -> Calendar:
    """The calendar of the ``length`` days ending today, with the streak: ``run`` when given (a streak may
    reach further back than the days given), else the one ``days`` show."""
    first = today - dt.timedelta(days=length - 1)
    cells = []
    for i in range(length):
        day = first + dt.timedelta(days=i)
        c = days.get(day, EMPTY)
        cells.append(CalendarDay(day, c.reviews, c.answers))
    if run is None:
        run = streak((d for d, c in days.items() if c.activity > 0), today)
    return Calendar(tuple(cells), run)


# --- periods and reviews per day --------------------------------------------------------------------------


class Period(StrEnum):
    """The span the period-filtered panels cover."""

    MONTH = "1m"
    YEAR = "1y"
    ALL = "all"

    @property
    def label(self) -> str:
        return {"1m": "the last month", "1y": "the last year", "all": "all time"}[self.value]

    @property
    def days(self) -> int | None:
        return {"1m": 30, "1y": 365, "all": None}[self.value]


def period_start(period: Period, today: dt.date, first_day: dt.date | None) -> dt.date:
    """The first learner day ``period`` covers; for all time, the first day with anything (or today)."""
    if period.days is not None:
        return today - dt.timedelta(days=period.days - 1)
    return min(first_day, today) if first_day is not None else today


@dataclass(frozen=True)
class StateBin:
    """Reviews from ``start`` to ``end`` (both included) by the card's state when graded."""

    start: dt.date
    end: dt.date
    learning: int = 0
    young: int = 0
    mature: int = 0
    relearning: int = 0

    @property
    def total(self) -> int:
        return self.learning + self.young + self.mature + self.relearning


def reviews_by_state(days: Mapping[dt.date, Counts], period: Period, start: dt.date, today: dt.date) -> tuple:
    """Reviews per day (the last month), per week (the last year: weeks ending today, the oldest cut at the
    period's start) or per calendar month (all time), oldest first, by card state."""
    if period is Period.ALL:
        spans = _months(start, today)
    else:
        width = 1 if period is Period.MONTH else 7
        spans = []
        end = today
        while end >= start:
            spans.append((max(start, end - dt.timedelta(days=width - 1)), end))
            end -= dt.timedelta(days=width)
        spans.reverse()
    bins = []
    for low, high in spans:
        learning = young = mature = relearning = 0
        day = low
        while day <= high:
            c = days.get(day)
            if c is not None:
                learning += c.learning
                young += c.young
                mature += c.mature
                relearning += c.relearning
            day += dt.timedelta(days=1)
        bins.append(StateBin(low, high, learning, young, mature, relearning))
    return tuple(bins)


def _months(start: dt.date, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    spans = []
    low = start
    while low <= today:
        following = dt.date(low.year + (low.month == 12), low.month % 12 + 1, 1)
        spans.append((low, min(today, following - dt.timedelta(days=1))))
        low = following
    return spans


def period_total(days: Mapping[dt.date, Counts], start: dt.date, today: dt.date) -> Counts:
    """The counts of the days from ``start`` to ``today``."""
    return total(c for d, c in days.items() if start <= d <= today)


# --- true retention ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionRow:
    label: str
    young_pass: int
    young_fail: int
    mature_pass: int
    mature_fail: int

    @property
    def young(self) -> int:
        return self.young_pass + self.young_fail

    @property
    def mature(self) -> int:
        return self.mature_pass + self.mature_fail

    @property
    def reviews(self) -> int:
        return self.young + self.mature

    @property
    def young_rate(self) -> float | None:
        return _share(self.young_pass, self.young)

    @property
    def mature_rate(self) -> float | None:
        return _share(self.mature_pass, self.mature)

    @property
    def rate(self) -> float | None:
        return _share(self.young_pass + self.mature_pass, self.reviews)


@dataclass(frozen=True)
class Retention:
    rows: tuple[RetentionRow, ...]
    desired: float  # the learner's desired retention, 0.70 to 0.97

    @property
    def empty(self) -> bool:
        return not any(r.reviews for r in self.rows)


def true_retention(days: Mapping[dt.date, Counts], all_time: Counts, today: dt.date, desired: float) -> Retention:
    """Passes and fails of reviews a day or more after the card's previous one: today, yesterday, the last
    7, 30 and 365 days and all time (``all_time``), young and mature apart."""

    def row(label: str, c: Counts) -> RetentionRow:
        return RetentionRow(label, c.young_pass, c.young_fail, c.mature_pass, c.mature_fail)

    yesterday = today - dt.timedelta(days=1)
    spans = [("Today", today, today), ("Yesterday", yesterday, yesterday)]
    spans += [(f"Last {n} days", today - dt.timedelta(days=n - 1), today) for n in (7, 30, 365)]
    rows = [row(label, period_total(days, low, high)) for label, low, high in spans]
    return Retention((*rows, row("All time", all_time)), desired)


# --- answer buttons and hours -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Buttons:
    again: int
    hard: int
    good: int
    easy: int

    @property
    def total(self) -> int:
        return self.again + self.hard + self.good + self.easy

    @property
    def rows(self) -> tuple[tuple[str, int, float | None], ...]:
        """(name, count, percent of all) for each button."""
        counts = (("Again", self.again), ("Hard", self.hard), ("Good", self.good), ("Easy", self.easy))
        return tuple((name, n, _share(n, self.total)) for name, n in counts)

    @property
    def percent_correct(self) -> float | None:
        return _share(self.total - self.again, self.total)


def answer_buttons(c: Counts) -> Buttons:
    return Buttons(c.again, c.hard, c.good, c.easy)


def reviews_by_hour(c: Counts) -> tuple[int, ...]:
    """Reviews per hour of the day (0 to 23, local time)."""
    return tuple(c.hours)


# --- cards: states, memory, forecast ----------------------------------------------------------------------


class CardRow(NamedTuple):
    """A learner's memory state of one card they have seen: a plain, immutable row (a named tuple, cheap to
    make for each of the thousands of cards a learner may have).

    Times are POSIX seconds (UTC), so that no datetime is made for each card either. ``live`` is False once the
    card's question is removed from its bank.
    """

    card_id: int
    bank_id: int
    state: int
    stability: float | None
    difficulty: float | None
    due: int
    last_review: int | None
    live: bool
    tags: tuple[str, ...] = ()

    @property
    def scheduled_days(self) -> float | None:
        """The card's interval: from its last review to its due time, in days."""
        return None if self.last_review is None else (self.due - self.last_review) / DAY_SECONDS


def decay_and_factor(parameters: Sequence[float]) -> tuple[float, float]:
    """FSRS-6's forgetting curve constants for these parameters (py-fsrs's ``_DECAY`` and ``_FACTOR``)."""
    decay = -parameters[20]
    return decay, 0.9 ** (1 / decay) - 1


def retrievability(stability: float | None, elapsed_days: float, parameters: Sequence[float]) -> float:
    """The chance of recalling a card ``elapsed_days`` whole days after its last review: py-fsrs's formula,
    ``(1 + factor · t / S) ** decay``, with the learner's parameters (0 for a card with no stability)."""
    if not stability:
        return 0.0
    decay, factor = decay_and_factor(parameters)
    return (1 + factor * max(0.0, elapsed_days) / stability) ** decay


def recalls(cards: Sequence[CardRow], now: int, parameters: Sequence[float]) -> list[float]:
    """Each card's retrievability at ``now`` (POSIX seconds), in the order of ``cards``: computed once for the
    panels that need it."""
    decay, factor = decay_and_factor(parameters)
    day = DAY_SECONDS
    return [
        (1 + factor * (max(0, (now - c.last_review) // day) if c.last_review is not None else 0) / c.stability) ** decay
        if c.stability
        else 0.0
        for c in cards
    ]


def elapsed_days(card: CardRow, now: int) -> int:
    """Whole days from the card's last review to ``now`` (POSIX seconds), as py-fsrs counts them."""
    if card.last_review is None:
        return 0
    return max(0, (now - card.last_review) // DAY_SECONDS)


@dataclass(frozen=True)
class StateCounts:
    """Cards by state now. ``new``: cards of the learner's decks never reviewed; ``retired``: cards seen
    whose question has since been removed from its bank (not counted in the other states)."""

    new: int = 0
    learning: int = 0
    young: int = 0
    mature: int = 0
    relearning: int = 0
    retired: int = 0

    @property
    def rows(self) -> tuple[tuple[str, int], ...]:
        return (
            ("New", self.new),
            ("Learning", self.learning),
            ("Young", self.young),
            ("Mature", self.mature),
            ("Relearning", self.relearning),
            ("Retired", self.retired),
        )

    @property
    def total(self) -> int:
        return sum(n for _name, n in self.rows)


def card_states(cards: Iterable[CardRow], unseen: int) -> StateCounts:
    """The learner's cards by state; ``unseen`` is how many cards of their decks they have not reviewed."""
    counts = {"learning": 0, "young": 0, "mature": 0, "relearning": 0, "retired": 0}
    for card in cards:
        if not card.live:
            counts["retired"] += 1
        elif card.state == LEARNING:
            counts["learning"] += 1
        elif card.state == RELEARNING:
            counts["relearning"] += 1
        elif (card.scheduled_days or 0) >= MATURE_DAYS:
            counts["mature"] += 1
        else:
            counts["young"] += 1
    return StateCounts(new=max(0, unseen), **counts)


@dataclass(frozen=True)
class Bin:
    """``count`` values from ``low`` (included) to ``high`` (excluded; None: no upper end)."""

    label: str
    low: float
    high: float | None
    count: int = 0


@dataclass(frozen=True)
class Histogram:
    bins: tuple[Bin, ...]
    mean: float | None  # of the values counted

    @property
    def total(self) -> int:
        return sum(b.count for b in self.bins)

    @property
    def empty(self) -> bool:
        return not self.total


# (low, label): each bin runs to the next one's low.
DAY_BINS = (
    (0, "under 1 day"),
    (1, "1 day"),
    (2, "2 days"),
    (3, "3 to 6 days"),
    (7, "1 to 2 weeks"),
    (14, "2 to 4 weeks"),
    (30, "1 to 3 months"),
    (90, "3 to 6 months"),
    (180, "6 to 12 months"),
    (365, "1 to 2 years"),
    (730, "2 years or more"),
)
DIFFICULTY_BINS = tuple((float(low), f"{low} to {low + 1}") for low in range(1, 10))
RETRIEVABILITY_BINS = (
    (0.0, "under 50%"),
    (0.5, "50 to 60%"),
    (0.6, "60 to 70%"),
    (0.7, "70 to 80%"),
    (0.8, "80 to 85%"),
    (0.85, "85 to 90%"),
    (0.9, "90 to 95%"),
    (0.95, "95 to 100%"),
)


def histogram(values: Iterable[float], edges: Sequence[tuple[float, str]]) -> Histogram:
    """Count ``values`` into the bins starting at each of ``edges``; values below the first bin go into it
    and, the last bin being open, values above the last low go into the last."""
    lows = [low for low, _label in edges]
    counts = [0] * len(edges)
    n, summed = 0, 0.0
    for value in values:
        counts[max(0, bisect_right(lows, value) - 1)] += 1
        n += 1
        summed += value
    bins = tuple(
        Bin(label, low, lows[i + 1] if i + 1 < len(lows) else None, counts[i]) for i, (low, label) in enumerate(edges)
    )
    return Histogram(bins, summed / n if n else None)


@dataclass(frozen=True)
class Memory:
    """What the learner's seen cards (not retired) hold now."""

    intervals: Histogram  # of review cards, in days
    stability: Histogram  # days
    difficulty: Histogram  # FSRS difficulty, 1 (easiest) to 10 (hardest)
    retrievability: Histogram  # 0 to 1
    knowledge: float  # estimated total knowledge: the sum of every card's retrievability now
    cards: int  # cards seen (not retired)
    load: float  # daily load: the sum over cards of 1 / interval (in days, at least 1): reviews a day, long run

    @property
    def empty(self) -> bool:
        return not self.cards


def memory(
    cards: Sequence[CardRow], now: int, parameters: Sequence[float], recall: Sequence[float] | None = None
) -> Memory:
    """Histograms of the live cards' intervals (review cards), stability, difficulty and retrievability now,
    with the estimated total knowledge and the daily load. ``now`` is POSIX seconds; ``recall``, each card's
    retrievability if already known (:func:`recalls`)."""
    if recall is None:
        recall = recalls(cards, now, parameters)
    intervals, stabilities, difficulties, live_recalls = [], [], [], []
    load = 0.0
    for card, r in zip(cards, recall, strict=True):
        if not card.live:
            continue
        scheduled = None if card.last_review is None else (card.due - card.last_review) / DAY_SECONDS
        if card.state == REVIEW and scheduled is not None:
            intervals.append(scheduled)
        load += 1 / max(1.0, scheduled or 0.0)
        if card.stability:
            stabilities.append(card.stability)
        if card.difficulty is not None:
            difficulties.append(card.difficulty)
        live_recalls.append(r)
    return Memory(
        intervals=histogram(intervals, DAY_BINS),
        stability=histogram(stabilities, DAY_BINS),
        difficulty=histogram(difficulties, DIFFICULTY_BINS),
        retrievability=histogram(live_recalls, RETRIEVABILITY_BINS),
        knowledge=math.fsum(live_recalls),
        cards=len(live_recalls),
        load=load,
    )


@dataclass(frozen=True)
class ForecastDay:
    day: dt.date
    due: int


@dataclass(frozen=True)
class Forecast:
    """Cards due on each of the next days (the first takes overdue cards too)."""

    days: tuple[ForecastDay, ...]

    @property
    def total(self) -> int:
        return sum(d.due for d in self.days)

    @property
    def empty(self) -> bool:
        return not self.total

    @property
    def tomorrow(self) -> int:
        return self.days[1].due if len(self.days) > 1 else 0

    @property
    def average(self) -> float:
        return self.total / len(self.days) if self.days else 0.0


def forecast(due_by_day: Mapping[int, int], today: dt.date, days: int = FORECAST_DAYS) -> Forecast:
    """The forecast from the number of cards due on each day (0 today, with overdue cards, 1 tomorrow…)."""
    return Forecast(tuple(ForecastDay(today + dt.timedelta(days=i), int(due_by_day.get(i, 0))) for i in range(days)))


def due_day(due: int, bounds: Sequence[dt.datetime]) -> int | None:
    """Which of the forecast's days (see :func:`forecast_bounds`) a card due at ``due`` (POSIX seconds)
    falls on; None if after the last."""
    for i, end in enumerate(bounds):
        if due < end.timestamp():
            return i
    return None


# --- mastery by tag ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagMastery:
    """How well the learner knows the questions with one tag."""

    tag: str
    cards: int  # cards seen with this tag (not retired)
    mean_recall: float | None  # their mean retrievability now, 0 to 1
    well_known: float | None  # the share of them at WELL_KNOWN or more, 0 to 1
    reviews: int
    answers: int
    answers_right: int

    @property
    def evidence(self) -> int:
        return self.reviews + self.answers

    @property
    def enough(self) -> bool:
        return self.evidence >= ENOUGH_EVIDENCE

    @property
    def quiz_accuracy(self) -> float | None:
        """Quiz answers fully right, in percent; None without answers."""
        return _share(self.answers_right, self.answers)


def mastery(
    cards: Sequence[CardRow],
    evidence: Mapping[str, Counts],
    now: int,
    parameters: Sequence[float],
    only: Iterable[str] | None = None,
    recall: Sequence[float] | None = None,
) -> tuple[TagMastery, ...]:
    """Per tag (of the cards seen, or of the reviews and answers in ``evidence``, keyed by :func:`tag_key`):
    the mean retrievability of its live cards now, the share well known, quiz accuracy and the reviews and
    answers behind it; sorted by tag. ``only``: just these tags; ``recall``: as for :func:`memory`."""
    if recall is None:
        recall = recalls(cards, now, parameters)
    by_tag_recall: dict[str, list[float]] = defaultdict(list)
    for card, r in zip(cards, recall, strict=True):
        if card.live:
            for tag in card.tags:
                by_tag_recall[tag].append(r)
    by_tag: dict[str, Counts] = defaultdict(Counts)
    for key, c in evidence.items():
        for tag in tags_of(key):
            by_tag[tag] = by_tag[tag] + c
    wanted = set(by_tag_recall) | set(by_tag)
    if only is not None:
        wanted &= set(only)
    rows = []
    for tag in sorted(wanted):
        rs, c = by_tag_recall.get(tag, []), by_tag.get(tag, EMPTY)
        rows.append(
            TagMastery(
                tag=tag,
                cards=len(rs),
                mean_recall=math.fsum(rs) / len(rs) if rs else None,
                well_known=sum(1 for r in rs if r >= WELL_KNOWN) / len(rs) if rs else None,
                reviews=c.reviews,
                answers=c.answers,
                answers_right=c.answers_right,
            )
        )
    return tuple(rows)


# --- quiz scores over time --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartQuestion:
    """One question of an attempt, for its score by bank and tags."""

    bank_id: int
    tags: tuple[str, ...]
    points: float  # the most it can score
    scored: float | None  # what the answer scored; None when unanswered
    correct: bool = False


@dataclass(frozen=True)
class Part:
    """An attempt's score over its questions of one bank with one set of tags."""

    bank_id: int
    tags: str  # a tag key
    score: float
    max_score: float
    questions: int
    right: int


def attempt_parts(questions: Iterable[PartQuestion]) -> tuple[Part, ...]:
    """An attempt's score split by bank and set of tags (unanswered questions score 0)."""
    sums: dict[tuple[int, str], list[float]] = {}
    for q in questions:
        key = (q.bank_id, tag_key(q.tags))
        s = sums.setdefault(key, [0.0, 0.0, 0, 0])
        s[0] += q.scored or 0.0
        s[1] += q.points
        s[2] += 1
        s[3] += 1 if q.correct and q.scored is not None else 0
    return tuple(Part(bank_id, tags, s[0], s[1], int(s[2]), int(s[3])) for (bank_id, tags), s in sorted(sums.items()))


@dataclass(frozen=True)
class AttemptScore:
    """A closed attempt's score over the questions a filter keeps."""

    attempt_id: int
    title: str
    mode: str  # practice or exam
    finished_at: dt.datetime
    score: float
    max_score: float


@dataclass(frozen=True)
class ScorePoint:
    attempt_id: int
    title: str
    day: dt.date
    finished_at: dt.datetime
    percent: float


@dataclass(frozen=True)
class QuizScores:
    """Percent per finished attempt, oldest first, practice and exam apart."""

    practice: tuple[ScorePoint, ...]
    exam: tuple[ScorePoint, ...]

    @property
    def empty(self) -> bool:
        return not (self.practice or self.exam)

    @staticmethod
    def mean(points: Sequence[ScorePoint]) -> float | None:
        return math.fsum(p.percent for p in points) / len(points) if points else None


def quiz_scores(attempts: Iterable[AttemptScore], timezone: str = "UTC", starts_at_hour: int = 4) -> QuizScores:
    """Each attempt's percent (score over the most it could score) on the learner day it finished."""
    series: dict[str, list[ScorePoint]] = {"practice": [], "exam": []}
    for a in sorted(attempts, key=lambda a: (a.finished_at, a.attempt_id)):
        if a.max_score <= 0 or a.mode not in series:
            continue
        day = learner_date(a.finished_at, timezone, starts_at_hour)
        series[a.mode].append(ScorePoint(a.attempt_id, a.title, day, a.finished_at, 100.0 * a.score / a.max_score))
    return QuizScores(tuple(series["practice"]), tuple(series["exam"]))
