"""The read side of a learner's statistics: the summaries (see :mod:`quizapp.models.stats`), their card states
and closed attempts, read in a few statements and handed to the pure functions of
:mod:`quizapp.domain.stats`.

Nothing here reads the review log or the answers themselves: what grows with every review is read through
the summaries (one row per learner day, bank and set of tags), and a learner's cards and attempts are read
once each. :func:`home_summary` is the home page's part: today's counts, the streak and the forecast.
The one exception, :func:`held_answers`, reads the few answers whose feedback a class assignment holds back,
to leave them out of what a learner is shown of how their answers went.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    exists,
    extract,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from ..domain import stats
from ..domain.assignments import Feedback, feedback_visible, for_learner
from ..domain.attempts import AttemptStatus
from ..domain.scheduling import Settings
from ..models import (
    ActivityDay,
    ActivityTotal,
    Answer,
    Assignment,
    Attempt,
    AttemptPart,
    Bank,
    Card,
    CardState,
    CardTag,
    Deck,
    Extension,
    Question,
    QuestionRevision,
)
from .classes import grant_of, held_attempts, terms_of

_days: Table = ActivityDay.__table__  # type: ignore[assignment]
_totals: Table = ActivityTotal.__table__  # type: ignore[assignment]
_parts: Table = AttemptPart.__table__  # type: ignore[assignment]


# --- three portable SQL expressions -------------------------------------------------------------------------


class epoch_seconds(FunctionElement):
    """A timestamp column as whole POSIX seconds (rounded down), so thousands of rows need no datetime each."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # Stored as "YYYY-MM-DD HH:MM:SS.ffffff": the whole seconds, from the Julian day (quicker than strftime's
    # "%s", and in every SQLite); rounded, since the day's fraction carries a little floating-point error.
    (column,) = element.clauses
    seconds = (func.julianday(func.substr(column, 1, 19)) - 2440587.5) * 86400
    return compiler.process(cast(func.round(seconds), BigInteger), **kw)


@compiles(epoch_seconds)
def _epoch_default(element: Any, compiler: Any, **kw: Any) -> str:
    (column,) = element.clauses
    return compiler.process(cast(func.floor(extract("epoch", column)), BigInteger), **kw)


class year_month(FunctionElement):
    """A date column as its year and month, ``YYYY-MM``."""

    type = String()
    inherit_cache = True


@compiles(year_month, "sqlite")
def _year_month_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    (column,) = element.clauses
    return compiler.process(func.substr(column, 1, 7), **kw)  # stored as "YYYY-MM-DD"


@compiles(year_month)
def _year_month_default(element: Any, compiler: Any, **kw: Any) -> str:
    (column,) = element.clauses
    return compiler.process(func.to_char(column, "YYYY-MM"), **kw)


class joined_tags(FunctionElement):
    """An aggregate: the values of a column joined with ``|`` (in no particular order)."""

    type = String()
    inherit_cache = True


@compiles(joined_tags, "sqlite")
def _joined_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    (column,) = element.clauses
    return compiler.process(func.group_concat(column, "|"), **kw)


@compiles(joined_tags)
def _joined_default(element: Any, compiler: Any, **kw: Any) -> str:
    (column,) = element.clauses
    return compiler.process(func.string_agg(column, "|"), **kw)


# --- what a scope keeps -----------------------------------------------------------------------------------


def _summary_scope(table: Table, scope: stats.Scope) -> list[ColumnElement[bool]]:
    """WHERE clauses on a summary table (or attempt parts) for ``scope``: its tags are a tag key."""
    clauses: list[ColumnElement[bool]] = []
    if scope.bank_id is not None:
        clauses.append(table.c.bank_id == scope.bank_id)
    if scope.any_tags:
        clauses.append(or_(*(table.c.tags.contains(f"|{t}|", autoescape=True) for t in scope.any_tags)))
    if scope.tag is not None:
        clauses.append(table.c.tags.contains(f"|{scope.tag}|", autoescape=True))
    return clauses


def _card_scope(scope: stats.Scope) -> list[ColumnElement[bool]]:
    """WHERE clauses on ``Card`` for ``scope``."""
    clauses: list[ColumnElement[bool]] = []
    if scope.bank_id is not None:
        clauses.append(Card.bank_id == scope.bank_id)
    if scope.any_tags:
        clauses.append(exists().where(CardTag.card_id == Card.id, CardTag.tag.in_(scope.any_tags)))
    if scope.tag is not None:
        clauses.append(exists().where(CardTag.card_id == Card.id, CardTag.tag == scope.tag))
    return clauses


def _sums(table: Table) -> list[Any]:
    return [func.sum(table.c[name]).label(name) for name in stats.COLUMN_FIELDS]


# --- the home page ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeSummary:
    """What the home page shows of a learner's progress."""

    today: stats.Today  # reviews, Again, minutes, quiz answers and % right today
    streak: stats.Streak  # consecutive days of study (see quizapp.domain.stats for the rule)
    forecast: stats.Forecast  # cards due on each of the next 30 days, today first (with overdue cards)


def home_summary(session: Session, user_id: int, settings: Settings, now: dt.datetime) -> HomeSummary:
    """Today's counts, the streak and the 30-day forecast of a learner, over all their banks: four statements
    (today's summaries, the learner's days from today back to the streak's first gap on the summaries' key
    index, today's answers whose feedback is held back, and a count of due cards by day on the
    ``(user_id, due)`` index), whatever the size of their review log."""
    tz, hour = settings.timezone, settings.day_starts_at_hour
    today = stats.learner_date(now, tz, hour)
    today_counts, run = today_and_streak(session, user_id, stats.Scope(), today)
    held = held_answers(session, user_id, stats.Scope(), now, tz, hour, since=stats.day_start(today, tz, hour))
    today_counts = stats.held_back(today_counts, stats.total(c for (day, _tags), c in held.items() if day == today))
    due = due_by_day(session, user_id, stats.Scope(), today, settings)
    return HomeSummary(today_counts, run, stats.forecast(due, today))


_TODAY_FIELDS = ("reviews", "again", "review_ms", "answers", "answers_right", "answer_ms")


def today_and_streak(
    session: Session, user_id: int, scope: stats.Scope, today: dt.date
) -> tuple[stats.Today, stats.Streak]:
    """Today's counts, and the streak: the learner's days with a row (each counts something, see
    :func:`quizapp.operations.activity.add`), newest first, read from the key's index until the first gap."""
    where = [_days.c.user_id == user_id, *_summary_scope(_days, scope)]
    sums = session.execute(select(*(func.sum(_days.c[n]) for n in _TODAY_FIELDS)).where(*where, _days.c.day == today))
    counts = stats.Today(*(int(v or 0) for v in sums.one()))
    result = session.execute(
        select(_days.c.day).where(*where, _days.c.day <= today).distinct().order_by(_days.c.day.desc())
    )
    days, expected = [], today
    try:
        for (day,) in result:
            if day < expected - dt.timedelta(days=1):
                break  # a gap: the streak (if any) is complete
            days.append(day)
            expected = day
    finally:
        result.close()
    return counts, stats.streak(days, today)


def held_answers(
    session: Session,
    user_id: int,
    scope: stats.Scope,
    now: dt.datetime,
    timezone: str,
    starts_at_hour: int,
    since: dt.datetime | None = None,
) -> dict[tuple[dt.date, str], stats.Counts]:
    """The learner's counted answers (answered since ``since``, within ``scope``) whose feedback their class
    assignment holds back at ``now``, as quiz answers and answers right per learner day and tag key: one
    statement over the answers of closed assigned attempts whose assignment holds feedback back at all (none
    for most learners), the feedback policy then applied with the learner's own due date, as their attempt's
    results page applies it."""
    closed = (AttemptStatus.FINISHED.value, AttemptStatus.EXPIRED.value)
    query = (
        select(Answer.answered_at, Answer.correct, Question.bank_id, QuestionRevision.data, Assignment, Extension)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .outerjoin(Extension, and_(Extension.assignment_id == Assignment.id, Extension.user_id == user_id))
        .join(QuestionRevision, QuestionRevision.id == Answer.question_revision_id)
        .join(Question, Question.id == QuestionRevision.question_id)
        .where(
            Attempt.user_id == user_id,
            Attempt.status.in_(closed),
            Assignment.feedback != Feedback.AT_ONCE.value,
        )
    )
    if since is not None:
        query = query.where(Answer.answered_at >= since)
    held: dict[tuple[dt.date, str], stats.Counts] = {}
    shown: dict[int, bool] = {}
    for answered_at, correct, bank_id, data, assignment, extension in session.execute(query):
        if assignment.id not in shown:
            terms = for_learner(terms_of(assignment), grant_of(extension))
            shown[assignment.id] = feedback_visible(assignment.feedback, terms, now)
        content = json.loads(data) if isinstance(data, str) else data
        tags = stats.tag_key(content.get("tags") or ())
        if shown[assignment.id] or not scope.keeps(bank_id, stats.tags_of(tags)):
            continue
        day = stats.learner_date(answered_at, timezone, starts_at_hour)
        key = (day, tags)
        held[key] = held.get(key, stats.EMPTY) + stats.Counts(answers=1, answers_right=1 if correct else 0)
    return held


@lru_cache(maxsize=16)
def _due_statement(days: int, tagged_deck: bool, has_bank: bool, has_tag: bool) -> Select:
    """Cards due per learner day, numbered from 0 (today, overdue cards included) by one CASE, grouped on it:
    one pass over the learner's ``(user_id, due)`` index range. The scope's cards are picked with IN, not a join,
    so a learner without one pays a lookup in a small set of retired cards rather than one per card."""
    bounds = [bindparam(f"end_{i}", type_=CardState.due.type) for i in range(days)]
    day = case(*((CardState.due < bounds[i], i) for i in range(days))).label("day")
    cards = select(Card.id)
    if has_bank or tagged_deck or has_tag:
        cards = cards.where(Card.retired_at.is_(None))
        if has_bank:
            cards = cards.where(Card.bank_id == bindparam("bank_id"))
        if tagged_deck:
            tags = bindparam("any_tags", expanding=True)
            cards = cards.where(exists().where(CardTag.card_id == Card.id, CardTag.tag.in_(tags)))
        if has_tag:
            cards = cards.where(exists().where(CardTag.card_id == Card.id, CardTag.tag == bindparam("tag")))
        in_scope = CardState.card_id.in_(cards)
    else:
        in_scope = CardState.card_id.not_in(cards.where(Card.retired_at.is_not(None)))
    return (
        select(day, func.count())
        .where(CardState.user_id == bindparam("user_id"), CardState.due < bounds[-1], in_scope)
        .group_by(literal_column("day"))
    )


def due_by_day(
    session: Session,
    user_id: int,
    scope: stats.Scope,
    today: dt.date,
    settings: Settings,
    days: int = stats.FORECAST_DAYS,
) -> dict[int, int]:
    """How many of the learner's cards (not retired) fall due on each of the ``days`` learner days from today
    (0: today, overdue cards included): one statement on the ``(user_id, due)`` index."""
    bounds = stats.forecast_bounds(today, settings.timezone, settings.day_starts_at_hour, days)
    parameters: dict[str, Any] = {f"end_{i}": end for i, end in enumerate(bounds)} | {"user_id": user_id}
    if scope.bank_id is not None:
        parameters["bank_id"] = scope.bank_id
    if scope.any_tags:
        parameters["any_tags"] = list(scope.any_tags)
    if scope.tag is not None:
        parameters["tag"] = scope.tag
    statement = _due_statement(days, bool(scope.any_tags), scope.bank_id is not None, scope.tag is not None)
    return {int(day): int(n) for day, n in session.execute(statement, parameters)}


# --- the statistics page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeckChoice:
    id: int
    title: str
    bank_id: int
    tags: tuple[str, ...]


@dataclass(frozen=True)
class BankChoice:
    id: int
    slug: str
    title: str


@dataclass(frozen=True)
class TotalRow:
    """A learner's all-time counts for one bank and set of tags."""

    bank_id: int
    tags: str  # a tag key
    counts: stats.Counts


@dataclass(frozen=True)
class Choices:
    """What a learner can filter their statistics by: their decks, the banks and tags they have studied (or
    that their decks hold); with their all-time summaries, which the statistics read too."""

    decks: tuple[DeckChoice, ...]
    banks: tuple[BankChoice, ...]
    tags: tuple[str, ...]
    totals: tuple[TotalRow, ...]


def choices(session: Session, user_id: int) -> Choices:
    """The learner's filter choices (two statements: their decks, their all-time summaries)."""
    decks, banks, tags = [], {}, set()
    for deck, bank in session.execute(
        select(Deck, Bank).join(Bank, Bank.id == Deck.bank_id).where(Deck.user_id == user_id).order_by(Deck.id)
    ):
        title = f"{bank.title}: {', '.join(deck.tags)}" if deck.tags else bank.title
        decks.append(DeckChoice(deck.id, title, bank.id, tuple(deck.tags)))
        banks[bank.id] = BankChoice(bank.id, bank.slug, bank.title)
        tags.update(deck.tags)
    totals = []
    query = select(_totals, Bank.slug, Bank.title).join(Bank, Bank.id == _totals.c.bank_id)
    for row in session.execute(query.where(_totals.c.user_id == user_id)).mappings():
        totals.append(TotalRow(row["bank_id"], row["tags"], stats.Counts.from_columns(row)))
        banks[row["bank_id"]] = BankChoice(row["bank_id"], row["slug"], row["title"])
        tags.update(stats.tags_of(row["tags"]))
    return Choices(
        tuple(decks),
        tuple(sorted(banks.values(), key=lambda b: (b.title, b.slug))),
        tuple(sorted(tags)),
        tuple(totals),
    )


@dataclass(frozen=True)
class Statistics:
    """Every panel of the statistics page, for one scope and period."""

    scope: stats.Scope
    period: stats.Period
    today: dt.date
    period_start: dt.date
    today_panel: stats.Today
    calendar: stats.Calendar
    forecast: stats.Forecast
    reviews_by_state: tuple[stats.StateBin, ...]
    retention: stats.Retention
    states: stats.StateCounts
    memory: stats.Memory
    buttons: stats.Buttons
    hours: tuple[int, ...]
    mastery: tuple[stats.TagMastery, ...]
    scores: stats.QuizScores


def statistics(
    session: Session,
    user_id: int,
    settings: Settings,
    now: dt.datetime,
    scope: stats.Scope,
    period: stats.Period,
    known: Choices,
) -> Statistics:
    """A learner's statistics for ``scope`` and ``period`` (``known``: what :func:`choices` read)."""
    tz, hour = settings.timezone, settings.day_starts_at_hour
    today = stats.learner_date(now, tz, hour)
    totals = [t for t in known.totals if scope.keeps(t.bank_id, stats.tags_of(t.tags))]
    all_time = stats.total(t.counts for t in totals)
    calendar_start = today - dt.timedelta(days=stats.CALENDAR_DAYS - 1)
    if period is stats.Period.ALL:
        # All time reads the days of the calendar and, for the rest, sums per month and all time, so its cost
        # grows with the months of a learner's history, not with their days.
        since = calendar_start
        days = day_counts(session, user_id, scope, since, today)
        by_month, first_day = month_counts(session, user_id, scope, today)
        start = stats.period_start(period, today, first_day)
        by_state = stats.reviews_by_state(by_month, period, start, today)
        in_period = all_time
    else:
        start = stats.period_start(period, today, None)
        since = min(calendar_start, start)
        days = day_counts(session, user_id, scope, since, today)
        by_state = stats.reviews_by_state(days, period, start, today)
        in_period = stats.period_total(days, start, today)

    run = stats.streak((d for d, c in days.items() if c.activity > 0), today)
    first = run.last - dt.timedelta(days=run.days - 1) if run.last is not None else None
    if first is not None and first <= since:  # it may reach back before the days read
        run = today_and_streak(session, user_id, scope, today)[1]

    cards = card_rows(session, user_id, scope)
    decks = [stats.Scope(d.bank_id, d.tags) for d in known.decks]
    unseen = deck_cards(session, scope, decks) - seen_in_decks(cards, decks)
    now_s = int(now.timestamp())
    recall = stats.recalls(cards, now_s, settings.parameters)
    evidence: dict[str, stats.Counts] = {}
    for t in totals:
        evidence[t.tags] = evidence.get(t.tags, stats.EMPTY) + t.counts
    held = held_answers(session, user_id, scope, now, tz, hour)
    for (_day, tags), counts in held.items():
        evidence[tags] = stats.marked(evidence.get(tags, stats.EMPTY), counts)
    since_time = stats.day_start(start, tz, hour) if period is not stats.Period.ALL else None
    return Statistics(
        scope=scope,
        period=period,
        today=today,
        period_start=start,
        today_panel=stats.today_panel(days, today, stats.total(c for (d, _t), c in held.items() if d == today)),
        calendar=stats.calendar(days, today, run),
        forecast=stats.forecast(due_by_day(session, user_id, scope, today, settings), today),
        reviews_by_state=by_state,
        retention=stats.true_retention(days, all_time, today, settings.desired_retention),
        states=stats.card_states(cards, unseen),
        memory=stats.memory(cards, now_s, settings.parameters, recall),
        buttons=stats.answer_buttons(in_period),
        hours=stats.reviews_by_hour(in_period),
        mastery=stats.mastery(cards, evidence, now_s, settings.parameters, [scope.tag] if scope.tag else None, recall),
        scores=stats.quiz_scores(attempt_scores(session, user_id, scope, since_time, now), tz, hour),
    )


def day_counts(
    session: Session, user_id: int, scope: stats.Scope, since: dt.date | None, today: dt.date
) -> dict[dt.date, stats.Counts]:
    """The learner's counts per day within ``scope``, from ``since`` (None: their first day) to today."""
    where = [_days.c.user_id == user_id, _days.c.day <= today, *_summary_scope(_days, scope)]
    if since is not None:
        where.append(_days.c.day >= since)
    query = select(_days.c.day, *_sums(_days)).where(*where).group_by(_days.c.day)
    return {row["day"]: stats.Counts.from_columns(row) for row in session.execute(query).mappings()}


def month_counts(
    session: Session, user_id: int, scope: stats.Scope, today: dt.date
) -> tuple[dict[dt.date, stats.Counts], dt.date | None]:
    """The learner's reviews by card state per calendar month within ``scope`` (each keyed by the month's first
    day, or the learner's first day in their first month), and their first day."""
    month = year_month(_days.c.day).label("month")
    states = ("learning", "young", "mature", "relearning")
    query = (
        select(month, func.min(_days.c.day), *(func.sum(_days.c[name]) for name in states))
        .where(_days.c.user_id == user_id, _days.c.day <= today, *_summary_scope(_days, scope))
        .group_by(literal_column("month"))
    )
    rows = session.execute(query).all()
    first = min((row[1] for row in rows), default=None)
    by_month = {}
    for text, _first, *values in rows:
        year, number = (int(part) for part in text.split("-"))
        key = max(dt.date(year, number, 1), first)  # type: ignore[type-var]
        by_month[key] = stats.Counts(**{name: int(v or 0) for name, v in zip(states, values, strict=True)})
    return by_month, first


def card_rows(session: Session, user_id: int, scope: stats.Scope) -> list[stats.CardRow]:
    """The learner's state of every card they have seen within ``scope``, with the card's tags."""
    tag_list = select(joined_tags(CardTag.tag)).where(CardTag.card_id == CardState.card_id).scalar_subquery()
    query = (
        select(
            CardState.card_id,
            Card.bank_id,
            CardState.state,
            CardState.stability,
            CardState.difficulty,
            epoch_seconds(CardState.due),
            epoch_seconds(CardState.last_review),
            Card.retired_at.is_(None),
            tag_list,
        )
        .join(Card, Card.id == CardState.card_id)
        .where(CardState.user_id == user_id, *_card_scope(scope))
    )
    row = stats.CardRow
    return [
        row(
            card_id,
            bank_id,
            state,
            stability,
            difficulty,
            due,
            last,
            bool(live),
            tuple(tags.split("|")) if tags else (),
        )
        for card_id, bank_id, state, stability, difficulty, due, last, live, tags in session.execute(query)
    ]


def seen_in_decks(cards: Sequence[stats.CardRow], decks: Sequence[stats.Scope]) -> int:
    """How many of ``cards`` are live and in one of ``decks``."""
    whole = {d.bank_id for d in decks if not d.any_tags}  # most decks take a whole bank: a set lookup
    narrowed = [(d.bank_id, set(d.any_tags)) for d in decks if d.any_tags]
    return sum(
        1
        for c in cards
        if c.live
        and (c.bank_id in whole or any(c.bank_id == b and not tags.isdisjoint(c.tags) for b, tags in narrowed))
    )


def deck_cards(session: Session, scope: stats.Scope, decks: Sequence[stats.Scope]) -> int:
    """How many live cards are in any of ``decks`` and within ``scope`` (0 without decks)."""
    if not decks:
        return 0
    in_a_deck = [and_(*_card_scope(deck)) for deck in decks]
    query = select(func.count(Card.id)).where(Card.retired_at.is_(None), or_(*in_a_deck), *_card_scope(scope))
    return int(session.scalar(query) or 0)


def attempt_scores(
    session: Session, user_id: int, scope: stats.Scope, since: dt.datetime | None, now: dt.datetime | None = None
) -> list[stats.AttemptScore]:
    """Each of the learner's closed attempts (finished since ``since``) with its score over the questions
    within ``scope`` (attempts with none left out). An assigned attempt whose feedback its teacher holds back
    at ``now`` is left out too: its score is not the learner's to see yet."""
    closed = Attempt.status.in_((AttemptStatus.FINISHED.value, AttemptStatus.EXPIRED.value))
    where = [Attempt.user_id == user_id, closed, *_summary_scope(_parts, scope)]
    if since is not None:
        where.append(Attempt.finished_at >= since)
    query = (
        select(
            Attempt.id,
            Attempt.title,
            Attempt.mode,
            Attempt.finished_at,
            func.sum(_parts.c.score),
            func.sum(_parts.c.max_score),
            Attempt.assignment_id,
            Attempt.user_id,
        )
        .join(_parts, _parts.c.attempt_id == Attempt.id)
        .where(*where)
        .group_by(Attempt.id, Attempt.title, Attempt.mode, Attempt.finished_at, Attempt.assignment_id, Attempt.user_id)
    )
    rows = session.execute(query).all()
    held = held_attempts(session, [r for r in rows if r.assignment_id is not None], now) if now is not None else set()
    return [
        stats.AttemptScore(r.id, r.title, r.mode, r.finished_at, float(r[4] or 0), float(r[5] or 0))
        for r in rows
        if r.id not in held
    ]


def scope_of(
    known: Choices, deck_id: int | None = None, bank_slug: str | None = None, tag: str | None = None
) -> stats.Scope | None:
    """The scope a filter names, if every part of it is one of the learner's choices; else None."""
    bank_id, any_tags = None, ()
    if deck_id is not None:
        deck = next((d for d in known.decks if d.id == deck_id), None)
        if deck is None:
            return None
        bank_id, any_tags = deck.bank_id, deck.tags
    elif bank_slug is not None:
        bank = next((b for b in known.banks if b.slug == bank_slug), None)
        if bank is None:
            return None
        bank_id = bank.id
    if tag is not None and tag not in known.tags:
        return None
    return stats.Scope(bank_id, tuple(any_tags), tag)
