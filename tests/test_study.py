"""Studying through the pages, as a browser without JavaScript does it: decks, the front, the answer, grades
posted once however often they are sent, stale and foreign grades refused, a crash that leaves nothing
half-written, undo, the settings page, the optimiser and the review log download."""

from __future__ import annotations

import csv
import io
import json
import re
import threading

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from quizapp.domain.banks import parse_bank
from quizapp.domain.revlog import LoggedReview
from quizapp.extensions import db, passwords
from quizapp.models import Card, CardState, Deck, Question, Review, SchedulerSettings, User, utcnow
from quizapp.operations import cards as ops
from quizapp.operations import create_user, import_bank

from .conftest import DATA, PASSWORD, bank_yaml, csrf_token, log_in, post_form
from .revlog_gen import generate
from .test_csrf import snapshot
from .test_quizzes import lock_waits, wait_for

ALL_TYPES = (DATA / "banks" / "all-types.yaml").read_text()
INPUT_RE = re.compile(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"')


@pytest.fixture
def learner(app, make_user, make_bank, client):
    make_bank(ALL_TYPES)
    make_user("learner")
    log_in(client, "learner")
    return client


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def make_deck(client, bank: str = "all-types", **extra) -> int:
    response = post_form(client, "/decks/new", bank=bank, **extra)
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def front(client, deck_id: int) -> tuple[str, dict]:
    html = client.get(f"/study/{deck_id}").get_data(as_text=True)
    reveal = html[html.index('class="reveal"') :]
    return html, dict(INPUT_RE.findall(reveal[: reveal.index("</form>")]))


def answer(client, deck_id: int) -> tuple[str, dict]:
    """Reveal the next card's answer; return the page and the grade form's fields."""
    _html, reveal = front(client, deck_id)
    response = client.get(f"/study/{deck_id}/answer", query_string=reveal)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    form = html[html.index('class="grades"') :]
    return html, dict(INPUT_RE.findall(form[: form.index("</form>")]))


def test_a_learner_makes_a_deck_and_studies_it_without_javascript(app, learner):
    page = learner.get("/decks").get_data(as_text=True)
    assert "Make a deck" in page and "Every question type" in page
    deck = make_deck(learner)
    page = learner.get(f"/decks/{deck}").get_data(as_text=True)
    assert re.search(r'class="count">10</span> new', page) and "Study now" in page

    html, _ = front(learner, deck)
    assert "10 cards left</strong> in this session" in html
    assert "Which organ does multiple sclerosis affect?" in html and "Show answer" in html
    assert "The central nervous system" in html  # the choices are on the front...
    assert "MS is a disease of the brain" not in html  # ...the explanation is not

    html, form = answer(learner, deck)
    assert "MS is a disease of the brain" in html and "https://doi.org/10.1056/NEJMra1401483" in html
    labels = re.findall(
        r'<span class="grade-name">(\w+)</span>.*?<span class="grade-interval">([^<]+)</span>', html, re.S
    )
    assert labels == [("Again", "1m"), ("Hard", "6m"), ("Good", "10m"), ("Easy", "8d")]
    response = learner.post(f"/study/{deck}/grade", data={**form, "rating": "3"})
    assert response.status_code == 303 and response.headers["Location"] == f"/study/{deck}"

    html, _ = front(learner, deck)
    assert "Which cells make myelin?" in html and "(9 new, 1 learning, 0 to review)" in html
    assert "Undo the last grade" in html
    with app.app_context():
        review = db.session.scalars(select(Review)).one()
        assert (review.rating, review.source, review.duration_ms is not None) == (3, "study", True)


def test_a_cloze_gap_is_hidden_on_its_card(learner):
    deck = make_deck(learner)
    with learner.application.app_context():
        card = db.session.scalars(select(Card).where(Card.gap == 2)).one()
    html = learner.get(f"/study/{deck}", query_string={"card": card.id}).get_data(as_text=True)
    assert "MS damages myelin in the [CNS or PNS?] nervous system." in html
    html = learner.get(f"/study/{deck}/answer", query_string={"card": card.id}).get_data(as_text=True)
    assert "MS damages myelin in the <strong>central</strong> nervous system." in html


def test_looking_at_cards_changes_nothing(app, learner):
    deck = make_deck(learner)
    before = snapshot(app)
    answer(learner, deck)
    learner.get(f"/decks/{deck}")
    learner.get("/settings/scheduler")
    assert snapshot(app) == before


def test_a_grade_posted_twice_counts_once(app, learner):
    deck = make_deck(learner)
    _html, form = answer(learner, deck)
    for _ in range(2):
        response = learner.post(f"/study/{deck}/grade", data={**form, "rating": "4"})
        assert response.status_code == 303
    with app.app_context():
        assert count(Review) == 1
        assert db.session.scalars(select(CardState)).one().version == 1


def grade_at_once(app: Flask, cookie: str, deck: int, forms: list[dict]) -> list[int]:
    """Two clients of one learner post a grade each (``forms``) at the same moment; return their statuses.

    The first request to insert its review holds its transaction open there until the other is waiting for a
    lock (or has inserted a review too, or has finished, which fails the test): the overlap is forced by
    events, not hoped for from a barrier. SQLite: the other waits to begin its write. PostgreSQL: it waits on
    the first one's row lock or its uncommitted review.
    """
    waits = lock_waits(app)
    inserts: list[int] = []
    done: list[int] = []
    seen_waiting: list[bool] = []
    senders: list[threading.Thread] = []

    def held(_conn, _cursor, statement: str, *_args) -> None:
        if not statement.lstrip().upper().startswith("INSERT INTO REVIEWS"):
            return
        inserts.append(threading.get_ident())
        if len(inserts) == 1:  # inside the write: keep it open until the other request queues behind it
            (other,) = [t.ident for t in senders if t.ident != threading.get_ident()]
            wait_for(lambda: waits(other) or len(inserts) > 1 or other in done)
            seen_waiting.append(waits(other))

    statuses: list[int] = []
    both_started = threading.Barrier(2)  # so each knows the other's thread; the hold above forces the overlap

    def post(form: dict) -> None:
        client = app.test_client()
        client.set_cookie("session", cookie)
        both_started.wait()
        try:
            statuses.append(client.post(f"/study/{deck}/grade", data=form).status_code)
        finally:
            done.append(threading.get_ident())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", held)
    try:
        senders.extend(threading.Thread(target=post, args=(form,)) for form in forms)
        for t in senders:
            t.start()
        for t in senders:
            t.join(timeout=120)
    finally:
        event.remove(engine, "after_cursor_execute", held)
    assert seen_waiting == [True], "the second request never waited for the first one's write"
    assert len(inserts) == 1, "the second request wrote a review of its own"
    return statuses


def test_concurrent_double_posts_of_one_grade_count_once(app, learner):
    """Two clients (one browser's double click, or a retry) post the same grade at the same moment."""
    deck = make_deck(learner)
    _html, form = answer(learner, deck)
    statuses = grade_at_once(app, learner.get_cookie("session").value, deck, [{**form, "rating": "3"}] * 2)
    assert statuses == [303, 303]
    with app.app_context():
        assert count(Review) == 1 and count(CardState) == 1


def test_two_tabs_grading_the_same_card_at_once_apply_one_grade(app, learner):
    deck = make_deck(learner)
    _html, first = answer(learner, deck)
    _html, second = answer(learner, deck)  # the same card in another tab: another token
    assert first["token"] != second["token"] and first["card"] == second["card"]
    forms = [{**first, "rating": "3"}, {**second, "rating": "3"}]
    statuses = grade_at_once(app, learner.get_cookie("session").value, deck, forms)
    assert sorted(statuses) == [303, 409]
    with app.app_context():
        assert count(Review) == 1


@pytest.fixture
def pg_learner(pg_app):
    """A logged-in learner of the all-types bank, on PostgreSQL."""
    with pg_app.app_context():
        source = ALL_TYPES.encode()
        import_bank(db.session, parse_bank(source, "all-types.yaml"), source, "all-types.yaml", utcnow())
        create_user(db.session, "learner", PASSWORD, passwords=passwords(), now=utcnow())
        db.session.commit()
    client = pg_app.test_client()
    assert log_in(client, "learner").status_code == 302
    return client


@pytest.mark.postgres
def test_a_grade_posted_twice_at_once_counts_once_on_postgres(pg_app, pg_learner):
    """Neither request sees the other's review when it looks for the token: the unique token settles it, and
    the loser (GradeAlreadyRecorded) rolls back and goes on like the winner."""
    deck = make_deck(pg_learner)
    _html, form = answer(pg_learner, deck)
    statuses = grade_at_once(pg_app, pg_learner.get_cookie("session").value, deck, [{**form, "rating": "3"}] * 2)
    assert statuses == [303, 303]
    with pg_app.app_context():
        assert count(Review) == 1 and db.session.scalars(select(CardState)).one().version == 1


@pytest.mark.postgres
def test_a_grade_of_a_studied_card_posted_twice_at_once_counts_once_on_postgres(pg_app, pg_learner):
    """The card already has a state, so the second request waits for its row lock, not for the token."""
    deck = make_deck(pg_learner)
    _html, form = answer(pg_learner, deck)
    assert pg_learner.post(f"/study/{deck}/grade", data={**form, "rating": "3"}).status_code == 303
    again = {**form, "version": "1", "token": "second-grade-of-this-card", "rating": "4"}
    statuses = grade_at_once(pg_app, pg_learner.get_cookie("session").value, deck, [again] * 2)
    assert statuses == [303, 303]
    with pg_app.app_context():
        assert count(Review) == 2 and db.session.scalars(select(CardState)).one().version == 2


@pytest.mark.postgres
def test_two_tabs_grading_the_same_new_card_at_once_apply_one_grade_on_postgres(pg_app, pg_learner):
    """A new card has no state row to lock: the second first grade waits for the learner's row lock, then
    finds the card graded since its page was shown (409), rather than failing on the state's unique key."""
    deck = make_deck(pg_learner)
    _html, first = answer(pg_learner, deck)
    _html, second = answer(pg_learner, deck)
    assert first["token"] != second["token"] and first["card"] == second["card"] and first["version"] == "0"
    forms = [{**first, "rating": "3"}, {**second, "rating": "1"}]
    statuses = grade_at_once(pg_app, pg_learner.get_cookie("session").value, deck, forms)
    assert sorted(statuses) == [303, 409]
    with pg_app.app_context():
        assert count(Review) == 1 and db.session.scalars(select(CardState)).one().version == 1


def test_a_stale_grade_is_refused_with_a_message(app, learner):
    deck = make_deck(learner)
    _html, old = answer(learner, deck)
    assert learner.post(f"/study/{deck}/grade", data={**old, "rating": "1"}).status_code == 303
    stale = {**old, "token": old["token"][::-1] + "x"}  # the old page, graded again as a new post
    response = learner.post(f"/study/{deck}/grade", data={**stale, "rating": "4"})
    assert response.status_code == 409
    assert "has already been graded since this page was shown" in response.get_data(as_text=True)
    with app.app_context():
        assert [r.rating for r in db.session.scalars(select(Review))] == [1]


def test_a_grade_from_the_answer_page_shown_again_by_back_is_refused(app, learner):
    """Back after a grade shows the answer page again (fetched anew: pages are not stored), and its grade
    buttons must not grade the card a second time: the page grades at the version its front was shown at."""
    deck = make_deck(learner)
    _html, reveal = front(learner, deck)
    assert reveal["version"] == "0"
    shown = learner.get(f"/study/{deck}/answer", query_string=reveal).get_data(as_text=True)
    form = shown[shown.index('class="grades"') :]
    first = dict(INPUT_RE.findall(form[: form.index("</form>")]))
    assert learner.post(f"/study/{deck}/grade", data={**first, "rating": "3"}).status_code == 303

    again = learner.get(f"/study/{deck}/answer", query_string=reveal).get_data(as_text=True)  # Back
    form = again[again.index('class="grades"') :]
    second = dict(INPUT_RE.findall(form[: form.index("</form>")]))
    assert second["token"] != first["token"] and second["version"] == "0"
    response = learner.post(f"/study/{deck}/grade", data={**second, "rating": "4"})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "already been graded since this page was shown (with the browser&#39;s Back button" in text
    assert "Which cells make myelin?" in text  # and the card that is due now
    with app.app_context():
        assert [r.rating for r in db.session.scalars(select(Review))] == [3]
        assert db.session.scalars(select(CardState)).one().version == 1


def test_a_kept_answer_page_graded_differently_is_refused_but_the_same_grade_counts_once(app, learner):
    """A browser that kept the answer page (its back-forward cache) sends the first grade's token again."""
    deck = make_deck(learner)
    _html, form = answer(learner, deck)
    assert learner.post(f"/study/{deck}/grade", data={**form, "rating": "3"}).status_code == 303
    assert learner.post(f"/study/{deck}/grade", data={**form, "rating": "3"}).status_code == 303
    response = learner.post(f"/study/{deck}/grade", data={**form, "rating": "4"})
    assert response.status_code == 409 and "already been graded" in response.get_data(as_text=True)
    with app.app_context():
        assert [r.rating for r in db.session.scalars(select(Review))] == [3]


def test_an_answer_page_without_a_version_grades_the_card_as_it_is_now(app, learner):
    """A link to the answer page without the front's version (typed, or bookmarked) is a fresh look."""
    deck = make_deck(learner)
    _html, reveal = front(learner, deck)
    card = reveal["card"]
    for rating, version in (("1", "0"), ("3", "1")):
        html = learner.get(f"/study/{deck}/answer", query_string={"card": card}).get_data(as_text=True)
        form = html[html.index('class="grades"') :]
        fields = dict(INPUT_RE.findall(form[: form.index("</form>")]))
        assert fields["version"] == version
        assert learner.post(f"/study/{deck}/grade", data={**fields, "rating": rating}).status_code == 303
    bad = learner.get(f"/study/{deck}/answer", query_string={"card": card, "version": "-3"}).get_data(as_text=True)
    assert 'name="version" required type="hidden" value="2"' in bad


def test_grades_for_someone_elses_deck_or_a_card_outside_the_deck_are_refused(app, learner, make_user, make_bank):
    deck = make_deck(learner)
    _html, form = answer(learner, deck)
    make_user("other")
    other = app.test_client()
    log_in(other, "other")
    token = csrf_token(other)
    response = other.post(f"/study/{deck}/grade", data={**form, "csrf_token": token, "rating": "3"})
    assert response.status_code == 404
    assert other.get(f"/study/{deck}").status_code == 404
    assert other.get(f"/study/{deck}/answer", query_string={"card": form["card"]}).status_code == 404

    make_bank(bank_yaml())  # a card of another bank, graded through this deck
    with app.app_context():
        bank_id = db.session.get(Deck, deck).bank_id
        foreign = db.session.scalar(select(Card.id).where(Card.bank_id != bank_id).limit(1))
    response = learner.post(f"/study/{deck}/grade", data={**form, "card": str(foreign), "rating": "3"})
    assert response.status_code == 404
    assert learner.get(f"/study/{deck}/answer", query_string={"card": foreign}).status_code == 404
    with app.app_context():
        assert count(Review) == 0


def test_a_crash_between_grade_and_commit_leaves_nothing_half_written(app, learner, monkeypatch):
    deck = make_deck(learner)
    _html, form = answer(learner, deck)

    def crash(*_args):
        raise RuntimeError("the server fell over")

    monkeypatch.setattr(ops, "_apply", crash)  # after the review row is flushed, before the state is
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = learner.post(f"/study/{deck}/grade", data={**form, "rating": "3"})
    assert response.status_code == 500 and "Something went wrong" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Review) == 0 and count(CardState) == 0
    monkeypatch.undo()
    assert learner.post(f"/study/{deck}/grade", data={**form, "rating": "3"}).status_code == 303  # retry works
    with app.app_context():
        assert count(Review) == 1 and count(CardState) == 1


def test_undo_brings_the_card_back_as_it_was(app, learner):
    deck = make_deck(learner)
    _html, form = answer(learner, deck)
    learner.post(f"/study/{deck}/grade", data={**form, "rating": "4"})
    html, _ = front(learner, deck)
    review_id = re.search(r'name="review" value="(\d+)"', html).group(1)
    response = post_form(learner, f"/study/{deck}/undo", review=review_id)
    assert response.status_code == 303 and response.headers["Location"] == f"/study/{deck}?card={form['card']}"
    assert post_form(learner, f"/study/{deck}/undo", review=review_id).status_code == 303  # twice: nothing more
    with app.app_context():
        assert count(Review) == 0 and count(CardState) == 0
    html, _ = front(learner, deck)
    assert "Which organ does multiple sclerosis affect?" in html and "10 cards left" in html


def test_someone_elses_review_cannot_be_undone(app, learner, make_user):
    deck = make_deck(learner)
    _html, form = answer(learner, deck)
    learner.post(f"/study/{deck}/grade", data={**form, "rating": "3"})
    make_user("other")
    other = app.test_client()
    log_in(other, "other")
    own = make_deck(other)
    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
    theirs = post_form(other, f"/study/{own}/undo", review=review_id)
    missing = post_form(other, f"/study/{own}/undo", review=review_id + 1000)
    # Another learner's review and one that does not exist get the same answer: nothing tells them apart.
    assert theirs.status_code == missing.status_code == 303
    assert theirs.headers["Location"] == missing.headers["Location"] == f"/study/{own}"
    with app.app_context():
        assert count(Review) == 1


def test_the_study_page_says_when_the_days_work_is_done(app, learner):
    deck = make_deck(learner)
    for _ in range(10):
        _html, form = answer(learner, deck)
        learner.post(f"/study/{deck}/grade", data={**form, "rating": "4"})  # Easy: days away
    html = learner.get(f"/study/{deck}").get_data(as_text=True)
    assert "You are done with this deck for today" in html and "0 cards left" in html
    assert "You studied 10 new cards and 0 reviews here today" in html
    page = learner.get("/decks").get_data(as_text=True)
    assert "Done for today" in page and "Study now" not in page


def test_making_a_deck_of_some_tags(app, learner, make_bank):
    questions = """
  - {id: a, type: flashcard, front: "A?", back: "a", tags: [alpha]}
  - {id: b, type: flashcard, front: "B?", back: "b", tags: [beta]}
"""
    make_bank(bank_yaml("tagged", questions=questions, tags="[alpha, beta]"))
    page = learner.get("/decks/new", query_string={"bank": "tagged"}).get_data(as_text=True)
    assert 'value="alpha"' in page and 'value="beta"' in page
    deck = make_deck(learner, bank="tagged", tags="beta")
    assert make_deck(learner, bank="tagged", tags="beta") == deck  # the same deck again
    page = learner.get(f"/decks/{deck}").get_data(as_text=True)
    assert "Bank tagged: beta" in page and re.search(r'class="count">1</span> new', page)
    response = post_form(learner, "/decks/new", bank="tagged", tags="gamma")
    assert response.status_code == 422 and "this bank has no such tag" in response.get_data(as_text=True)
    response = post_form(learner, "/decks/new", bank="nope")
    assert response.status_code == 422 and "Choose a bank to make a deck from." in response.get_data(as_text=True)


def test_removing_a_deck_keeps_the_progress(app, learner):
    deck = make_deck(learner)
    _html, form = answer(learner, deck)
    learner.post(f"/study/{deck}/grade", data={**form, "rating": "3"})
    assert post_form(learner, f"/decks/{deck}/delete").status_code == 303
    assert learner.get(f"/decks/{deck}").status_code == 404
    again = make_deck(learner)
    assert "(9 new, 1 learning, 0 to review)" in learner.get(f"/study/{again}").get_data(as_text=True)


def test_grading_and_undo_need_a_csrf_token(app, learner):
    deck = make_deck(learner)
    _html, form = answer(learner, deck)
    response = learner.post(f"/study/{deck}/grade", data={**form, "csrf_token": "forged", "rating": "3"})
    assert response.status_code == 400
    for path in (f"/study/{deck}/undo", f"/decks/{deck}/delete", "/settings/scheduler", "/settings/scheduler/optimise"):
        assert learner.post(path, data={"review": "1"}).status_code == 400, path
    with app.app_context():
        assert count(Review) == 0


# --- settings -------------------------------------------------------------------------------------------


def settings_form(client) -> dict:
    html = client.get("/settings/scheduler").get_data(as_text=True)
    fields = dict(INPUT_RE.findall(html))
    fields["timezone"] = "UTC"
    fields.pop("enable_fuzzing", None)
    fields.pop("quiz_answers_feed_scheduler", None)
    return fields


def test_the_settings_page_shows_and_saves_the_settings(app, learner):
    html = learner.get("/settings/scheduler").get_data(as_text=True)
    assert 'value="0.9"' in html and 'value="1m 10m"' in html and 'value="10m"' in html
    assert re.search(r'<option selected value="UTC">', html)
    form = {
        **settings_form(learner),
        "desired_retention": "0.85",
        "learning_steps": "1m 10m 1h",
        "relearning_steps": "15",
        "maximum_interval_days": "365",
        "new_per_day": "5",
        "reviews_per_day": "50",
        "day_starts_at_hour": "3",
        "timezone": "Asia/Tokyo",
        "quiz_answers_feed_scheduler": "y",
    }
    response = learner.post("/settings/scheduler", data=form)
    assert response.status_code == 303
    assert "Your scheduler settings are saved." in learner.get("/settings/scheduler").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(SchedulerSettings)).one()
        assert (row.desired_retention, row.learning_steps_minutes, row.relearning_steps_minutes) == (
            0.85,
            [1, 10, 60],
            [15],
        )
        assert (row.maximum_interval_days, row.new_per_day, row.reviews_per_day) == (365, 5, 50)
        assert (row.day_starts_at_hour, row.timezone, row.enable_fuzzing, row.quiz_answers_feed_scheduler) == (
            3,
            "Asia/Tokyo",
            False,
            True,
        )


def test_invalid_settings_are_refused_with_every_fields_message(app, learner):
    form = {
        **settings_form(learner),
        "desired_retention": "0.5",
        "learning_steps": "10m 1m",
        "relearning_steps": "soon",
        "maximum_interval_days": "0",
        "new_per_day": "-1",
        "reviews_per_day": "many",
        "day_starts_at_hour": "24",
        "timezone": "Mars/Olympus",
    }
    response = learner.post("/settings/scheduler", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in (
        "Desired retention must be between 0.70 and 0.97",
        "Learning steps steps must not get shorter",
        "&#39;soon&#39; is not a step; write steps like 1m 10m 1h",
        "Maximum interval (days) must be between 1 and 36500 days",
        "New cards per day must be between 0 and 9999",
        "Reviews per day must be a whole number.",
        "Next day starts at (hour) must be an hour from 0 to 23",
        "Time zone &#39;Mars/Olympus&#39; is not a known time zone (e.g. Europe/London)",
    ):
        assert message in html, message
    assert html.count('aria-invalid="true"') == 8
    with app.app_context():
        assert count(SchedulerSettings) == 0


def test_the_optimiser_improves_log_loss_on_the_learners_own_history(app, learner, make_bank):
    log = generate(cards=300, days=240, seed=5)
    questions = "".join(f'\n  - {{id: f{i}, type: flashcard, front: "F{i}", back: "B"}}' for i in range(1, 301))
    make_bank(bank_yaml("big", questions=questions))
    with app.app_context():
        query = select(Question.key, Card.id).join(Card, Card.question_id == Question.id)
        card_ids = dict(db.session.execute(query.where(Question.key.like("f%"))).all())
        user = db.session.scalars(select(User)).one()
        mapped = [LoggedReview(str(card_ids[f"f{r.card_id}"]), r.rating, r.time, r.duration_ms) for r in log]
        ops.import_reviews(db.session, user, mapped)
        db.session.commit()
    html = learner.get("/settings/scheduler").get_data(as_text=True)
    assert f"You have {len(log)} reviews." in html
    assert re.search(r'<button type="submit" class="button" aria-describedby="optimise-hint">Optimise', html)

    response = post_form(learner, "/settings/scheduler/optimise")
    assert response.status_code == 303
    html = learner.get("/settings/scheduler").get_data(as_text=True)
    assert f"Scheduler optimised on {len(log):,} reviews. Your new parameters are in use." in html
    before, after = (float(x) for x in re.search(r"Log loss</th><td>([\d.]+)</td><td>([\d.]+)</td>", html).groups())
    assert after < before
    with app.app_context():
        row = db.session.scalars(select(SchedulerSettings)).one()
        assert row.optimised_at is not None and row.optimisation["kept"] is True
        assert row.optimisation["log_loss_after"] < row.optimisation["log_loss_before"]
        assert tuple(row.parameters) != tuple(ops.scheduling.DEFAULT_PARAMETERS)
        ops.scheduling.make_scheduler(ops.card_queries.settings_of(db.session, row.user_id))  # within bounds


def test_the_optimiser_waits_for_enough_reviews(app, learner):
    html = learner.get("/settings/scheduler").get_data(as_text=True)
    assert "optimising needs at least 400 reviews on 8 different days" in html
    assert re.search(r'aria-describedby="optimise-hint" disabled>Optimise my scheduler', html)
    response = post_form(learner, "/settings/scheduler/optimise")
    assert response.status_code == 303
    assert "Not optimised: optimising needs at least 400 reviews" in learner.get("/settings/scheduler").get_data(
        as_text=True
    )


def test_the_review_log_downloads_as_csv_and_is_in_the_account_export(app, learner):
    deck = make_deck(learner)
    for rating in ("3", "1"):
        _html, form = answer(learner, deck)
        learner.post(f"/study/{deck}/grade", data={**form, "rating": rating})
    response = learner.get("/settings/scheduler/reviews.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["review_rating"] for r in rows] == ["3", "1"]
    assert list(rows[0]) == ["card_id", "review_rating", "review_time", "review_duration"]
    with app.app_context():
        user_id = db.session.scalar(select(User.id))
    data = json.loads(learner.get(f"/account/{user_id}/export").get_data(as_text=True))
    assert [r["rating"] for r in data["flashcards"]["reviews"]] == [3, 1]
    assert data["flashcards"]["decks"][0]["bank"] == "all-types"
