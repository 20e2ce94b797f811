"""Flashcard operations: cards kept in step with the banks, grading against py-fsrs, daily limits in the
learner's day, undo, quiz answers, the review log's import and rebuild. Pinned UTC datetimes throughout."""

from __future__ import annotations

import datetime as dt

import fsrs
import pytest
from sqlalchemy import func, select

from quizapp.domain import scheduling
from quizapp.domain.banks import parse_bank
from quizapp.domain.revlog import LoggedReview
from quizapp.extensions import db, passwords
from quizapp.models import NEW, Card, CardState, Question, Review, User, utcnow
from quizapp.operations import cards as ops
from quizapp.operations import create_user, import_bank
from quizapp.queries import cards as card_queries

from .conftest import DATA, PASSWORD, bank_yaml

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
ALL_TYPES = (DATA / "banks" / "all-types.yaml").read_text()


@pytest.fixture
def ctx(app):
    """One app context for the whole test; the factories below share its session (SQLite holds the write
    lock for an open transaction, so a second session would wait for it)."""
    with app.app_context():
        yield db.session


@pytest.fixture
def make_bank(ctx):
    def _make(text: str | None = None, **kwargs):
        source = (text if text is not None else bank_yaml(**kwargs)).encode()
        result = import_bank(db.session, parse_bank(source, "bank.yaml"), source, "bank.yaml", utcnow())
        db.session.commit()
        return result

    return _make


@pytest.fixture
def make_user(ctx):
    def _make(login: str) -> int:
        made = create_user(db.session, login, PASSWORD, "learner", passwords=passwords(), now=utcnow())
        db.session.commit()
        return made.id

    return _make


@pytest.fixture
def learner(make_user):
    return make_user("learner")


def user(user_id: int) -> User:
    return db.session.get(User, user_id)


def cards_of(bank_slug: str = "all-types") -> dict[tuple[str, int], Card]:
    rows = db.session.execute(select(Card, Question.key).join(Question).order_by(Card.id)).all()
    return {(key, card.gap): card for card, key in rows}


def save(user_id: int, **changes) -> scheduling.Settings:
    settings = scheduling.Settings(**{"enable_fuzzing": False, **changes})
    ops.save_settings(db.session, user(user_id), settings, NOW)
    db.session.commit()
    return settings


def make_deck(user_id: int, tags=()):
    bank_id = db.session.scalar(select(Card.bank_id).limit(1))
    deck = ops.create_deck(db.session, user(user_id), bank_id, list(tags), NOW)
    db.session.commit()
    return deck


def grade(user_id: int, card: Card, rating: int, when: dt.datetime, token: str | None = None, **kwargs):
    result = ops.grade(
        db.session, user(user_id), card, rating, when, token=token or f"t-{card.id}-{when.isoformat()}", **kwargs
    )
    db.session.commit()
    return result


# --- cards from the banks ------------------------------------------------------------------------------


def test_every_question_is_a_card_and_every_cloze_gap_its_own(make_bank, ctx):
    make_bank(ALL_TYPES)
    keys = set(cards_of())
    assert keys == {
        ("single-1", 0),
        ("multiple-1", 0),
        ("tf-1", 0),
        ("short-1", 0),
        ("numeric-1", 0),
        ("cloze-1", 1),
        ("cloze-1", 2),
        ("matching-1", 0),
        ("ordering-1", 0),
        ("card-1", 0),
    }


def test_a_reworded_question_keeps_its_card_and_the_learners_progress(make_bank, learner, ctx):
    make_bank(bank_yaml())
    card = cards_of()[("q1", 0)]
    grade(learner, card, 3, NOW)
    before = card_queries.card_state(db.session, learner, card.id)
    snapshot = (before.state, before.stability, before.due, before.version)

    make_bank(bank_yaml(questions=bank_yaml().split("questions:", 1)[1].replace("First question?", "Reworded?")))
    db.session.expire_all()
    again = cards_of()[("q1", 0)]
    assert again.id == card.id and again.retired_at is None
    assert again.question.content["prompt"] == "Reworded?"
    state = card_queries.card_state(db.session, learner, card.id)
    assert (state.state, state.stability, state.due, state.version) == snapshot
    assert db.session.scalar(select(func.count()).select_from(Review)) == 1


def test_a_retired_question_is_no_longer_shown_but_keeps_its_history(make_bank, learner, ctx):
    make_bank(bank_yaml())
    deck = make_deck(learner)
    card = cards_of()[("q1", 0)]
    grade(learner, card, 1, NOW)  # Again: a learning card, due in a minute
    later = NOW + dt.timedelta(minutes=5)
    assert card_queries.next_card(db.session, learner, deck, scheduling.Settings(), later).card.id == card.id

    without_q1 = bank_yaml().split("questions:", 1)[1].split("  - id: q2", 1)[1]
    make_bank(bank_yaml(questions="\n  - id: q2" + without_q1))
    db.session.expire_all()
    assert cards_of()[("q1", 0)].retired_at is not None
    nxt = card_queries.next_card(db.session, learner, deck, scheduling.Settings(), later)
    assert nxt.card.id != card.id and nxt.counts.learning == 0
    assert db.session.scalar(select(func.count()).select_from(Review).where(Review.card_id == card.id)) == 1
    assert card_queries.card_state(db.session, learner, card.id) is not None
    with pytest.raises(ops.CardRetired):
        grade(learner, db.session.get(Card, card.id), 3, later)

    make_bank(bank_yaml())  # put back: the card and its progress return
    db.session.expire_all()
    assert cards_of()[("q1", 0)].retired_at is None
    assert card_queries.next_card(db.session, learner, deck, scheduling.Settings(), later).card.id == card.id


def test_a_cloze_gap_that_disappears_retires_its_card(make_bank, ctx):
    two = '\n  - id: c\n    type: cloze\n    prompt: "A {{c1::b}} and {{c2::d}}."\n'
    one = '\n  - id: c\n    type: cloze\n    prompt: "A {{c1::b}} and d."\n'
    make_bank(bank_yaml(questions=two))
    make_bank(bank_yaml(questions=one))
    db.session.expire_all()
    cards = cards_of()
    assert cards[("c", 1)].retired_at is None and cards[("c", 2)].retired_at is not None


def test_a_deck_narrowed_by_tags_holds_only_those_questions(make_bank, learner, ctx):
    questions = """
  - id: a
    type: flashcard
    front: "A"
    back: "a"
    tags: [alpha]
  - id: b
    type: flashcard
    front: "B"
    back: "b"
    tags: [beta]
  - id: c
    type: flashcard
    front: "C"
    back: "c"
    tags: [alpha, beta]
"""
    make_bank(bank_yaml(questions=questions, tags="[alpha, beta]"))
    deck = make_deck(learner, ["alpha"])
    counts = card_queries.counts(db.session, learner, deck, scheduling.Settings(), NOW)
    assert counts.new == 2
    assert card_queries.bank_tags(db.session, deck.bank_id) == ["alpha", "beta"]
    make_bank(bank_yaml(questions=questions.replace("tags: [alpha, beta]", "tags: [beta]"), tags="[alpha, beta]"))
    assert card_queries.counts(db.session, learner, deck, scheduling.Settings(), NOW).new == 1


# --- grading -------------------------------------------------------------------------------------------


def test_grading_follows_py_fsrs_with_fuzzing_off(make_bank, learner, ctx):
    make_bank(ALL_TYPES)
    save(learner)
    card = cards_of()[("single-1", 0)]
    theirs = fsrs.Scheduler(enable_fuzzing=False)
    reference = fsrs.Card(card_id=card.id, due=NOW)
    when = NOW
    for rating in (3, 3, 1, 3, 4, 2):
        result = grade(learner, card, rating, when, duration_ms=4000)
        reference, _ = theirs.review_card(reference, fsrs.Rating(rating), review_datetime=when)
        state = card_queries.card_state(db.session, learner, card.id)
        ours = card_queries.fsrs_card(card.id, state, when)
        assert ours.to_dict() == reference.to_dict()
        assert result.review.after == {k: v for k, v in reference.to_dict().items() if k != "card_id"}
        when = reference.due
    reviews = db.session.scalars(card_queries.reviews_of(learner)).all()
    assert [r.rating for r in reviews] == [3, 3, 1, 3, 4, 2]
    assert reviews[0].state_before == NEW and reviews[0].before is None
    assert [r.state_after for r in reviews[:3]] == [1, 2, 3]  # learning, review, relearning after the lapse
    assert all(r.duration_ms == 4000 and r.source == "study" for r in reviews)
    assert state.version == 6

    # The log is the source of truth: the state rebuilt from it alone is the same.
    db.session.delete(state)
    db.session.commit()
    assert ops.rebuild_states(db.session, user(learner)) == 1
    db.session.commit()
    rebuilt = card_queries.fsrs_card(card.id, card_queries.card_state(db.session, learner, card.id), NOW)
    assert rebuilt.to_dict() == reference.to_dict()


def test_a_grade_posted_twice_is_applied_once(make_bank, learner, ctx):
    make_bank(ALL_TYPES)
    card = cards_of()[("card-1", 0)]
    first = grade(learner, card, 3, NOW, token="same-token-123456", version=0)
    second = grade(learner, card, 3, NOW + dt.timedelta(seconds=1), token="same-token-123456", version=0)
    assert not first.duplicate and second.duplicate and second.review.id == first.review.id
    assert db.session.scalar(select(func.count()).select_from(Review)) == 1
    assert card_queries.card_state(db.session, learner, card.id).version == 1


def test_a_stale_grade_is_refused(make_bank, learner, ctx):
    make_bank(ALL_TYPES)
    card = cards_of()[("card-1", 0)]
    grade(learner, card, 3, NOW, version=0)  # in one tab
    with pytest.raises(ops.StaleGrade):
        grade(learner, card, 1, NOW + dt.timedelta(seconds=5), version=0)  # the other tab showed the new card
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Review)) == 1


def test_each_learner_has_their_own_progress(make_bank, make_user, learner, ctx):
    make_bank(ALL_TYPES)
    other = make_user("other")
    card = cards_of()[("card-1", 0)]
    grade(learner, card, 4, NOW)
    assert card_queries.card_state(db.session, other, card.id) is None
    grade(other, card, 1, NOW, token="other-token-12345678")
    assert card_queries.card_state(db.session, learner, card.id).state == fsrs.State.Review
    assert card_queries.card_state(db.session, other, card.id).state == fsrs.State.Learning


# --- the learner's day and daily limits ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "before_rollover"),
    [
        ("UTC", "2026-03-02T03:59:00"),  # 04:00 local = 04:00 UTC
        ("Asia/Tokyo", "2026-03-02T18:59:00"),  # 04:00 JST = 19:00 UTC the day before
        ("America/New_York", "2026-03-08T07:59:00"),  # the night clocks go forward: 04:00 EDT = 08:00 UTC
        ("Europe/London", "2026-07-01T02:59:00"),  # summer time: 04:00 BST = 03:00 UTC
    ],
)
def test_the_new_card_limit_resets_when_the_learners_day_rolls_over(make_bank, learner, ctx, timezone, before_rollover):
    make_bank(
        bank_yaml(questions="".join(f'\n  - {{id: f{i}, type: flashcard, front: "F{i}", back: "B"}}' for i in range(6)))
    )
    settings = save(learner, new_per_day=2, timezone=timezone, day_starts_at_hour=4)
    deck = make_deck(learner)
    late = dt.datetime.fromisoformat(before_rollover).replace(tzinfo=dt.UTC)
    evening = late - dt.timedelta(hours=3)
    for k in range(2):
        nxt = card_queries.next_card(db.session, learner, deck, settings, evening)
        assert nxt.state is None and nxt.counts.new == 2 - k
        grade(learner, nxt.card, 4, evening + dt.timedelta(minutes=k))  # Easy: straight to review, days away
    at_limit = card_queries.counts(db.session, learner, deck, settings, late)
    assert (at_limit.new, at_limit.new_done) == (0, 2)
    assert card_queries.next_card(db.session, learner, deck, settings, late).card is None

    new_day = late + dt.timedelta(minutes=1)
    fresh = card_queries.counts(db.session, learner, deck, settings, new_day)
    assert (fresh.new, fresh.new_done) == (2, 0)
    assert card_queries.next_card(db.session, learner, deck, settings, new_day).state is None


def test_review_cards_come_due_at_the_start_of_their_day_within_the_review_limit(make_bank, learner, ctx):
    make_bank(
        bank_yaml(questions="".join(f'\n  - {{id: f{i}, type: flashcard, front: "F{i}", back: "B"}}' for i in range(3)))
    )
    settings = save(learner, reviews_per_day=2, timezone="Europe/Paris", day_starts_at_hour=4)
    deck = make_deck(learner)
    first = NOW.replace(hour=15)  # 16:00 in Paris
    for card in db.session.scalars(select(Card)).all():
        grade(learner, card, 4, first)  # Easy: due some days later, at about 16:00
    due = card_queries.card_state(db.session, learner, db.session.scalar(select(Card.id).limit(1))).due
    morning = due.replace(hour=3, minute=30)  # 04:30 in Paris on the day the cards fall due, hours before 16:00
    counts = card_queries.counts(db.session, learner, deck, settings, morning)
    assert (counts.review, counts.new) == (2, 0)  # three are due; the limit allows two
    for k in range(2):
        nxt = card_queries.next_card(db.session, learner, deck, settings, morning + dt.timedelta(minutes=k))
        assert nxt.state is not None and nxt.state.state == fsrs.State.Review
        grade(learner, nxt.card, 3, morning + dt.timedelta(minutes=k))
    done = card_queries.next_card(db.session, learner, deck, settings, morning + dt.timedelta(minutes=5))
    assert done.card is None and done.counts.reviews_done == 2
    before_the_day = due.replace(hour=2, minute=30)  # 03:30 in Paris: still the previous learner's day
    assert card_queries.counts(db.session, learner, deck, settings, before_the_day).review == 0


def test_learning_cards_come_back_in_minutes_and_may_be_shown_a_little_early(make_bank, learner, ctx):
    make_bank(bank_yaml(questions='\n  - {id: f, type: flashcard, front: "F", back: "B"}'))
    settings = save(learner)
    deck = make_deck(learner)
    card = db.session.scalar(select(Card))
    grade(learner, card, 3, NOW)  # Good on a new card: the 10-minute step
    nxt = card_queries.next_card(db.session, learner, deck, settings, NOW + dt.timedelta(seconds=1))
    assert nxt.card.id == card.id and nxt.counts.learning == 1  # nothing else left: 20 minutes' learn-ahead
    assert nxt.counts.later == NOW + dt.timedelta(minutes=10)


# --- undo ----------------------------------------------------------------------------------------------


def test_undo_restores_the_card_and_removes_the_review(make_bank, learner, ctx):
    make_bank(ALL_TYPES)
    save(learner)
    deck = make_deck(learner)
    card = cards_of()[("card-1", 0)]
    grade(learner, card, 3, NOW)
    state = card_queries.card_state(db.session, learner, card.id)
    kept = (state.state, state.step, state.stability, state.difficulty, state.due, state.last_review)
    grade(learner, card, 1, NOW + dt.timedelta(minutes=10))

    last = card_queries.last_study_review(db.session, learner, deck)
    assert last.rating == 1
    ops.undo(db.session, user(learner), last)
    db.session.commit()
    state = card_queries.card_state(db.session, learner, card.id)
    assert (state.state, state.step, state.stability, state.difficulty, state.due, state.last_review) == kept
    assert state.version == 3  # grade, grade, undo: a page shown before the undo is stale
    assert [r.rating for r in db.session.scalars(card_queries.reviews_of(learner))] == [3]

    ops.undo(db.session, user(learner), card_queries.last_study_review(db.session, learner, deck))
    db.session.commit()
    assert card_queries.card_state(db.session, learner, card.id) is None  # new again
    assert card_queries.last_study_review(db.session, learner, deck) is None


def test_only_the_latest_grade_of_a_card_from_studying_can_be_undone(make_bank, make_user, learner, ctx):
    make_bank(ALL_TYPES)
    card = cards_of()[("card-1", 0)]
    first = grade(learner, card, 3, NOW).review
    grade(learner, card, 3, NOW + dt.timedelta(minutes=10))
    with pytest.raises(ops.NotUndoable, match="graded again"):
        ops.undo(db.session, user(learner), first)
    quiz = ops.record_quiz_outcome(
        db.session, user(learner), card.question, True, NOW + dt.timedelta(days=1), token="q1"
    )[0]
    with pytest.raises(ops.NotUndoable, match="while studying"):
        ops.undo(db.session, user(learner), quiz)
    with pytest.raises(ops.NotUndoable, match="not yours"):
        ops.undo(db.session, user(make_user("someone")), quiz)


# --- quiz answers ----------------------------------------------------------------------------------------


def test_quiz_answers_feed_the_memory_model(make_bank, learner, ctx):
    make_bank(ALL_TYPES)
    save(learner)
    cards = cards_of()
    single = cards[("single-1", 0)].question
    [wrong] = ops.record_quiz_outcome(db.session, user(learner), single, False, NOW, token="answer-1")
    db.session.commit()
    assert (wrong.rating, wrong.source, wrong.state_before) == (1, "quiz", NEW)
    state = card_queries.card_state(db.session, learner, cards[("single-1", 0)].id)
    reference, _ = fsrs.Scheduler(enable_fuzzing=False).review_card(
        fsrs.Card(card_id=state.card_id, due=NOW), fsrs.Rating.Again, review_datetime=NOW
    )
    assert card_queries.fsrs_card(state.card_id, state, NOW).to_dict() == reference.to_dict()

    later = NOW + dt.timedelta(hours=1)
    [right] = ops.record_quiz_outcome(db.session, user(learner), single, True, later, token="answer-2")
    assert right.rating == 3 and right.state_before == fsrs.State.Learning
    # The same quiz answer recorded again changes nothing.
    assert ops.record_quiz_outcome(db.session, user(learner), single, True, later, token="answer-2")[0].id == right.id
    long_name = "attempt-" + "x" * 200
    [first] = ops.record_quiz_outcome(db.session, user(learner), single, True, later, token=long_name)
    assert ops.record_quiz_outcome(db.session, user(learner), single, True, later, token=long_name)[0].id == first.id
    db.session.delete(first)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Review)) == 2

    # A cloze question's answer counts for each of its gaps.
    cloze = cards[("cloze-1", 1)].question
    reviews = ops.record_quiz_outcome(db.session, user(learner), cloze, True, later, token="answer-3")
    assert sorted(r.card_id for r in reviews) == sorted([cards[("cloze-1", 1)].id, cards[("cloze-1", 2)].id])
    db.session.commit()


def test_quiz_answers_leave_the_cards_alone_when_the_learner_says_so(make_bank, learner, ctx):
    make_bank(ALL_TYPES)
    save(learner, quiz_answers_feed_scheduler=False)
    question = cards_of()[("single-1", 0)].question
    assert ops.record_quiz_outcome(db.session, user(learner), question, False, NOW, token="answer-1") == []
    assert db.session.scalar(select(func.count()).select_from(CardState)) == 0


def test_quiz_answers_do_not_use_up_the_new_card_limit(make_bank, learner, ctx):
    make_bank(ALL_TYPES)
    settings = save(learner, new_per_day=1)
    deck = make_deck(learner)
    question = cards_of()[("single-1", 0)].question
    ops.record_quiz_outcome(db.session, user(learner), question, True, NOW, token="answer-1")
    db.session.commit()
    counts = card_queries.counts(db.session, learner, deck, settings, NOW)
    assert (counts.new, counts.new_done, counts.learning) == (1, 0, 1)


# --- the review log --------------------------------------------------------------------------------------


def test_importing_a_review_log_rebuilds_the_cards_and_skips_what_is_there(make_bank, learner, ctx):
    make_bank(ALL_TYPES)
    save(learner)
    cards = list(cards_of().values())
    log = [
        LoggedReview(str(cards[0].id), 3, NOW, 3000),
        LoggedReview(str(cards[0].id), 3, NOW + dt.timedelta(minutes=10), 2000),
        LoggedReview(str(cards[1].id), 1, NOW + dt.timedelta(minutes=1), None),
    ]
    result = ops.import_reviews(db.session, user(learner), log)
    db.session.commit()
    assert (result.added, result.already_there, result.cards) == (3, 0, 2)
    again = ops.import_reviews(db.session, user(learner), log)
    assert (again.added, again.already_there) == (0, 3)

    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    expected = fsrs.Card(card_id=cards[0].id, due=NOW)
    for r in log[:2]:
        expected, _ = scheduler.review_card(expected, fsrs.Rating(r.rating), review_datetime=r.time)
    state = card_queries.card_state(db.session, learner, cards[0].id)
    assert card_queries.fsrs_card(cards[0].id, state, NOW).to_dict() == expected.to_dict()
    reviews = db.session.scalars(card_queries.reviews_of(learner)).all()
    assert [(r.source, r.state_before, r.state_after) for r in reviews] == [
        ("import", NEW, 1),
        ("import", NEW, 1),
        ("import", 1, 2),
    ]
    assert card_queries.logged_reviews(db.session, learner) == sorted(log, key=lambda r: r.time)


def test_unknown_cards_are_reported_with_their_lines(make_bank, ctx):
    make_bank(ALL_TYPES)
    known = str(db.session.scalar(select(Card.id)))
    rows = [
        (2, LoggedReview(known, 3, NOW, None)),
        (3, LoggedReview("999999", 3, NOW, None)),
        (5, LoggedReview("abc", 1, NOW, None)),
    ]
    assert ops.unknown_cards(db.session, rows, "log.csv") == [
        "log.csv:3: card_id 999999 is not a card of this site",
        "log.csv:5: card_id abc is not a card of this site",
    ]


def test_a_deleted_account_takes_its_flashcard_data_with_it(app, make_bank, learner, ctx):
    make_bank(ALL_TYPES)
    save(learner)
    make_deck(learner)
    grade(learner, cards_of()[("card-1", 0)], 3, NOW)
    db.session.delete(user(learner))
    db.session.commit()
    for model in (Review, CardState):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


@pytest.mark.postgres
def test_cards_grading_undo_and_limits_on_postgres(pg_app):
    with pg_app.app_context():
        source = ALL_TYPES.encode()
        import_bank(db.session, parse_bank(source, "all-types.yaml"), source, "all-types.yaml", utcnow())
        learner = create_user(db.session, "learner", PASSWORD, "learner", passwords=passwords(), now=utcnow())
        db.session.commit()
        ops.save_settings(db.session, learner, scheduling.Settings(enable_fuzzing=False, new_per_day=3), NOW)
        deck = ops.create_deck(db.session, learner, db.session.scalar(select(Card.bank_id).limit(1)), ["demo"], NOW)
        db.session.commit()
        settings = card_queries.settings_of(db.session, learner.id)
        for k in range(3):
            nxt = card_queries.next_card(db.session, learner.id, deck, settings, NOW + dt.timedelta(minutes=k))
            ops.grade(
                db.session, learner, nxt.card, 4, NOW + dt.timedelta(minutes=k), token=f"pg-{k}-abcdefghij", version=0
            )
            db.session.commit()
        counts = card_queries.counts(db.session, learner.id, deck, settings, NOW + dt.timedelta(minutes=5))
        assert (counts.new, counts.new_done) == (0, 3)
        last = card_queries.last_study_review(db.session, learner.id, deck)
        ops.undo(db.session, learner, last)
        db.session.commit()
        assert card_queries.counts(db.session, learner.id, deck, settings, NOW + dt.timedelta(minutes=5)).new == 1
        question = db.session.scalars(select(Question).where(Question.key == "cloze-1")).one()
        assert len(ops.record_quiz_outcome(db.session, learner, question, False, NOW, token="pg-answer")) == 2
        db.session.commit()
        log = card_queries.logged_reviews(db.session, learner.id)
        assert sorted(r.rating for r in log) == [1, 1, 4, 4]
