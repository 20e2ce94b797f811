"""Flashcards: cards kept in step with the banks, decks, grading, undo, quiz answers, settings, the review
log's import and rebuild, and parameter fitting. Functions add and flush but never commit.

A grade is one transaction: the review row, the new card state and nothing else; if anything fails before
the caller commits, neither is kept. A grade carries a token (unique per learner), so the same grade
posted twice is applied once, and the version of the card state it was given for, so a grade for a card
that has been graded since is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import fsrs
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain import scheduling
from ..domain.cards import card_gaps
from ..domain.refusals import Conflict
from ..domain.revlog import LoggedReview, ReviewSource
from ..models import NEW, Card, CardState, CardTag, Deck, Question, Review, SchedulerSettings, User
from ..queries import cards as card_queries
from . import activity

MAX_DURATION_MS = 60_000  # like Anki, a card left on screen longer counts as a minute


class StaleGrade(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "This card has already been graded since this page was shown (with the browser's Back button, "
            "or in another tab), so this grade was not recorded. Here is the card that is due now."
        )


class CardRetired(Conflict):
    def __init__(self) -> None:
        super().__init__("This card's question has been removed from its bank, so it is no longer studied.")


class NotUndoable(Conflict):
    """Only the latest grade of a card, given while studying, by its learner, can be taken back."""


class GradeAlreadyRecorded(Conflict):
    """The same grade, posted twice at once, was recorded by the other request (PostgreSQL only: on SQLite
    writers take the write lock first, so the second post finds the first)."""

    def __init__(self) -> None:
        super().__init__("This grade has already been recorded.")


# --- cards kept in step with the banks -------------------------------------------------------------------


def sync_cards(session: Session, bank_id: int, now: dt.datetime) -> None:
    """Give every live question of the bank its cards (one per cloze gap), retire the cards of retired
    questions and vanished gaps, restore those that came back, and refresh the cards' tags."""
    wanted: dict[tuple[int, int], set[str]] = {}
    for qid, data in session.execute(
        select(Question.id, Question.data).where(Question.bank_id == bank_id, Question.retired_at.is_(None))
    ):
        content = json.loads(data)
        for gap in card_gaps(content):
            wanted[(qid, gap)] = set(content.get("tags") or ())
    existing = {
        (row.question_id, row.gap): row
        for row in session.execute(
            select(Card.id, Card.question_id, Card.gap, Card.retired_at).where(Card.bank_id == bank_id)
        )
    }
    new = [
        {"bank_id": bank_id, "question_id": q, "gap": g, "created_at": now} for q, g in wanted if (q, g) not in existing
    ]
    ids = {(row.question_id, row.gap): row.id for row in existing.values()}
    if new:
        returned = session.execute(
            insert(Card).returning(Card.id, Card.question_id, Card.gap, sort_by_parameter_order=True), new
        )
        ids.update({(q, g): cid for cid, q, g in returned})
    retire = [row.id for key, row in existing.items() if key not in wanted and row.retired_at is None]
    restore = [row.id for key, row in existing.items() if key in wanted and row.retired_at is not None]
    if retire:
        session.execute(update(Card).where(Card.id.in_(retire)).values(retired_at=now))
    if restore:
        session.execute(update(Card).where(Card.id.in_(restore)).values(retired_at=None))

    current: dict[int, set[str]] = defaultdict(set)
    for card_id, tag in session.execute(
        select(CardTag.card_id, CardTag.tag).join(Card, Card.id == CardTag.card_id).where(Card.bank_id == bank_id)
    ):
        current[card_id].add(tag)
    stale = {ids[key]: tags for key, tags in wanted.items() if current.get(ids[key], set()) != tags}
    if stale:
        session.execute(delete(CardTag).where(CardTag.card_id.in_(sorted(stale))))
        rows = [{"card_id": card_id, "tag": tag} for card_id, tags in stale.items() for tag in sorted(tags)]
        if rows:
            session.execute(insert(CardTag), rows)
    session.flush()


def restart_memory(session: Session, question_ids: Sequence[int], now: dt.datetime) -> int:
    """Restart every learner's memory of these questions' cards: their questions changed what is right, so
    what they remembered no longer holds. Each card state is removed (the card is new again) and the card
    records when; the reviews stay in the log, but rebuilding a state replays only those since. Returns the
    card states removed."""
    if not question_ids:
        return 0
    removed = 0
    ids = sorted(question_ids)
    for start in range(0, len(ids), 500):
        cards = select(Card.id).where(Card.question_id.in_(ids[start : start + 500]))
        session.execute(update(Card).where(Card.id.in_(cards)).values(memory_reset_at=now))
        removed += session.execute(delete(CardState).where(CardState.card_id.in_(cards))).rowcount or 0
    session.flush()
    return removed


# --- decks -----------------------------------------------------------------------------------------------


def create_deck(session: Session, user: User, bank_id: int, tags: Sequence[str], now: dt.datetime) -> Deck:
    """The learner's deck of this bank narrowed to these tags; the existing one if they already have it."""
    wanted = sorted(set(tags))
    for deck in session.scalars(select(Deck).where(Deck.user_id == user.id, Deck.bank_id == bank_id)):
        if sorted(deck.tags) == wanted:
            return deck
    deck = Deck(user_id=user.id, bank_id=bank_id, tags=wanted, created_at=now)
    session.add(deck)
    session.flush()
    return deck


def delete_deck(session: Session, deck: Deck) -> None:
    """Remove a deck; the progress on its cards is the learner's and stays."""
    session.delete(deck)
    session.flush()


# --- settings --------------------------------------------------------------------------------------------


def save_settings(session: Session, user: User, settings: scheduling.Settings, now: dt.datetime) -> SchedulerSettings:
    """Store the learner's settings (validated first: :class:`scheduling.SettingsError` lists every problem)."""
    settings.validated()
    before = card_queries.settings_of(session, user.id)
    row = session.get(SchedulerSettings, user.id)
    if row is None:
        row = SchedulerSettings(user_id=user.id)
        session.add(row)
    values = asdict(settings)
    for name in ("learning_steps_minutes", "relearning_steps_minutes", "parameters"):
        values[name] = list(values[name])
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    session.flush()
    if (before.timezone, before.day_starts_at_hour) != (settings.timezone, settings.day_starts_at_hour):
        activity.rebuild(session, user.id, settings)  # the learner's days are no longer where they were
    return row


# --- grading ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Graded:
    review: Review
    duplicate: bool  # the same grade had already been recorded: nothing changed


def _snapshot(card: fsrs.Card) -> dict:
    data = dict(card.to_dict())
    data.pop("card_id")
    return data


def _apply(state: CardState, card: fsrs.Card) -> None:
    state.state = card.state.value
    state.step = card.step
    state.stability = card.stability
    state.difficulty = card.difficulty
    state.due = card.due
    state.last_review = card.last_review


def grade(
    session: Session,
    user: User,
    card: Card,
    rating: int,
    now: dt.datetime,
    *,
    token: str,
    version: int | None = None,
    duration_ms: int | None = None,
    source: ReviewSource = ReviewSource.STUDY,
    scheduler: fsrs.Scheduler | None = None,
) -> Graded:
    """Grade ``card`` for ``user`` at ``now``: append the review and move the card state on.

    ``version`` is the card state's version the grade was given for (0 for a new card); a different one
    raises :class:`StaleGrade`. A grade whose ``token`` is already recorded is not applied again; one
    recorded by a concurrent request meanwhile raises :class:`GradeAlreadyRecorded`.
    """
    if rating not in (1, 2, 3, 4):
        raise ValueError(f"rating must be 1 to 4, not {rating!r}")
    recorded = select(Review).where(Review.user_id == user.id, Review.token == token)
    existing = session.scalars(recorded).first()
    if existing is not None:
        return _recorded(existing, card, rating)
    if card.retired_at is not None:
        raise CardRetired()
    state = _state_for_update(session, user, card)
    if state is None and session.get_bind().dialect.name != "sqlite":
        # A first grade has no card state to lock, so two first grades of one card (two tabs) could both get
        # here and the second would then fail on the state's unique key. Take the learner's row lock and look
        # again. (On SQLite the transaction already holds the write lock: BEGIN IMMEDIATE.)
        session.execute(select(User.id).where(User.id == user.id).with_for_update())
        existing = session.scalars(recorded).first()
        if existing is not None:
            return _recorded(existing, card, rating)
        state = _state_for_update(session, user, card)
    if version is not None and version != (state.version if state else 0):
        # The same grade posted twice at once: the lock above waited for the other request, which recorded it.
        existing = session.scalars(recorded).first()
        if existing is not None:
            return _recorded(existing, card, rating)
        raise StaleGrade()
    counted = source != ReviewSource.QUIZ  # a quiz's reviews are counted as its answers
    settings = card_queries.settings_of(session, user.id) if scheduler is None or counted else None
    if scheduler is None:
        scheduler = scheduling.make_scheduler(settings)
    before = card_queries.fsrs_card(card.id, state, now)
    after, _log = scheduling.review(scheduler, before, fsrs.Rating(rating), now, duration_ms)
    review = Review(
        user_id=user.id,
        card_id=card.id,
        rating=rating,
        reviewed_at=now,
        duration_ms=None if duration_ms is None else max(0, min(duration_ms, MAX_DURATION_MS)),
        state_before=NEW if state is None else state.state,
        state_after=after.state.value,
        before=None if state is None else _snapshot(before),
        after=_snapshot(after),
        source=source,
        token=token,
    )
    session.add(review)
    try:
        session.flush()  # the token's unique constraint settles a race between two posts of the same grade
    except IntegrityError:
        raise GradeAlreadyRecorded() from None  # the transaction is spoilt: the caller rolls back
    if state is None:
        state = CardState(user_id=user.id, card_id=card.id, version=0)
        session.add(state)
    _apply(state, after)
    state.version += 1
    session.flush()
    if counted:
        activity.record_review(session, review, card.bank_id, activity.question_tags(card.question.data), settings)
    return Graded(review, duplicate=False)


def _recorded(existing: Review, card: Card, rating: int) -> Graded:
    """The grade with this token is already recorded: the same grade posted again counts once, but another
    grade from the same page (the page kept by the browser, shown again with its Back button) is stale."""
    if existing.card_id != card.id or existing.rating != rating:
        raise StaleGrade()
    return Graded(existing, duplicate=True)


def _state_for_update(session: Session, user: User, card: Card) -> CardState | None:
    """The learner's state of ``card``, locked until the transaction ends (PostgreSQL; see :mod:`quizapp.database`)."""
    return session.scalars(
        select(CardState).where(CardState.user_id == user.id, CardState.card_id == card.id).with_for_update()
    ).first()


def undo(session: Session, user: User, review: Review) -> Card:
    """Take back a grade given while studying: the card state returns to what it was, the row goes.

    Only the latest review of its card can be undone (the state before it is the card's state now)."""
    if review.user_id != user.id:
        raise NotUndoable("That grade is not yours to undo.")
    if review.source != ReviewSource.STUDY:
        raise NotUndoable("Only grades given while studying can be undone.")
    latest = session.scalars(
        select(Review.id)
        .where(Review.user_id == user.id, Review.card_id == review.card_id)
        .order_by(Review.reviewed_at.desc(), Review.id.desc())
        .limit(1)
    ).first()
    if latest != review.id:
        raise NotUndoable("This card has been graded again since, so that grade can no longer be undone.")
    restarted = session.scalar(select(Card.memory_reset_at).where(Card.id == review.card_id))
    if restarted is not None and review.reviewed_at < restarted:
        raise NotUndoable("This card's question has changed what is right since, so the card starts afresh.")
    state = session.scalars(
        select(CardState).where(CardState.user_id == user.id, CardState.card_id == review.card_id).with_for_update()
    ).first()
    card = session.get(Card, review.card_id)
    settings = card_queries.settings_of(session, user.id)
    activity.forget_review(session, review, card.bank_id, activity.question_tags(card.question.data), settings)
    if state is not None:
        if review.before is None:
            session.delete(state)
        else:
            restored = fsrs.Card.from_dict({"card_id": review.card_id, **review.before})
            _apply(state, restored)
            state.version += 1
    session.delete(review)
    session.flush()
    return card


def record_quiz_outcome(
    session: Session, user: User, question: Question, correct: bool, now: dt.datetime, *, token: str
) -> list[Review]:
    """Let a quiz answer feed the learner's memory model: Good for each of the question's cards when the
    answer was right, Again when wrong — if the learner's settings allow. ``token`` names the quiz answer,
    so recording the same answer again changes nothing. Returns the reviews recorded (none when off)."""
    settings = card_queries.settings_of(session, user.id)
    if not settings.quiz_answers_feed_scheduler:
        return []
    cards = session.scalars(
        select(Card).where(Card.question_id == question.id, Card.retired_at.is_(None)).order_by(Card.gap)
    ).all()
    scheduler = scheduling.make_scheduler(settings)
    rating = fsrs.Rating.Good if correct else fsrs.Rating.Again
    if len(token) > 60:  # keep within the column, whatever the caller names its answers by
        token = hashlib.sha256(token.encode()).hexdigest()[:40]
    graded = [
        grade(
            session,
            user,
            card,
            rating,
            now,
            token=f"quiz:{token}:{card.gap}",
            source=ReviewSource.QUIZ,
            scheduler=scheduler,
        )
        for card in cards
    ]
    return [g.review for g in graded]


# --- the review log --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedLog:
    added: int
    already_there: int
    cards: int


def unknown_cards(session: Session, reviews: Sequence[tuple[int, LoggedReview]], filename: str) -> list[str]:
    """A problem (``file:line: …``) for every row whose card_id names no card."""
    problems, wanted = [], set()
    for _line, r in reviews:
        if r.card_id.isdigit():
            wanted.add(int(r.card_id))
    known = set()
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 500):
        known.update(session.scalars(select(Card.id).where(Card.id.in_(ordered[start : start + 500]))))
    for line, r in reviews:
        if not r.card_id.isdigit() or int(r.card_id) not in known:
            problems.append(f"{filename}:{line}: card_id {r.card_id} is not a card of this site")
    return problems


def _import_token(r: LoggedReview) -> str:
    digest = hashlib.sha256(f"{r.card_id}|{r.time.isoformat()}|{r.rating}".encode()).hexdigest()[:40]
    return f"import:{digest}"


def import_reviews(session: Session, user: User, reviews: Sequence[LoggedReview]) -> ImportedLog:
    """Add reviews from a log (their cards must exist; see :func:`unknown_cards`) and rebuild the state of
    every card they touch from its whole log. A review already in the log (same card, time and rating)
    is skipped, so importing a file twice adds nothing the second time."""
    tokens = {_import_token(r): r for r in reviews}
    present = set()
    keys = list(tokens)
    for start in range(0, len(keys), 500):
        present.update(
            session.scalars(
                select(Review.token).where(Review.user_id == user.id, Review.token.in_(keys[start : start + 500]))
            )
        )
    rows = [
        {
            "user_id": user.id,
            "card_id": int(r.card_id),
            "rating": r.rating,
            "reviewed_at": r.time,
            "duration_ms": r.duration_ms,
            "state_before": NEW,  # set by the rebuild below
            "state_after": NEW,
            "before": None,
            "after": {},
            "source": ReviewSource.IMPORT,
            "token": token,
        }
        for token, r in tokens.items()
        if token not in present
    ]
    if rows:
        session.execute(insert(Review), rows)
    cards = {row["card_id"] for row in rows}
    rebuild_states(session, user, cards)
    if rows:  # replaying the touched cards may change what their earlier reviews count as, too
        activity.rebuild(session, user.id, card_queries.settings_of(session, user.id))
    return ImportedLog(len(rows), len(reviews) - len(rows), len(cards))


def rebuild_states(session: Session, user: User, card_ids: set[int] | None = None) -> int:
    """Recompute card states, and each review's before and after, from the review log alone, replaying it
    with the learner's current scheduler (as py-fsrs's ``reschedule_card`` does). Returns the cards rebuilt."""
    scheduler = scheduling.make_scheduler(card_queries.settings_of(session, user.id), fuzzing=False)
    query = select(Review).where(Review.user_id == user.id).order_by(Review.card_id, Review.reviewed_at, Review.id)
    if card_ids is not None:
        if not card_ids:
            return 0
        query = query.where(Review.card_id.in_(sorted(card_ids)))
    by_card: dict[int, list[Review]] = defaultdict(list)
    for review in session.scalars(query):
        by_card[review.card_id].append(review)
    states = {
        s.card_id: s
        for s in session.scalars(
            select(CardState).where(CardState.user_id == user.id, CardState.card_id.in_(sorted(by_card)))
        )
    }
    restarts = dict(
        session.execute(
            select(Card.id, Card.memory_reset_at).where(Card.id.in_(sorted(by_card)), Card.memory_reset_at.is_not(None))
        ).all()
    )
    for card_id, reviews in by_card.items():
        card: fsrs.Card | None = None
        restart = restarts.get(card_id)
        for review in reviews:
            if restart is not None and card is not None and review.reviewed_at >= restart > card.last_review:
                card = None  # the card's question changed what is right here: its memory starts afresh
            before = card if card is not None else scheduling.new_card(card_id, review.reviewed_at)
            after, _ = scheduling.review(scheduler, before, fsrs.Rating(review.rating), review.reviewed_at)
            review.state_before = NEW if card is None else card.state.value
            review.before = None if card is None else _snapshot(card)
            review.state_after = after.state.value
            review.after = _snapshot(after)
            card = after
        state = states.get(card_id)
        if restart is not None and card is not None and card.last_review < restart:
            if state is not None:  # every review came before the restart: the card is new
                session.delete(state)
            continue
        if state is None:
            state = CardState(user_id=user.id, card_id=card_id, version=0)
            session.add(state)
        _apply(state, card)
        state.version += 1
    session.flush()
    return len(by_card)


# --- fitting ---------------------------------------------------------------------------------------------


def optimise(session: Session, user: User, now: dt.datetime) -> scheduling.Optimisation:
    """Fit the learner's FSRS-6 parameters to their review log; keep them only if they predict the log
    better than the current ones. Raises :class:`scheduling.NotEnoughReviews` when the log is too short."""
    settings = card_queries.settings_of(session, user.id)
    reviews = card_queries.logged_reviews(session, user.id)
    result = scheduling.optimise(reviews, settings.parameters, settings.timezone, settings.day_starts_at_hour)
    if result.improved:
        settings = scheduling.with_parameters(settings, result.parameters)
    row = save_settings(session, user, settings, now)
    if result.improved:
        row.optimised_at = now
    row.optimisation = {
        "at": now.isoformat(),
        "kept": result.improved,
        "log_loss_before": result.log_loss_before,
        "log_loss_after": result.log_loss_after,
        "rmse_before": result.rmse_before,
        "rmse_after": result.rmse_after,
        "reviews": result.reviews,
        "days": result.days,
    }
    session.flush()
    return result
