"""The hottest pages run a bounded number of SQL statements, counted with a SQLAlchemy event: a regression
(an N+1 lazy load, a cache that no longer holds) shows up as behaviour, not as timing."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from quizapp.extensions import db

from .conftest import DATA, PASSWORD, bank_yaml, csrf_token, log_in, post_form
from .test_concurrency import trace_statements

# Statements per request, BEGIN included (sent through SQLAlchemy in the engine's begin event). A GET reads its
# user in the request's own deferred transaction; a POST reads it in a short transaction of its own (BEGIN,
# SELECT) before the request's BEGIN IMMEDIATE.
LIMITS = {
    "no-op page (account)": 2,
    "quizzes": 4,
    "question page": 5,
    "answer": 8,
    "study page": 9,
    "reveal": 11,  # with the learner's history of the card's question: its quiz answers, its grades and state
    "grade": 13,  # two of them add the grade to the learner's day and all-time summaries
    # The user, the attempt, the learner's settings (time zone, memory model), and the history of every
    # question of the attempt in two statements, however many questions it has.
    "results (closed attempt)": 6,
    # user, settings, decks, the deck's counts, unfinished quizzes, the work set in the learner's classes, today's
    # counts, the streak's days, today's answers whose feedback is held back, due cards
    "home (one deck)": 11,
    # BEGIN, user, decks, all-time summaries, settings, days, cards, deck size, due cards, attempts, answers whose
    # feedback is held back; and two more (today, the streak's days) for a streak reaching back past the
    # calendar's year
    "statistics": 13,
    # BEGIN, user, the class, the teacher's membership, the assignments, then the learners with what tells whether
    # the results changed since the worker worked the page out; when they did, two more: every learner's counting
    # scores (for the order and the class row), and the page's cells. However many learners and assignments.
    "results grid": 6,
    "results grid, worked out afresh": 7,
}


@contextmanager
def counted(app) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def ready(app, make_bank, make_user, client):
    """A learner, logged in, with an exam started and a deck of the all-types bank."""
    make_bank((DATA / "banks" / "all-types.yaml").read_text(), "all-types.yaml")
    make_user("amy")
    assert log_in(client, "amy", PASSWORD).status_code == 302
    started = post_form(client, "/quizzes/start", bank="all-types", quiz="exam")
    attempt = int(re.search(r"/attempts/(\d+)", started.headers["Location"]).group(1))
    deck = post_form(client, "/decks/new", bank="all-types")
    deck_id = int(re.search(r"/decks/(\d+)", deck.headers["Location"]).group(1))
    client.get("/quizzes")  # first visits fill the per-worker caches, as in a running worker
    return attempt, deck_id


def statements_of(app, request) -> int:
    request()  # warm: what a worker has cached after its first requests
    with counted(app) as statements:
        response = request()
    assert response.status_code in (200, 303), response.status_code
    return len(statements)


def grade(client, token: str, deck: int, card: str, version: int):
    """Grade the card Good at ``version``, with a fresh token (so each grade is recorded), as the reveal's
    form posts it."""
    fields = {"csrf_token": token, "card": card, "version": version, "rating": "3", "token": secrets.token_urlsafe(18)}
    return client.post(f"/study/{deck}/grade", data=fields)


def test_the_hottest_pages_run_few_statements(app, client, ready):
    attempt, deck = ready
    token = csrf_token(client)
    study = client.get(f"/study/{deck}").get_data(as_text=True)
    card = re.search(r'data-card="(\d+)"', study).group(1)
    question = client.get(f"/attempts/{attempt}/questions/1").get_data(as_text=True)
    choice = re.search(r'name="choice"[^>]*value="([^"]+)"', question).group(1)  # the exam asks only choices
    versions = iter(range(2))  # the card's state version each grade is made at: new, then graded once
    found = {
        "no-op page (account)": statements_of(app, lambda: client.get("/account")),
        "quizzes": statements_of(app, lambda: client.get("/quizzes")),
        "question page": statements_of(app, lambda: client.get(f"/attempts/{attempt}/questions/1")),
        "answer": statements_of(
            app,
            lambda: client.post(
                f"/attempts/{attempt}/questions/1", data={"csrf_token": token, "go": "next", "choice": choice}
            ),
        ),
        "study page": statements_of(app, lambda: client.get(f"/study/{deck}")),
        "reveal": statements_of(app, lambda: client.get(f"/study/{deck}/answer?card={card}")),
        "grade": statements_of(app, lambda: grade(client, token, deck, card, next(versions))),
        "home (one deck)": statements_of(app, lambda: client.get("/")),
    }
    over = {page: (n, LIMITS[page]) for page, n in found.items() if n > LIMITS[page]}
    assert not over, f"statements per request over the limit (found, limit): {over}"


def test_a_closed_attempts_results_run_few_statements(app, client, ready):
    """Its graded answers are kept by the worker: the page reads only the user and the attempt (its owner)."""
    attempt, _deck = ready
    assert post_form(client, f"/attempts/{attempt}/finish").status_code == 303
    found = statements_of(app, lambda: client.get(f"/attempts/{attempt}/results"))
    assert found <= LIMITS["results (closed attempt)"], found


def test_the_history_on_a_results_page_costs_the_same_however_long(app, client, ready):
    """Statements per page, not per question: an attempt of one question and one of every question, each
    with a history of several answers and grades, are shown in the same number of statements."""
    _attempt, deck = ready
    token = csrf_token(client)
    found = {}
    for count in (1, 8, 8):  # the second attempt of 8 has a longer history than the first
        started = post_form(
            client, "/quizzes/build", **{"build-banks": "all-types", "build-count": str(count), "build-mode": "exam"}
        )
        attempt = int(re.search(r"/attempts/(\d+)", started.headers["Location"]).group(1))
        for position in range(1, count + 1):
            client.post(f"/attempts/{attempt}/questions/{position}", data={"csrf_token": token, "choice": "a"})
        assert post_form(client, f"/attempts/{attempt}/finish").status_code == 303
        page = client.get(f"/attempts/{attempt}/results").get_data(as_text=True)
        assert page.count('class="history-details"') == count
        found[(count, len(found))] = statements_of(app, lambda a=attempt: client.get(f"/attempts/{a}/results"))
    study = client.get(f"/study/{deck}").get_data(as_text=True)
    card = re.search(r'data-card="(\d+)"', study).group(1)
    assert grade(client, token, deck, card, 0).status_code == 303  # a flashcard grade in the history too
    found["after a grade"] = statements_of(app, lambda: client.get(f"/attempts/{attempt}/results"))
    assert set(found.values()) == {LIMITS["results (closed attempt)"]}, found


def test_the_quiz_list_reads_no_question_while_the_banks_are_unchanged(app, client, ready):
    client.get("/quizzes")
    with counted(app) as statements:
        assert client.get("/quizzes").status_code == 200
    assert not [s for s in statements if "FROM questions" in s or "question_revisions" in s]


def test_the_quiz_list_follows_a_new_bank_version(app, client, ready, make_bank):
    assert "Every question type" in client.get("/quizzes").get_data(as_text=True)
    text = (DATA / "banks" / "all-types.yaml").read_text().replace('"Every question type"', '"Renamed bank"')
    make_bank(text, "all-types.yaml")
    page = client.get("/quizzes").get_data(as_text=True)
    assert "Renamed bank" in page and "Every question type" not in page


def test_a_logged_in_get_reads_its_user_in_the_requests_one_transaction(app, client, ready):
    """A read-only request's transaction is deferred and takes no lock, so the session's user is read in it;
    a POST reads the user in a short read of its own, before its BEGIN IMMEDIATE takes the write lock."""
    with app.app_context():
        statements = trace_statements(db.engine)
    assert client.get("/history").status_code == 200
    assert [s for s in statements if s.startswith(("BEGIN", "ROLLBACK", "COMMIT"))] == ["BEGIN DEFERRED", "ROLLBACK"]
    assert any("session_token" in s for s in statements)
    _attempt, deck = ready
    token = csrf_token(client)
    statements.clear()
    assert client.post(f"/decks/{deck}/delete", data={"csrf_token": token}).status_code == 303
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN DEFERRED", "BEGIN IMMEDIATE"], begins
    first_write_lock = statements.index("BEGIN IMMEDIATE")
    assert any("session_token" in s for s in statements[:first_write_lock])


def test_the_bank_pages_read_no_question_while_the_banks_are_unchanged(app, client, ready):
    for path in ("/banks", "/banks/all-types"):
        client.get(path)
        with counted(app) as statements:
            assert client.get(path).status_code == 200
        assert not [s for s in statements if "FROM questions" in s or ("FROM banks" in s and "content_hash" not in s)]
        assert len(statements) == 3, statements  # BEGIN, the session's user, the banks' versions
    assert client.get("/banks/no-such-bank").status_code == 404


def test_the_bank_pages_follow_a_new_bank_version(app, client, ready, make_bank):
    page = client.get("/banks/all-types").get_data(as_text=True)
    assert "Which organ does multiple sclerosis affect?" in page and "Every question type" in page
    assert "Every question type" in client.get("/").get_data(as_text=True)
    text = (DATA / "banks" / "all-types.yaml").read_text()
    text = text.replace('"Every question type"', '"Renamed bank"').replace("Which organ does", "Which organ do")
    make_bank(text, "all-types.yaml")
    page = client.get("/banks/all-types").get_data(as_text=True)
    assert "Which organ do multiple sclerosis affect?" in page and "Renamed bank" in page
    assert "Every question type" not in page
    index = client.get("/").get_data(as_text=True)
    assert "Renamed bank" in index and "Every question type" not in index


def test_a_search_is_a_count_and_a_page_of_rows(app, client, ready):
    """Besides the banks' versions (what each worker keeps depends on them: the tags offered, the banks'
    words), a search reads the number of matches and one page of them: no question's JSON is read per row."""
    for path in ("/search?q=myelin", "/search?q=cells&tag=demo", "/search?q=zzz", "/search"):
        client.get(path)
        with counted(app) as statements:
            assert client.get(path).status_code == 200
        searches = [s for s in statements if "question_search" in s]
        assert len(searches) == (0 if path == "/search" else 2), statements  # the count, the page
        assert len(statements) == 3 + len(searches), statements  # BEGIN, the session's user, the versions


def test_the_home_page_reads_one_more_statement_per_deck(app, client, ready, make_bank):
    """BEGIN, the user, the scheduler settings, the decks, each deck's counts, the unfinished quizzes, and
    today's counts, the streak's days and the forecast (three statements, however long the review log)."""
    one = statements_of(app, lambda: client.get("/"))
    make_bank((DATA / "banks" / "all-types.yaml").read_text().replace("id: all-types", "id: again"), "again.yaml")
    assert post_form(client, "/decks/new", bank="again").status_code == 303
    assert statements_of(app, lambda: client.get("/")) == one + 1


def test_the_statistics_page_runs_few_statements_and_reads_no_log(app, client, ready):
    """Its panels come from the summaries, the card states and the closed attempts: the same statements however
    long the review log, and never the log itself."""
    attempt, deck = ready
    token = csrf_token(client)
    card = re.search(r'data-card="(\d+)"', client.get(f"/study/{deck}").get_data(as_text=True)).group(1)
    assert grade(client, token, deck, card, 0).status_code == 303
    assert post_form(client, f"/attempts/{attempt}/finish").status_code == 303
    for query in ("", f"?scope=deck-{deck}&tag=demo&period=1y", "?period=all"):
        with counted(app) as statements:
            assert client.get("/stats" + query).status_code == 200
        assert len(statements) <= LIMITS["statistics"], (query, statements)
        # The one read of answers is of those whose feedback a class assignment holds back (none here).
        logs = [s for s in statements if "FROM reviews" in s or "FROM answers" in s]
        assert [s for s in logs if "assignments.feedback !=" not in s] == [], query


def test_the_results_grid_runs_the_same_statements_however_many_learners_and_assignments(app, make_bank, make_user):
    """No statement per cell, per learner or per assignment: the grid is read in one statement when the worker
    keeps it and nothing changed, in two when it works it out afresh."""
    from quizapp.models import User, utcnow
    from quizapp.operations import classes as class_ops
    from quizapp.queries.classes import forget_grids

    from .test_classes import QUIZZES, RIGHT, assign, take

    make_bank(bank_yaml() + QUIZZES)
    school = {"tess": make_user("tess", "teacher")}
    with app.app_context():
        tess = db.session.get(User, school["tess"])
        klass = class_ops.create_class(db.session, tess, "Counted", None, "UTC", utcnow())
        db.session.commit()
        school["class"], code = klass.id, klass.join_code
    teacher = app.test_client()
    assert log_in(teacher, "tess").status_code == 302
    url = f"/classes/{school['class']}/results?sort=mean&order=desc"
    found, afresh = [], []

    def worked_out_afresh():
        forget_grids()
        return teacher.get(url)

    for more in (1, 3):  # a learner and an assignment, then four of each
        for i in range(more):
            user_id = make_user(f"learner{len(found)}-{i}")
            with app.app_context():
                class_ops.join_class(db.session, db.session.get(User, user_id), code, utcnow())
                db.session.commit()
            take(app, user_id, assign(app, school, title=f"A{len(found)}-{i}"), RIGHT)
        found.append(statements_of(app, lambda: teacher.get(url)))
        afresh.append(statements_of(app, worked_out_afresh))
    assert teacher.get(url).text.count('class="standing ') == 16
    assert found[0] == found[1] <= LIMITS["results grid"], found
    assert afresh[0] == afresh[1] <= LIMITS["results grid, worked out afresh"], afresh
