"""Read-only queries for flashcards: a learner's settings, a deck's cards, today's study queue.

The queue follows Anki: cards in (re)learning are shown once due (or up to 20 minutes early when nothing
else is left), review cards from the start of the learner's day on which they fall due, within the
reviews-per-day limit, then new cards within the new-cards-per-day limit. Limits are per deck and counted
over grades given while studying (not quiz answers or imports) during the learner's current day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import fsrs
from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, case, exists, func, or_, select, true
from sqlalchemy.orm import Session, joinedload

from ..domain import evaluation, scheduling
from ..domain.formats.apkg import LoggedGrade, Memory, StudyCard
from ..domain.media import with_names
from ..domain.revlog import LoggedReview, ReviewSource
from ..models import NEW, Bank, Card, CardState, CardTag, Deck, Review, SchedulerSettings
from .media import bank_media_names

LEARN_AHEAD = dt.timedelta(minutes=20)  # Anki's default: show a learning card early when nothing else is due
LEARNING = (fsrs.State.Learning.value, fsrs.State.Relearning.value)
REVIEW = fsrs.State.Review.value


def settings_of(session: Session, user_id: int) -> scheduling.Settings:
    """The learner's scheduler settings (the defaults until they save their own)."""
    row = session.get(SchedulerSettings, user_id)
    if row is None:
        return scheduling.Settings()
    return scheduling.Settings(
        desired_retention=row.desired_retention,
        learning_steps_minutes=tuple(row.learning_steps_minutes),
        relearning_steps_minutes=tuple(row.relearning_steps_minutes),
        maximum_interval_days=row.maximum_interval_days,
        enable_fuzzing=row.enable_fuzzing,
        new_per_day=row.new_per_day,
        reviews_per_day=row.reviews_per_day,
        day_starts_at_hour=row.day_starts_at_hour,
        timezone=row.timezone,
        quiz_answers_feed_scheduler=row.quiz_answers_feed_scheduler,
        parameters=tuple(row.parameters),
    )


def timezone_of(session: Session, user_id: int) -> str:
    """The time zone the learner's times are shown in: the one of their scheduler settings (UTC until set)."""
    found = session.scalar(select(SchedulerSettings.timezone).where(SchedulerSettings.user_id == user_id))
    return found or scheduling.Settings.timezone


def fsrs_card(card_id: int, state: CardState | None, now: dt.datetime) -> fsrs.Card:
    """The py-fsrs card for a learner's state of a card (a new card, due now, when there is none)."""
    if state is None:
        return scheduling.new_card(card_id, now)
    return fsrs.Card(
        card_id=card_id,
        state=fsrs.State(state.state),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
    )


# --- decks --------------------------------------------------------------------------------------------


def decks_query(user_id: int) -> Select[tuple[Deck, Bank]]:
    return select(Deck, Bank).join(Bank, Bank.id == Deck.bank_id).where(Deck.user_id == user_id).order_by(Deck.id)


def bank_tags(session: Session, bank_id: int) -> list[str]:
    """Tags used by the bank's live cards, for narrowing a deck."""
    query = (
        select(CardTag.tag)
        .join(Card, Card.id == CardTag.card_id)
        .where(Card.bank_id == bank_id, Card.retired_at.is_(None))
        .distinct()
        .order_by(CardTag.tag)
    )
    return list(session.scalars(query))


# --- the study queue -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """What is left of a deck for the learner's day."""

    new: int  # new cards still to be introduced today (within the daily limit)
    learning: int  # cards in (re)learning that fall due today
    review: int  # review cards due today (within the daily limit)
    new_done: int
    reviews_done: int
    later: dt.datetime | None = None  # when the next learning card of today comes due, if one does

    @property
    def left(self) -> int:
        return self.new + self.learning + self.review


def _deck_cards(*, live: bool, tagged: bool) -> ColumnElement[bool]:
    """A WHERE clause on ``Card`` selecting a deck's cards (only those not retired, when ``live``), with bound
    parameters (``bank_id``, and ``tags`` when ``tagged``), so that a statement using it is built once and
    runs for any deck."""
    clauses = [Card.bank_id == bindparam("bank_id")]
    if live:
        clauses.append(Card.retired_at.is_(None))
    if tagged:
        clauses.append(exists().where(CardTag.card_id == Card.id, CardTag.tag.in_(bindparam("tags", expanding=True))))
    return and_(*clauses)


@lru_cache(maxsize=2)
def _counts_statement(tagged: bool) -> Select:
    """One statement for all of a deck's counts today: the study queue is on every card the learner sees."""

    studied = (  # grades given while studying today, to cards of the deck (retired ones too)
        select(
            func.count(case((Review.state_before == NEW, 1))).label("new_done"),
            func.count(case((Review.state_before == REVIEW, 1))).label("reviews_done"),
        )
        .join(Card, Card.id == Review.card_id)
        .where(
            Review.user_id == bindparam("user_id"),
            Review.reviewed_at >= bindparam("day_start"),
            Review.reviewed_at < bindparam("day_end"),
            Review.source == ReviewSource.STUDY.value,
            Review.state_before.in_((NEW, REVIEW)),
            _deck_cards(live=False, tagged=tagged),
        )
        .subquery()
    )
    today = CardState.due < bindparam("day_end")
    learning = and_(today, CardState.state.in_(LEARNING))
    states = (  # the learner's states of the deck's live cards: all of them, and those due today by kind
        select(
            func.count(CardState.id).label("seen"),
            func.count(case((learning, 1))).label("learning"),
            func.min(case((learning, CardState.due))).label("first_learning"),
            func.count(case((and_(today, CardState.state == REVIEW), 1))).label("review"),
        )
        .join(Card, Card.id == CardState.card_id)
        .where(CardState.user_id == bindparam("user_id"), _deck_cards(live=True, tagged=tagged))
        .subquery()
    )
    # Unseen cards are the deck's live cards less those the learner has a state for: a count on the
    # (bank_id, retired_at) index, rather than a probe of card_states for each card of the deck.
    deck_size = select(func.count(Card.id)).where(_deck_cards(live=True, tagged=tagged)).scalar_subquery()
    return select(
        studied.c.new_done,
        studied.c.reviews_done,
        states.c.learning,
        states.c.first_learning,
        states.c.review,
        deck_size - states.c.seen,
    ).select_from(studied.join(states, true()))


def _deck_parameters(deck: Deck) -> dict:
    return {"bank_id": deck.bank_id, "tags": list(deck.tags)} if deck.tags else {"bank_id": deck.bank_id}


@lru_cache(maxsize=2)
def _unseen_statement(tagged: bool) -> Select[tuple[Card]]:
    """The deck's first card the learner has never reviewed, in the order they were added (as Anki does)."""
    seen = exists().where(CardState.card_id == Card.id, CardState.user_id == bindparam("user_id"))
    return (
        select(Card)
        .where(_deck_cards(live=True, tagged=tagged), ~seen)
        .order_by(Card.id)
        .limit(1)
        .options(joinedload(Card.question))  # its faces are shown next
    )


def counts(session: Session, user_id: int, deck: Deck, settings: scheduling.Settings, now: dt.datetime) -> Counts:
    """How many cards of each kind are left in the deck today."""
    day = scheduling.learner_day(now, settings.timezone, settings.day_starts_at_hour)
    parameters = {"user_id": user_id, "day_start": day.start, "day_end": day.end}
    row = session.execute(_counts_statement(bool(deck.tags)), parameters | _deck_parameters(deck)).one()
    new_done, reviews_done, learning, first_learning, review, unseen = row
    allowed = max(0, settings.new_per_day - new_done)
    return Counts(
        new=min(unseen, allowed),
        learning=learning,
        review=max(0, min(review, settings.reviews_per_day - reviews_done)),
        new_done=new_done,
        reviews_done=reviews_done,
        later=first_learning if first_learning is not None and first_learning > now else None,
    )


def next_due(
    session: Session, user_id: int, deck: Deck, now: dt.datetime, day_end: dt.datetime, reviews_allowed: bool
) -> Row[tuple[CardState, Card]] | None:
    """The state and card that is due first: (re)learning cards due by ``now``, and review cards due today
    when the review limit allows. Walks the (user_id, due) index, so it stays fast however long the log."""
    parameters = {"user_id": user_id, "now": now, "day_end": day_end} | _deck_parameters(deck)
    return session.execute(next_due_statement(bool(deck.tags), reviews_allowed), parameters).first()


@lru_cache(maxsize=4)
def next_due_statement(tagged: bool, reviews_allowed: bool) -> Select[tuple[CardState, Card]]:
    """:func:`next_due`'s statement, built once per worker (the study queue runs it for every card shown),
    with parameters ``user_id``, ``now``, ``day_end`` and the deck's (see :func:`_deck_cards`)."""
    due_now = and_(CardState.state.in_(LEARNING), CardState.due <= bindparam("now"))
    if reviews_allowed:
        due_now = or_(due_now, CardState.state == REVIEW)
    return (
        select(CardState, Card)
        .join(Card, Card.id == CardState.card_id)
        .where(
            CardState.user_id == bindparam("user_id"),
            CardState.due < bindparam("day_end"),
            due_now,
            _deck_cards(live=True, tagged=tagged),
        )
        .order_by(CardState.due, CardState.id)
        .limit(1)
        .options(joinedload(Card.question))  # its faces are shown next
    )


@lru_cache(maxsize=2)
def _learn_ahead_statement(tagged: bool) -> Select[tuple[CardState, Card]]:
    return (
        select(CardState, Card)
        .join(Card, Card.id == CardState.card_id)
        .where(
            CardState.user_id == bindparam("user_id"),
            CardState.due <= bindparam("ahead"),
            CardState.state.in_(LEARNING),
            _deck_cards(live=True, tagged=tagged),
        )
        .order_by(CardState.due, CardState.id)
        .limit(1)
        .options(joinedload(Card.question))  # its faces are shown next
    )


@dataclass(frozen=True)
class Next:
    """The card to show next (``state`` is None for a new card) and the deck's counts."""

    card: Card | None
    state: CardState | None
    counts: Counts


def next_card(session: Session, user_id: int, deck: Deck, settings: scheduling.Settings, now: dt.datetime) -> Next:
    """The card to study next: due cards first, then new ones within today's limit, then learning cards
    a little early; none when the day's work is done."""
    day = scheduling.learner_day(now, settings.timezone, settings.day_starts_at_hour)
    c = counts(session, user_id, deck, settings, now)
    found = next_due(session, user_id, deck, now, day.end, c.review > 0)
    if found is not None:
        return Next(found[1], found[0], c)
    tagged, parameters = bool(deck.tags), {"user_id": user_id} | _deck_parameters(deck)
    if c.new > 0:
        card = session.scalars(_unseen_statement(tagged), parameters).first()
        if card is not None:
            return Next(card, None, c)
    found = session.execute(_learn_ahead_statement(tagged), parameters | {"ahead": now + LEARN_AHEAD}).first()
    if found is not None:
        return Next(found[1], found[0], c)
    return Next(None, None, c)


def card_in_deck(session: Session, deck: Deck, card_id: int, *, live: bool = True) -> Card | None:
    """The card ``card_id`` if it belongs to ``deck`` (and is not retired, when ``live``)."""
    parameters = {"card_id": card_id} | _deck_parameters(deck)
    return session.scalars(_card_in_deck_statement(bool(deck.tags), live), parameters).first()


@lru_cache(maxsize=4)
def _card_in_deck_statement(tagged: bool, live: bool) -> Select[tuple[Card]]:
    query = select(Card).where(Card.id == bindparam("card_id"), _deck_cards(live=live, tagged=tagged))
    return query.options(joinedload(Card.question))  # its faces are shown next


def card_state(session: Session, user_id: int, card_id: int) -> CardState | None:
    return session.scalars(_CARD_STATE, {"user_id": user_id, "card_id": card_id}).first()


_CARD_STATE = select(CardState).where(
    CardState.user_id == bindparam("user_id"), CardState.card_id == bindparam("card_id")
)


def last_study_review(session: Session, user_id: int, deck: Deck) -> Review | None:
    """The learner's latest grade while studying this deck: what Undo takes back."""
    parameters = {"user_id": user_id} | _deck_parameters(deck)
    return session.scalars(_last_study_review_statement(bool(deck.tags)), parameters).first()


@lru_cache(maxsize=2)
def _last_study_review_statement(tagged: bool) -> Select[tuple[Review]]:
    return (
        select(Review)
        .join(Card, Card.id == Review.card_id)
        .where(
            Review.user_id == bindparam("user_id"),
            Review.source == ReviewSource.STUDY,
            _deck_cards(live=False, tagged=tagged),
        )
        .order_by(Review.reviewed_at.desc(), Review.id.desc())
        .limit(1)
    )


# --- the review log ------------------------------------------------------------------------------------


def reviews_of(user_id: int) -> Select[tuple[Review]]:
    return select(Review).where(Review.user_id == user_id).order_by(Review.reviewed_at, Review.id)


def logged_reviews(session: Session, user_id: int) -> list[LoggedReview]:
    """The learner's whole review log, oldest first, in the revlog CSV's terms (card ids are ours)."""
    rows = session.execute(
        select(Review.card_id, Review.rating, Review.reviewed_at, Review.duration_ms)
        .where(Review.user_id == user_id)
        .order_by(Review.reviewed_at, Review.id)
    )
    return [LoggedReview(str(card_id), rating, time, duration) for card_id, rating, time, duration in rows]


def review_summary(session: Session, user_id: int, settings: scheduling.Settings) -> tuple[int, int]:
    """How many reviews the learner has, and on how many of their days: counted only once there are enough
    reviews to optimise (0 until then), and only up to the number of days that optimising needs, reading
    the reviews in small batches, so the settings page stays quick for long histories."""
    total = session.scalar(select(func.count()).select_from(Review).where(Review.user_id == user_id)) or 0
    if total < scheduling.MIN_REVIEWS_TO_OPTIMISE:
        return total, 0
    tz = ZoneInfo(settings.timezone)
    days: set[int] = set()
    times = session.scalars(
        select(Review.reviewed_at).where(Review.user_id == user_id).execution_options(yield_per=100)
    )
    try:
        for time in times:
            days.add(evaluation.learner_day(time, tz, settings.day_starts_at_hour))
            if len(days) >= scheduling.MIN_DAYS_TO_OPTIMISE:
                break
    finally:
        times.close()
    return total, len(days)


def account_data(session: Session, user_id: int) -> dict:
    """The learner's flashcard data for their account download: settings, decks, each card's memory state and
    the whole review log."""
    row = session.get(SchedulerSettings, user_id)
    settings = None
    if row is not None:
        columns = SchedulerSettings.__table__.columns
        settings = {c.name: getattr(row, c.name) for c in columns if c.name != "user_id"}
        for name in ("optimised_at", "updated_at"):
            settings[name] = settings[name].isoformat() if settings[name] else None
    decks = [
        {"id": deck.id, "bank": bank.slug, "tags": deck.tags, "created_at": deck.created_at.isoformat()}
        for deck, bank in session.execute(decks_query(user_id))
    ]
    reviews = [
        {
            "card_id": r.card_id,
            "rating": r.rating,
            "reviewed_at": r.reviewed_at.isoformat(),
            "duration_ms": r.duration_ms,
            "source": r.source,
            "state_before": r.before,
            "state_after": r.after,
        }
        for r in session.scalars(reviews_of(user_id))
    ]
    states = [
        {
            "card_id": c.card_id,
            "state": c.state,
            "step": c.step,
            "stability": c.stability,
            "difficulty": c.difficulty,
            "due": c.due.isoformat(),
            "last_review": c.last_review.isoformat() if c.last_review else None,
        }
        for c in session.scalars(select(CardState).where(CardState.user_id == user_id).order_by(CardState.card_id))
    ]
    return {"flashcards": {"scheduler_settings": settings, "decks": decks, "card_states": states, "reviews": reviews}}
    return {"flashcards": {"scheduler_settings": settings, "decks": decks, "reviews": reviews}}


# --- a learner's deck for Anki -------------------------------------------------------------------------


def _moment(snapshot: dict | None, key: str) -> dt.datetime | None:
    value = (snapshot or {}).get(key)
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None


def study_cards(session: Session, user_id: int, deck: Deck) -> list[StudyCard]:
    """The deck's live cards as the learner has them: each card's question, memory and review log (oldest
    first), in card order — what a *Download for Anki* package holds. Each question's images point at their
    files (``media/x.png``, the keys of :func:`~quizapp.queries.media.bank_media`), not at the stored images."""
    parameters = {"user_id": user_id} | _deck_parameters(deck)
    rows = session.execute(_study_cards_statement(bool(deck.tags)), parameters).all()
    reviews: dict[int, list[LoggedGrade]] = {}
    for review in session.scalars(_study_reviews_statement(bool(deck.tags)), parameters):
        reviews.setdefault(review.card_id, []).append(
            LoggedGrade(
                review.rating,
                review.reviewed_at,
                review.duration_ms,
                review.state_before,
                _moment(review.before, "due"),
                _moment(review.before, "last_review"),
                review.state_after,
                _moment(review.after, "due"),
            )
        )
    names = bank_media_names(session, deck.bank)
    cards = []
    for card, state in rows:
        memory = None
        if state is not None:
            memory = Memory(state.state, state.step, state.stability, state.difficulty, state.due, state.last_review)
        cards.append(
            StudyCard(with_names(card.question.content, names), card.gap, memory, tuple(reviews.get(card.id, ())))
        )
    return cards


@lru_cache(maxsize=2)
def _study_cards_statement(tagged: bool) -> Select[tuple[Card, CardState]]:
    own = and_(CardState.card_id == Card.id, CardState.user_id == bindparam("user_id"))
    query = select(Card, CardState).outerjoin(CardState, own).where(_deck_cards(live=True, tagged=tagged))
    return query.options(joinedload(Card.question)).order_by(Card.id)


@lru_cache(maxsize=2)
def _study_reviews_statement(tagged: bool) -> Select[tuple[Review]]:
    return (
        select(Review)
        .join(Card, Card.id == Review.card_id)
        .where(Review.user_id == bindparam("user_id"), _deck_cards(live=True, tagged=tagged))
        .order_by(Review.reviewed_at, Review.id)
    )
