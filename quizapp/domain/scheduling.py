"""Spaced-repetition scheduling: a thin layer over py-fsrs (FSRS-6), plus per-learner settings,
the learner's day, interval labels and parameter fitting with fsrs-rs.

Pure: no Flask, no database. Datetimes are timezone-aware UTC; functions return new values.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo, available_timezones

import fsrs
from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from . import evaluation
from .refusals import Refused
from .revlog import LoggedReview

Rating = fsrs.Rating
State = fsrs.State
RATINGS = (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy)
RATING_NAMES = {Rating.Again: "Again", Rating.Hard: "Hard", Rating.Good: "Good", Rating.Easy: "Easy"}
MIN_REVIEWS_TO_OPTIMISE = 400
MIN_DAYS_TO_OPTIMISE = 8


class SettingsError(Refused, ValueError):
    """Invalid scheduler settings; ``problems`` maps each field to a message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))


@dataclass(frozen=True)
class Settings:
    """A learner's scheduling settings (Anki-like defaults)."""

    desired_retention: float = 0.90
    learning_steps_minutes: tuple[int, ...] = (1, 10)
    relearning_steps_minutes: tuple[int, ...] = (10,)
    maximum_interval_days: int = 36500
    enable_fuzzing: bool = True
    new_per_day: int = 20
    reviews_per_day: int = 200
    day_starts_at_hour: int = 4
    timezone: str = "UTC"
    quiz_answers_feed_scheduler: bool = True
    parameters: tuple[float, ...] = field(default=tuple(DEFAULT_PARAMETERS))

    def validated(self) -> Settings:
        """Return self if every value is allowed, else raise :class:`SettingsError` listing them all."""
        problems: dict[str, str] = {}
        if not 0.70 <= self.desired_retention <= 0.97:
            problems["desired_retention"] = "must be between 0.70 and 0.97"
        for name in ("learning_steps_minutes", "relearning_steps_minutes"):
            steps = getattr(self, name)
            if len(steps) > 10 or any(not 1 <= s <= 24 * 60 for s in steps):
                problems[name] = "give up to 10 steps, each from 1 to 1440 minutes"
            elif list(steps) != sorted(steps):
                problems[name] = "steps must not get shorter"
        if not 1 <= self.maximum_interval_days <= 36500:
            problems["maximum_interval_days"] = "must be between 1 and 36500 days"
        if not 0 <= self.new_per_day <= 9999:
            problems["new_per_day"] = "must be between 0 and 9999"
        if not 0 <= self.reviews_per_day <= 9999:
            problems["reviews_per_day"] = "must be between 0 and 9999"
        if not 0 <= self.day_starts_at_hour <= 23:
            problems["day_starts_at_hour"] = "must be an hour from 0 to 23"
        if not is_known_timezone(self.timezone):
            problems["timezone"] = f"{self.timezone!r} is not a known time zone (e.g. Europe/London)"
        bad = parameter_problems(self.parameters)
        if bad:
            problems["parameters"] = "; ".join(bad)
        if problems:
            raise SettingsError(problems)
        return self


def parameter_problems(parameters: Sequence[float]) -> list[str]:
    """Why ``parameters`` cannot build a py-fsrs Scheduler (count, NaN or out of py-fsrs's bounds)."""
    if len(parameters) != len(LOWER_BOUNDS_PARAMETERS):
        return [f"expected {len(LOWER_BOUNDS_PARAMETERS)} parameters, got {len(parameters)}"]
    problems = []
    for i, (value, low, high) in enumerate(
        zip(parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    ):
        if not isinstance(value, int | float) or math.isnan(value) or not low <= value <= high:
            problems.append(f"parameter {i} = {value} is outside {low}..{high}")
    return problems


def make_scheduler(settings: Settings, *, fuzzing: bool | None = None) -> fsrs.Scheduler:
    """A py-fsrs Scheduler for these settings (validated first)."""
    settings.validated()
    return fsrs.Scheduler(
        parameters=settings.parameters,
        desired_retention=settings.desired_retention,
        learning_steps=tuple(dt.timedelta(minutes=m) for m in settings.learning_steps_minutes),
        relearning_steps=tuple(dt.timedelta(minutes=m) for m in settings.relearning_steps_minutes),
        maximum_interval=settings.maximum_interval_days,
        enable_fuzzing=settings.enable_fuzzing if fuzzing is None else fuzzing,
    )


def new_card(card_id: int, now: dt.datetime) -> fsrs.Card:
    """A new card due now. ``card_id`` is always passed (py-fsrs sleeps 1 ms to invent one otherwise)."""
    return fsrs.Card(card_id=card_id, due=now)


def review(
    scheduler: fsrs.Scheduler, card: fsrs.Card, rating: Rating, now: dt.datetime, duration_ms: int | None = None
) -> tuple[fsrs.Card, fsrs.ReviewLog]:
    """Grade ``card`` at ``now``; return the new card and its log entry (the old card is untouched)."""
    _require_utc(now)
    return scheduler.review_card(card, rating, review_datetime=now, review_duration=duration_ms)


def preview(scheduler: fsrs.Scheduler, card: fsrs.Card, now: dt.datetime) -> dict[Rating, dt.timedelta]:
    """The interval each rating would give, without fuzz, as the grade buttons show it."""
    plain = fsrs.Scheduler(
        parameters=scheduler.parameters,
        desired_retention=scheduler.desired_retention,
        learning_steps=scheduler.learning_steps,
        relearning_steps=scheduler.relearning_steps,
        maximum_interval=scheduler.maximum_interval,
        enable_fuzzing=False,
    )
    return {rating: plain.review_card(card, rating, review_datetime=now)[0].due - now for rating in RATINGS}


@dataclass(frozen=True)
class Memory:
    """What the memory model says of a learner's card now."""

    state: State
    stability: float | None  # days for the chance of recall to fall from 100 % to 90 %
    difficulty: float | None  # 1 (easy) to 10 (hard)
    due: dt.datetime  # the next review
    retrievability: float | None  # the chance of recalling it now; None before its first review


def memory(scheduler: fsrs.Scheduler, card: fsrs.Card, now: dt.datetime) -> Memory:
    """The card's memory at ``now``: its retrievability as py-fsrs computes it (from whole days since the
    last review, so a card reviewed today is at 100 %), with its stability, difficulty and next review."""
    _require_utc(now)
    known = card.last_review is not None and card.stability is not None
    recall = scheduler.get_card_retrievability(card, now) if known else None
    return Memory(card.state, card.stability, card.difficulty, card.due, recall)


@functools.cache
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def is_known_timezone(name: object) -> bool:
    """Whether ``name`` is a time zone in the IANA list (``Europe/London``), not merely a path that zoneinfo
    would try to open (``Europe``, ``../x``, a name too long for the file system)."""
    return isinstance(name, str) and name in _known_timezones()


def local_time(when: dt.datetime, timezone: str) -> dt.datetime:
    """``when`` (UTC) on the clock of the learner's time zone (UTC for a zone this system does not know)."""
    _require_utc(when)
    return when.astimezone(ZoneInfo(timezone)) if is_known_timezone(timezone) else when


def interval_label(interval: dt.timedelta) -> str:
    """Anki-style short interval: "<1m", "10m", "3h", "3d", "2mo", "1.5y"."""
    seconds = interval.total_seconds()
    if seconds < 60:
        return "<1m"
    minutes = seconds / 60
    if minutes < 60:
        return f"{round(minutes)}m"
    hours = minutes / 60
    if hours < 24:
        return f"{round(hours)}h"
    days = hours / 24
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        months = days / 30.4375
        return f"{months:.1f}mo".replace(".0mo", "mo")
    years = days / 365.25
    return f"{years:.1f}y".replace(".0y", "y")


def rebuild(scheduler: fsrs.Scheduler, card_id: int, logs: Sequence[fsrs.ReviewLog], created: dt.datetime) -> fsrs.Card:
    """Card state recomputed from its review log alone (the log is the source of truth)."""
    card = new_card(card_id, created)
    if not logs:
        return card
    return scheduler.reschedule_card(card, list(logs))


@dataclass(frozen=True)
class Day:
    """The learner's current day: it starts at ``start`` and ends at ``end`` (both UTC)."""

    start: dt.datetime
    end: dt.datetime


def learner_day(now: dt.datetime, timezone: str = "UTC", starts_at_hour: int = 4) -> Day:
    """The day containing ``now`` for a learner whose day rolls over at ``starts_at_hour`` local time."""
    _require_utc(now)
    tz = ZoneInfo(timezone)
    local = now.astimezone(tz)
    start_date = (local - dt.timedelta(hours=starts_at_hour)).date()
    start = dt.datetime.combine(start_date, dt.time(starts_at_hour), tz)
    end = dt.datetime.combine(start_date + dt.timedelta(days=1), dt.time(starts_at_hour), tz)
    return Day(start.astimezone(dt.UTC), end.astimezone(dt.UTC))


def _require_utc(now: dt.datetime) -> None:
    if now.tzinfo is None or now.utcoffset() != dt.timedelta(0):
        raise ValueError("datetimes must be timezone-aware UTC")


@dataclass(frozen=True)
class Optimisation:
    """Before and after of fitting a learner's parameters on their own history."""

    log_loss_before: float
    rmse_before: float
    log_loss_after: float
    rmse_after: float
    parameters: tuple[float, ...]
    reviews: int
    days: int

    @property
    def improved(self) -> bool:
        return self.log_loss_after < self.log_loss_before and not parameter_problems(self.parameters)


class NotEnoughReviews(Refused, ValueError):
    pass


def can_optimise(reviews: Sequence[LoggedReview], timezone: str = "UTC", starts_at_hour: int = 4) -> bool:
    days = {evaluation.learner_day(r.time, ZoneInfo(timezone), starts_at_hour) for r in reviews}
    return len(reviews) >= MIN_REVIEWS_TO_OPTIMISE and len(days) >= MIN_DAYS_TO_OPTIMISE


def optimise(
    reviews: Sequence[LoggedReview], current: Sequence[float], timezone: str = "UTC", starts_at_hour: int = 4
) -> Optimisation:
    """Fit FSRS-6 to a learner's reviews; report log loss and RMSE (bins) before and after on them."""
    tz = ZoneInfo(timezone)
    if not can_optimise(reviews, timezone, starts_at_hour):
        raise NotEnoughReviews(
            f"optimising needs at least {MIN_REVIEWS_TO_OPTIMISE} reviews on {MIN_DAYS_TO_OPTIMISE} different days"
        )
    cards = evaluation._histories(reviews, tz, starts_at_hour)
    items = [item for steps in cards.values() for item in evaluation._fsrs_items(steps)]
    if not items:
        raise NotEnoughReviews("no card has been reviewed on two different days yet")
    fitted = [float(x) for x in evaluation.fit_parameters(items)]
    fitted = [
        min(max(v, lo), hi) for v, lo, hi in zip(fitted, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    ]
    before = evaluation.score_items(current, items)
    after = evaluation.score_items(fitted, items)
    days = len({s.day for steps in cards.values() for s in steps})
    return Optimisation(before[0], before[1], after[0], after[1], tuple(fitted), len(reviews), days)


def with_parameters(settings: Settings, parameters: Sequence[float]) -> Settings:
    return replace(settings, parameters=tuple(parameters)).validated()
