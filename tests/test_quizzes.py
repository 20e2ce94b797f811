"""Taking quizzes through the app: every question type graded, resuming, repeated and concurrent submissions,
time limits, ownership, bank edits after the fact, practising mistakes, history and malformed posts."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, func, select
from sqlalchemy import text as sql
from sqlalchemy.pool import NullPool

from quizapp.extensions import db, passwords
from quizapp.models import Answer, Attempt, Question, QuestionRevision, User, utcnow
from quizapp.operations import create_user
from quizapp.operations import quizzes as ops

from .conftest import DATA, PASSWORD, bank_yaml, csrf_token, log_in, make_app
from .domain.test_quizzes import BLANK, RIGHT
from .test_csrf import snapshot

ALL_TYPES = (DATA / "banks" / "all-types.yaml").read_text()
WRONG = {
    "single-1": {"choice": ["b"]},
    "multiple-1": {"choice": ["a"]},  # half right
    "tf-1": {"choice": ["false"]},
    "short-1": {"answer": ["astrocyte"]},
    "numeric-1": {"answer": ["2.95"]},
    "cloze-1": {"gap-1": ["myelin"], "gap-2": ["peripheral"]},  # half right
    "matching-1": {"match-1": ["1"], "match-2": ["3"]},
    "ordering-1": {"position-1": ["1"], "position-2": ["2"], "position-3": ["3"], "position-4": ["4"]},
}
# Partial credit for the wrong answers: 1 of 2 correct choices; 1 of 2 gaps; 4 of 6 pairs in order.
WRONG_POINTS = {"multiple-1": 0.5, "cloze-1": 0.5, "ordering-1": 4 / 6}
# What the answer forms show again for the RIGHT answers once saved: the choices and selections as sent, typed
# text trimmed, and a number without the question's unit (numeric-1's unit is "million").
REFILLED = {
    "single-1": {"choice": ["a"]},
    "multiple-1": {"choice": ["a", "b"]},
    "tf-1": {"choice": ["true"]},
    "short-1": {"answer": ["Oligodendrocyte"]},
    "numeric-1": {"answer": ["2,8"]},
    "cloze-1": {"gap-1": ["Myelin"], "gap-2": ["central"]},
    "matching-1": {"match-1": ["3"], "match-2": ["1"]},
    "ordering-1": {"position-1": ["2"], "position-2": ["3"], "position-3": ["1"], "position-4": ["4"]},
}
START = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(START)
    monkeypatch.setattr("quizapp.quiz.views.utcnow", clock)
    return clock


@pytest.fixture
def all_types(make_bank):
    return make_bank(ALL_TYPES, "all-types.yaml")


class Learner:
    """A logged-in test client with the shortcuts a quiz needs."""

    def __init__(self, app: Flask, login: str):
        self.app = app
        self.login = login
        self.client = app.test_client()
        assert log_in(self.client, login).status_code == 302
        self.token = csrf_token(self.client)

    def post(self, path: str, **data):
        return self.client.post(path, data={"csrf_token": self.token, **data})

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def build(self, banks=("all-types",), count=8, mode="practice", time_limit="", tags=()) -> int:
        response = self.post(
            "/quizzes/build",
            **{
                "build-banks": list(banks),
                "build-tags": list(tags),
                "build-count": str(count),
                "build-mode": mode,
                "build-time_limit": str(time_limit),
            },
        )
        assert response.status_code == 303, response.text
        return int(re.fullmatch(r"/attempts/(\d+)", response.location).group(1))

    def start(self, bank: str, quiz: str) -> int:
        response = self.post("/quizzes/start", bank=bank, quiz=quiz)
        assert response.status_code == 303, response.text
        return int(re.fullmatch(r"/attempts/(\d+)", response.location).group(1))

    def answer(self, attempt_id: int, position: int, form: dict, **extra):
        return self.post(f"/attempts/{attempt_id}/questions/{position}", **form, **extra)

    def answer_key(self, attempt_id: int, position: int, answers: dict, **extra):
        return self.answer(attempt_id, position, answers[key_at(self.app, attempt_id, position)], **extra)


@pytest.fixture
def learner(app, make_user) -> Learner:
    make_user("amy")
    return Learner(app, "amy")


TOKENS = re.compile(r'name="(shown|csrf_token)" value="[^"]*"')


def without_tokens(html: str) -> str:
    """A page without its CSRF tokens (signed with the second they were made) and its clock field."""
    return TOKENS.sub("", html)


HISTORY = re.compile(r'<details class="history-details".*?</details>', re.S)


def without_history(html: str) -> str:
    """A results page without the learner's history with each question (which is of the day it is shown)."""
    return HISTORY.sub("", html)


def key_at(app: Flask, attempt_id: int, position: int) -> str:
    """The bank id of the question at ``position`` of an attempt."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        revision = db.session.get(QuestionRevision, attempt.question_revision_ids[position - 1])
        return db.session.get(Question, revision.question_id).key


def keys(app: Flask, attempt_id: int) -> list[str]:
    with app.app_context():
        count = db.session.get(Attempt, attempt_id).question_count
    return [key_at(app, attempt_id, p) for p in range(1, count + 1)]


class _Form(HTMLParser):
    """What a browser would send from the answer form of a page (CSRF token, clock and buttons aside): the
    fields of a page, or of a part of one, but those of a GET form such as the search box."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.select: str | None = None
        self.getting = False  # inside a GET form

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "form":
            self.getting = (a.get("method") or "get").lower() == "get"
        if self.getting:
            return
        if tag == "input" and name not in (None, "csrf_token", "shown"):
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a:
                    self.values.setdefault(name, []).append(a["value"])
            else:
                self.values.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select":
            self.select = name
            self.values.setdefault(name, [""])
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = [a["value"]]

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.getting = False


def form_values(html: str) -> dict[str, list[str]]:
    """Each field's values, sorted (checkboxes come in the order shown)."""
    parser = _Form()
    parser.feed(html)
    return {name: sorted(values) for name, values in parser.values.items()}


def attempt_state(app: Flask, attempt_id: int) -> dict:
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        return {c.name: getattr(a, c.name) for c in Attempt.__table__.columns}


def points(app: Flask, attempt_id: int) -> float:
    """The points of an attempt's saved answers (its score is set when it closes)."""
    return sum(a["points"] for a in answers_of(app, attempt_id))


def answers_of(app: Flask, attempt_id: int) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt_id).order_by(Answer.position))
        return [{c.name: getattr(a, c.name) for c in Answer.__table__.columns} for a in rows]


# --- every question type --------------------------------------------------------------------------------------


def test_an_exam_with_every_question_type_graded_right_and_wrong(app, all_types, learner, clock):
    attempt = learner.build(mode="exam")
    order = keys(app, attempt)
    assert sorted(order) == sorted(RIGHT)  # all eight types, no flashcard
    for position, key in enumerate(order, 1):
        form = RIGHT[key] if position % 2 else WRONG[key]
        clock.advance(seconds=30)
        response = learner.answer(attempt, position, form, go="next")
        assert response.status_code == 303
        expected = f"/attempts/{attempt}/questions/{position + 1}" if position < 8 else f"/attempts/{attempt}/finish"
        assert response.location == expected
    page = learner.get(f"/attempts/{attempt}/finish")
    assert "You have answered 8 of 8 questions" in page.text
    assert learner.post(f"/attempts/{attempt}/finish").location == f"/attempts/{attempt}/results"

    wrong = [order[p - 1] for p in range(2, 9, 2)]
    expected_score = 4 + sum(WRONG_POINTS.get(key, 0) for key in wrong)
    state = attempt_state(app, attempt)
    assert state["status"] == "finished" and state["max_score"] == 8
    assert state["score"] == pytest.approx(expected_score)
    assert state["percent"] == pytest.approx(100 * expected_score / 8)
    assert state["duration_seconds"] == 240
    saved = answers_of(app, attempt)
    assert [a["correct"] for a in saved] == [True, False] * 4
    assert all(a["max_points"] == 1 for a in saved)

    html = learner.get(f"/attempts/{attempt}/results").text
    assert f"{round(expected_score, 2):g} of 8 points" in html
    assert html.count("Correct</span>") == 4
    assert "Time taken</dt><dd>4 min 00 s of 10 min" not in html  # no time limit
    assert "Time taken</dt><dd>4 min 00 s</dd>" in html
    for text in (
        "Oligodendrocytes in the CNS, Schwann cells in the PNS.",  # an explanation
        "doi:10.1056/NEJMra1401483",  # a reference
        "2.8 million (± 0.1)",  # a correct answer spelled out
        "MS damages myelin in the central nervous system.",
        "Myelinates CNS axons",
    ):
        assert text in html


def test_practice_shows_feedback_after_each_answer_and_closes_after_the_last(app, all_types, learner, clock):
    attempt = learner.build(mode="practice")
    order = keys(app, attempt)
    for position, key in enumerate(order, 1):
        question = learner.get(f"/attempts/{attempt}/questions/{position}")
        assert f"Question {position} of 8" in question.text and "Check my answer" in question.text
        response = learner.answer(attempt, position, WRONG[key] if key == "single-1" else RIGHT[key])
        assert response.location == f"/attempts/{attempt}/questions/{position}"  # its feedback
        feedback = learner.get(response.location).text
        assert 'id="feedback"' in feedback and 'role="status"' in feedback
        if key == "single-1":
            assert "Incorrect" in feedback and "Peripheral nerves are myelinated by Schwann cells" in feedback
            assert "MS is a disease of the brain, spinal cord and optic nerves." in feedback  # explanation
        else:
            assert '<h2 id="feedback-title">Correct</h2>' in feedback
        link = "See your results" if position == 8 else "Next question"
        assert link in feedback
    state = attempt_state(app, attempt)
    assert state["status"] == "finished" and state["score"] == 7
    assert learner.get(f"/attempts/{attempt}").location == f"/attempts/{attempt}/results"


def test_a_bank_quiz_uses_its_definition(app, all_types, learner, clock):
    attempt = learner.start("all-types", "exam")
    state = attempt_state(app, attempt)
    assert state["mode"] == "exam" and state["time_limit_seconds"] == 600
    assert state["deadline"] == START + dt.timedelta(minutes=10)
    assert state["title"] == "Exam" and state["quiz_key"] == "exam" and state["source"] == "bank_quiz"
    assert state["criteria"]["banks"] == {"all-types": 1}
    assert sorted(keys(app, attempt)) == ["multiple-1", "single-1", "tf-1"]
    page = learner.get(f"/attempts/{attempt}/questions/1").text
    assert "Question 1 of 3" in page and "Time left:" in page and "10:00" in page

    practice = learner.start("all-types", "practice")
    assert attempt_state(app, practice)["question_count"] == 5  # count: 5 of the 8


def test_the_quiz_list_offers_bank_quizzes_building_and_mistakes(app, all_types, learner):
    html = learner.get("/quizzes").text
    assert "Every question type" in html and "Practise my mistakes" in html and "Build your own quiz" in html
    assert "5 questions" in html and "3 questions" in html and "10 minutes" in html
    nav = learner.get("/").text
    assert 'href="/quizzes"' in nav and 'href="/history"' in nav
    assert 'href="/quizzes"' not in Flask.test_client(app).get("/").text  # not for visitors


# --- nothing lost ----------------------------------------------------------------------------------------------


def test_resume_after_closing_the_browser(app, all_types, make_user, clock):
    make_user("amy")
    first = Learner(app, "amy")
    attempt = first.build(mode="exam", count=4)
    for position in (1, 2):
        assert first.answer_key(attempt, position, RIGHT).status_code == 303

    later = Learner(app, "amy")  # another browser: a new session
    assert later.get(f"/attempts/{attempt}").location == f"/attempts/{attempt}/questions/3"
    listing = later.get("/quizzes").text
    assert "Carry on where you left off" in listing and f'href="/attempts/{attempt}"' in listing
    for position in (1, 2):  # the saved answers are filled in again
        page = later.get(f"/attempts/{attempt}/questions/{position}").text
        key = key_at(app, attempt, position)
        assert form_values(page) == REFILLED[key], key
    assert form_values(later.get(f"/attempts/{attempt}/questions/3").text) == BLANK[key_at(app, attempt, 3)]
    history = later.get("/history").text
    assert "In progress: resume" in history


def test_the_same_answer_twice_counts_once(app, all_types, learner, clock, monkeypatch):
    calls = []
    monkeypatch.setattr(
        ops, "_after_grading", lambda session, user_id, question_id, answer_id, *_: calls.append(answer_id)
    )
    attempt = learner.build(mode="practice", count=3)
    for _ in range(3):
        assert learner.answer_key(attempt, 1, RIGHT).status_code == 303
    assert len(answers_of(app, attempt)) == 1
    assert points(app, attempt) == 1
    assert len(calls) == 1


def test_in_practice_the_first_answer_is_final(app, all_types, learner, clock):
    attempt = learner.build(mode="practice", count=3)
    learner.answer_key(attempt, 1, RIGHT)
    before = answers_of(app, attempt)
    response = learner.answer_key(attempt, 1, WRONG)
    assert response.status_code == 303 and response.location == f"/attempts/{attempt}/questions/1"
    assert "your first answer counts" in learner.get(response.location).text
    assert answers_of(app, attempt) == before


def test_in_an_exam_a_changed_answer_replaces_the_saved_one(app, all_types, learner, clock):
    attempt = learner.build(mode="exam", count=3)
    clock.advance(seconds=20)
    learner.answer_key(attempt, 1, WRONG, shown=str(int((clock.now.timestamp() - 5) * 1000)))
    assert points(app, attempt) < 1
    clock.advance(seconds=40)
    learner.answer_key(attempt, 1, RIGHT, shown=str(int((clock.now.timestamp() - 7) * 1000)))
    (saved,) = answers_of(app, attempt)
    assert saved["correct"] and saved["points"] == 1 and saved["answered_at"] == START + dt.timedelta(seconds=60)
    assert saved["time_spent_ms"] == 12_000  # 5 s and then 7 s on the page
    assert points(app, attempt) == 1
    learner.answer_key(attempt, 1, BLANK)  # clearing an answer leaves the question unanswered
    assert answers_of(app, attempt) == []


def test_a_blank_exam_answer_saves_nothing_new(app, all_types, learner, clock):
    attempt = learner.build(mode="exam", count=2)
    response = learner.answer_key(attempt, 1, BLANK, go="next")
    assert response.location == f"/attempts/{attempt}/questions/2"
    assert answers_of(app, attempt) == []
    assert learner.answer_key(attempt, 2, BLANK, go="previous").location == f"/attempts/{attempt}/questions/1"


def lock_waits(app: Flask) -> Callable[[int], bool]:
    """A test of whether the request running in a given thread is waiting for a lock held by another.

    SQLite: the thread has tried ``BEGIN IMMEDIATE`` since the test was made (while the caller holds the
    write lock, so it was refused and is trying again). PostgreSQL: some session of the database is waiting
    for a lock (the test requests are the only ones running).
    """
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            tries: list[int] = []

            def trace(statement: str) -> None:
                if statement == "BEGIN IMMEDIATE":
                    tries.append(threading.get_ident())

            engine.dispose()  # new connections, each with the trace
            event.listen(engine, "connect", lambda connection, _record: connection.set_trace_callback(trace))
            return lambda thread_id: thread_id in tries
    observer = create_engine(engine.url, poolclass=NullPool)
    waiting = sql(  # row locks are waited for as transaction ids, which belong to no database: go by session
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE NOT l.granted AND a.datname = current_database()"
    )

    def postgres_waits(_thread_id: int) -> bool:
        with observer.connect() as conn:
            return conn.execute(waiting).scalar_one() > 0

    return postgres_waits


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    """Wait until ``condition()`` holds; a limit only a defect reaches (nothing here waits on the clock)."""
    pause = threading.Event()
    for _ in range(int(seconds * 1000)):
        if condition():
            return
        pause.wait(0.001)
    raise AssertionError("a request neither waited for the lock nor got through")


def double_submit(app: Flask, login: str, monkeypatch) -> tuple[int, list[int]]:
    """Two browsers of one learner send the same answer at the same moment.

    The first request to get inside the write holds it there until the other request is waiting for the lock
    (or, were there no lock, has reached the write too, or given up): the race is forced by events, not by a
    sleep long enough for the other request to arrive.
    """
    first, second = Learner(app, login), Learner(app, login)
    attempt = first.build(mode="practice", count=2)
    form = RIGHT[key_at(app, attempt, 1)]
    writes: list[int] = []
    done: list[int] = []
    senders: list[threading.Thread] = []
    real_time_spent = ops._time_spent
    waits = lock_waits(app)

    def held(attempt, now, shown_at):
        writes.append(threading.get_ident())
        if len(writes) == 1:  # inside the write: keep the lock until the other request queues for it
            (other,) = [t.ident for t in senders if t.ident != threading.get_ident()]
            wait_for(lambda: waits(other) or len(writes) > 1 or other in done)
        return real_time_spent(attempt, now, shown_at)

    monkeypatch.setattr(ops, "_time_spent", held)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send(learner: Learner) -> None:
        barrier.wait()
        try:
            statuses.append(learner.answer(attempt, 1, form).status_code)
        finally:
            done.append(threading.get_ident())

    senders.extend(threading.Thread(target=send, args=(learner,)) for learner in (first, second))
    for t in senders:
        t.start()
    for t in senders:
        t.join(timeout=120)
    assert len(writes) == 1, "the second request found the first answer and wrote nothing"
    return attempt, statuses


def test_double_submission_at_the_same_moment_counts_once(app, all_types, make_user, monkeypatch):
    make_user("amy")
    attempt, statuses = double_submit(app, "amy", monkeypatch)
    assert statuses == [303, 303]
    assert len(answers_of(app, attempt)) == 1
    assert points(app, attempt) == 1


@pytest.mark.postgres
def test_double_submission_at_the_same_moment_counts_once_on_postgres(pg_app, monkeypatch):
    from quizapp.domain.banks import parse_bank
    from quizapp.operations import import_bank

    with pg_app.app_context():
        import_bank(db.session, parse_bank(ALL_TYPES), ALL_TYPES.encode(), "all-types.yaml", utcnow())
        create_user(db.session, "amy", PASSWORD, "learner", passwords=passwords(), now=utcnow())
        db.session.commit()
    attempt, statuses = double_submit(pg_app, "amy", monkeypatch)
    assert statuses == [303, 303]
    assert len(answers_of(pg_app, attempt)) == 1
    assert points(pg_app, attempt) == 1


# --- time limits ------------------------------------------------------------------------------------------------


def test_an_answer_after_the_time_limit_is_refused_and_the_attempt_closed(app, all_types, learner, clock):
    attempt = learner.build(mode="exam", count=3, time_limit=10)
    clock.advance(minutes=3)
    assert learner.answer_key(attempt, 1, RIGHT).status_code == 303
    clock.advance(minutes=7)  # exactly at the limit: still in time
    page = learner.get(f"/attempts/{attempt}/questions/2").text
    assert "Time left:" in page and "0:00" in page
    assert learner.answer_key(attempt, 2, RIGHT).status_code == 303
    clock.advance(seconds=1)
    response = learner.answer_key(attempt, 3, RIGHT)
    assert response.status_code == 303 and response.location == f"/attempts/{attempt}/results"
    results = learner.get(response.location).text
    assert "Time ran out before this answer arrived" in results and "Time ran out" in results
    state = attempt_state(app, attempt)
    assert state["status"] == "expired"
    assert state["finished_at"] == START + dt.timedelta(minutes=10)
    assert state["duration_seconds"] == 600 and state["score"] == 2
    assert [a["position"] for a in answers_of(app, attempt)] == [1, 2]
    before = snapshot(app)
    assert learner.answer_key(attempt, 3, RIGHT).location == f"/attempts/{attempt}/results"  # still closed
    assert learner.post(f"/attempts/{attempt}/finish").status_code == 303
    assert snapshot(app) == before


def test_after_the_time_limit_pages_say_so_without_writing(app, all_types, learner, clock):
    attempt = learner.build(mode="exam", count=3, time_limit=5)
    learner.answer_key(attempt, 1, RIGHT)
    clock.advance(minutes=6)
    before = snapshot(app)
    for path in ("", "/questions/2", "/results"):
        assert learner.get(f"/attempts/{attempt}{path}").location == f"/attempts/{attempt}/finish"
    page = learner.get(f"/attempts/{attempt}/finish").text
    assert "Time is up" in page and "See my results" in page
    assert "Time is up: see results" in learner.get("/history").text
    assert snapshot(app) == before  # pages never write; the next post closes the attempt
    learner.post(f"/attempts/{attempt}/finish")
    state = attempt_state(app, attempt)
    assert state["status"] == "expired" and state["duration_seconds"] == 300 and state["score"] == 1


def test_starting_another_quiz_closes_attempts_whose_time_ran_out(app, all_types, learner, clock):
    stale = learner.build(mode="exam", count=2, time_limit=1)
    clock.advance(minutes=2)
    learner.build(mode="practice", count=2)
    assert attempt_state(app, stale)["status"] == "expired"


# --- ownership ------------------------------------------------------------------------------------------------


def test_another_learner_cannot_see_or_answer_an_attempt(app, all_types, make_user, clock):
    make_user("amy")
    make_user("bob")
    amy, bob = Learner(app, "amy"), Learner(app, "bob")
    attempt = amy.build(mode="exam", count=3)
    amy.answer_key(attempt, 1, RIGHT)
    finished = amy.build(mode="practice", count=1)
    amy.answer_key(finished, 1, RIGHT)
    before = snapshot(app)
    for target in (attempt, finished):
        for path in ("", "/questions/1", "/finish", "/results"):
            assert bob.get(f"/attempts/{target}{path}").status_code == 404
        assert bob.answer_key(target, 2 if target == attempt else 1, RIGHT).status_code == 404
        assert bob.post(f"/attempts/{target}/finish").status_code == 404
    assert snapshot(app) == before
    assert bob.get("/history").text.count("<tr>") == 0
    assert amy.get(f"/attempts/{attempt}/questions/1").status_code == 200


# --- bank edits never change the past -------------------------------------------------------------------------

V1 = """
  - id: q1
    type: single
    prompt: "Which cells make myelin in the CNS?"
    choices:
      - {id: a, text: "Oligodendrocytes", correct: true}
      - {id: b, text: "Astrocytes"}
    explanation: "The original explanation."
    tags: [demo]
  - id: q2
    type: true_false
    prompt: "MS is a disease of the CNS."
    answer: true
    tags: [demo]
"""
V2 = """
  - id: q1
    type: single
    prompt: "Reworded: which glial cell myelinates central axons?"
    choices:
      - {id: a, text: "Oligodendrocytes"}
      - {id: b, text: "Astrocytes", correct: true}
    explanation: "A new explanation."
    tags: [demo]
"""


def test_editing_or_retiring_questions_never_changes_a_past_result(app, make_bank, learner, clock):
    make_bank(bank_yaml(questions=V1))
    attempt = learner.build(banks=["demo"], mode="exam", count=2)
    for position in (1, 2):
        key = key_at(app, attempt, position)
        learner.answer(attempt, position, {"choice": ["a"]} if key == "q1" else {"choice": ["true"]})
    learner.post(f"/attempts/{attempt}/finish")
    before = learner.get(f"/attempts/{attempt}/results").text
    assert "Which cells make myelin in the CNS?" in before and "100%" in before

    result = make_bank(bank_yaml(questions=V2))
    assert result.version == 2 and result.changed == ["q1"] and result.retired == ["q2"]
    after = learner.get(f"/attempts/{attempt}/results").text
    # Same wording, same answers, same score; only the learner's history with each question is of today.
    assert without_history(without_tokens(after)) == without_history(without_tokens(before))
    assert "removed from its bank, so it is no longer studied" in after
    assert "Reworded" not in after and "MS is a disease of the CNS." in after and "The original explanation." in after
    assert attempt_state(app, attempt)["score"] == 2

    fresh = learner.build(banks=["demo"], mode="exam", count=2)
    assert keys(app, fresh) == ["q1"]  # the retired question is never drawn again
    assert "Reworded: which glial cell" in learner.get(f"/attempts/{fresh}/questions/1").text
    with app.app_context():
        revisions = {a.question_revision_id for a in db.session.scalars(select(Answer))}
        assert len(revisions) == 2  # the old attempt's answers stay pinned to the old wording


# --- reproducible shuffles ----------------------------------------------------------------------------------


def test_the_same_attempt_always_shows_the_same_order(app, all_types, learner, clock):
    attempt = learner.build(mode="exam")
    first = [learner.get(f"/attempts/{attempt}/questions/{p}").text for p in range(1, 9)]
    again = [learner.get(f"/attempts/{attempt}/questions/{p}").text for p in range(1, 9)]
    assert [without_tokens(h) for h in first] == [without_tokens(h) for h in again]


def test_the_seed_fixes_questions_and_order(app, all_types, make_user):
    make_user("amy")
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        spec = ops.CustomQuiz(["all-types"], count=5)
        a = ops.start_attempt(db.session, user, spec, START, seed=1234)
        b = ops.start_attempt(db.session, user, spec, START, seed=1234, afresh=True)
        others = {
            tuple(ops.start_attempt(db.session, user, spec, START, s, afresh=True).question_revision_ids)
            for s in range(8)
        }
        assert a.question_revision_ids == b.question_revision_ids and a.seed == 1234
        assert len(others) > 1
        db.session.rollback()


# --- practise my mistakes ------------------------------------------------------------------------------------


def test_practise_my_mistakes(app, all_types, make_bank, learner, clock):
    make_bank(bank_yaml(questions=V1.replace("tags: [demo]", "tags: [other]")))
    nothing_yet = learner.get(learner.post("/quizzes/mistakes").location).text
    assert "You have not answered any quiz question yet, so there is no mistake to practise." in nothing_yet
    assert "Well done" not in nothing_yet

    first = learner.build(mode="practice")
    wrong = {"single-1", "short-1", "ordering-1"}
    for position, key in enumerate(keys(app, first), 1):
        clock.advance(seconds=10)
        learner.answer(first, position, WRONG[key] if key in wrong else RIGHT[key])
    demo = learner.build(banks=["demo"], mode="exam", count=2)
    for position, key in enumerate(keys(app, demo), 1):
        learner.answer(demo, position, {"choice": ["b"]} if key == "q1" else {"choice": ["true"]})
    # an exam still in progress does not count yet

    response = learner.post("/quizzes/mistakes")
    assert response.status_code == 303
    mistakes = int(response.location.rsplit("/", 1)[1])
    assert sorted(keys(app, mistakes)) == sorted(wrong)
    state = attempt_state(app, mistakes)
    assert state["mode"] == "practice" and state["source"] == "mistakes" and state["title"] == "Practise my mistakes"

    learner.post(f"/attempts/{demo}/finish")  # now the wrong exam answer counts, within its bank
    in_demo = int(learner.post("/quizzes/mistakes", **{"mistakes-bank": "demo"}).location.rsplit("/", 1)[1])
    assert keys(app, in_demo) == ["q1"]
    assert attempt_state(app, in_demo)["title"] == "Practise my mistakes: Bank demo"

    for position, key in enumerate(keys(app, mistakes), 1):  # put two of them right
        clock.advance(seconds=10)
        learner.answer(mistakes, position, RIGHT[key] if key != "ordering-1" else WRONG[key])
    again = int(learner.post("/quizzes/mistakes", **{"mistakes-bank": "all-types"}).location.rsplit("/", 1)[1])
    assert keys(app, again) == ["ordering-1"]
    empty = learner.post("/quizzes/mistakes", **{"mistakes-tag": "other", "mistakes-bank": "all-types"})
    assert "You have not answered any question in this bank with this tag yet" in learner.get(empty.location).text
    assert learner.post("/quizzes/mistakes", **{"mistakes-bank": "no-such-bank"}).status_code == 404


def test_mistakes_leave_out_retired_questions(app, make_bank, learner, clock):
    make_bank(bank_yaml(questions=V1))
    attempt = learner.build(banks=["demo"], mode="practice", count=2)
    for position in (1, 2):
        learner.answer(attempt, position, {"choice": ["b"]} if key_at(app, attempt, position) == "q1" else {})
    make_bank(bank_yaml(questions=V1.split("  - id: q2")[0]))  # q2 retired
    mistakes = int(learner.post("/quizzes/mistakes").location.rsplit("/", 1)[1])
    assert keys(app, mistakes) == ["q1"]


# --- history ----------------------------------------------------------------------------------------------------


def test_history_is_newest_first_and_paginated(app, all_types, learner, clock):
    made = []
    for i in range(25):
        clock.advance(minutes=5)
        attempt = learner.build(mode="practice", count=1)
        learner.answer_key(attempt, 1, RIGHT if i % 2 else WRONG)
        made.append(attempt)
    first = learner.get("/history")
    assert first.status_code == 200
    linked = [int(x) for x in re.findall(r'href="/attempts/(\d+)/results"', first.text)]
    assert linked == made[::-1][:20]
    assert "25 quizzes taken" in first.text and "Page 1 of 2" in first.text and "100%" in first.text
    assert "0 s" in first.text  # time taken
    second = learner.get("/history?page=2")
    assert [int(x) for x in re.findall(r'href="/attempts/(\d+)/results"', second.text)] == made[::-1][20:]
    assert learner.get("/history?page=3").status_code == 404


def test_history_without_attempts_says_how_to_start(learner):
    assert "You have not taken a quiz yet" in learner.get("/history").text


# --- malformed and refused posts -----------------------------------------------------------------------------

MALFORMED = [
    ("single-1", {"choice": ["zzz"]}, "That choice is not one of this question"),
    ("single-1", {"choice": ["a", "b"]}, "Choose only one answer."),
    ("multiple-1", {"choice": ["a", "a"]}, "The same choice was sent twice."),
    ("tf-1", {"choice": ["maybe"]}, "Answer true or false."),
    ("short-1", {}, "The answer box is missing from the form."),
    ("short-1", {"answer": ["x" * 501]}, "Your answer is too long"),
    ("numeric-1", {"answer": ["lots"]}, "Enter a number"),
    ("cloze-1", {"gap-1": ["myelin"]}, "The answer for gap 2 is missing"),
    ("matching-1", {"match-1": ["1", "2"], "match-2": ["1"]}, "was sent more than once"),
    ("matching-1", {"match-1": ["9"], "match-2": ["1"]}, "is not one of the options"),
    ("ordering-1", {"position-1": ["1"], "position-2": ["1"], "position-3": ["2"], "position-4": ["3"]}, "twice"),
]


@pytest.mark.parametrize(("key", "form", "message"), MALFORMED)
def test_a_malformed_answer_is_a_400_with_a_clear_message_and_changes_nothing(
    app, all_types, learner, clock, key, form, message
):
    attempt = learner.build(mode="exam")
    position = keys(app, attempt).index(key) + 1
    before = snapshot(app)
    response = learner.answer(attempt, position, form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Your answer was not saved" in html and message in html.replace("&#34;", '"')
    assert f"Question {position} of 8" in html and 'role="alert"' in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert snapshot(app) == before


def test_posts_to_nothing_are_404s_or_400s(app, all_types, learner, clock):
    attempt = learner.build(mode="exam", count=2)
    before = snapshot(app)
    assert learner.answer(attempt, 3, {"choice": ["a"]}).status_code == 404
    assert learner.answer(attempt, 0, {"choice": ["a"]}).status_code == 404
    assert learner.get(f"/attempts/{attempt}/questions/3").status_code == 404
    assert learner.post("/quizzes/start", bank="all-types", quiz="no-such-quiz").status_code == 404
    assert learner.post("/quizzes/start", bank="no-such-bank", quiz="exam").status_code == 404
    empty = learner.post("/quizzes/start")
    assert empty.status_code == 400 and "did not say which quiz to start" in empty.text
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"build-count": "10"}, "Choose at least one bank."),
        ({"build-banks": "all-types", "build-count": "0"}, "Choose between 1 and 100 questions."),
        ({"build-banks": "all-types", "build-count": "many"}, "Number of questions must be a whole number."),
        ({"build-banks": "all-types", "build-count": "5", "build-time_limit": "9999"}, "between 1 and 1440"),
        ({"build-banks": "all-types", "build-count": "5", "build-mode": "cram"}, "Not a valid choice."),
        ({"build-banks": "nope", "build-count": "5"}, "is not a valid choice"),
        ({"build-banks": "all-types", "build-count": "5", "build-tags": "no-such-tag"}, "is not a valid choice"),
    ],
)
def test_building_a_quiz_checks_the_form(app, all_types, learner, fields, message):
    before = snapshot(app)
    response = learner.post("/quizzes/build", **fields)
    assert response.status_code == 422
    assert message in response.text.replace("&#39;", "'")
    assert "There is a problem" in response.text
    assert snapshot(app) == before


def test_building_a_quiz_with_tags_no_question_has(app, all_types, make_bank, learner):
    make_bank(bank_yaml(questions=V1.replace("tags: [demo]", "tags: [other]")))
    response = learner.post("/quizzes/build", **{"build-banks": "all-types", "build-tags": "other", "build-count": "5"})
    assert response.status_code == 422 and "No questions in the chosen banks have the chosen tags" in response.text


def test_a_custom_quiz_with_tags_draws_only_those(app, all_types, make_bank, learner):
    make_bank(bank_yaml(questions=V1.replace("tags: [demo]", "tags: [other]", 1)))
    attempt = learner.build(banks=["all-types", "demo"], tags=["other"], count=10, mode="exam")
    assert keys(app, attempt) == ["q1"]
    state = attempt_state(app, attempt)
    assert state["title"] == "Custom quiz: Bank demo, Every question type — other"
    assert state["criteria"] == {"banks": {"all-types": 1, "demo": 1}, "tags": ["other"], "count": 10}


# --- around the edges ----------------------------------------------------------------------------------------


def test_quiz_pages_need_an_account(app, all_types):
    client = app.test_client()
    for path in ("/quizzes", "/history", "/attempts/1", "/attempts/1/results"):
        response = client.get(path)
        assert response.status_code == 302 and response.location.startswith("/login")


def test_the_account_download_holds_attempts_and_answers(app, all_types, learner, clock):
    attempt = learner.build(mode="practice", count=2)
    learner.answer_key(attempt, 1, RIGHT)
    with app.app_context():
        user_id = db.session.scalars(select(User.id)).one()
    data = learner.get(f"/account/{user_id}/export").get_json()
    (exported,) = data["attempts"]
    assert exported["id"] == attempt and exported["mode"] == "practice" and exported["answers"][0]["points"] == 1
    (answer,) = exported["answers"]
    assert answer["bank"] == "all-types" and answer["question"] == key_at(app, attempt, 1) and answer["correct"]


def test_deleting_an_account_deletes_its_attempts(app, all_types, learner, clock):
    attempt = learner.build(mode="practice", count=2)
    learner.answer_key(attempt, 1, RIGHT)
    learner.post("/account/delete", password=PASSWORD)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_a_bank_of_payloads_is_inert_on_quiz_pages(app, make_bank, learner, clock):
    from .test_xss import executable_markup, xss_bank

    make_bank(xss_bank(), "xss.yaml")
    attempt = learner.build(banks=["xss"], mode="practice", count=3)
    pages = {"list": learner.get("/quizzes").text, "question": learner.get(f"/attempts/{attempt}/questions/1").text}
    for position in range(1, 4):
        learner.answer(attempt, position, {"choice": ["a"]})
        pages[f"feedback {position}"] = learner.get(f"/attempts/{attempt}/questions/{position}").text
    pages["feedback results"] = learner.get(f"/attempts/{attempt}/results").text
    exam = learner.build(banks=["xss"], mode="exam", count=100)  # every question
    for position in range(1, attempt_state(app, exam)["question_count"] + 1):
        learner.answer(exam, position, {"choice": ["a"]})
    pages["summary"] = learner.get(f"/attempts/{exam}/finish").text
    learner.post(f"/attempts/{exam}/finish")
    pages["results"] = learner.get(f"/attempts/{exam}/results").text
    pages["history"] = learner.get("/history").text
    for name, html in pages.items():
        found = [x for x in executable_markup(html) if x != "<script>"]
        assert found == [], name
        scripts = re.findall(r"<script[^>]*>", html)
        assert all(s == '<script src="/static/quiz.js" defer>' for s in scripts), name
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["results"]


def test_the_database_keeps_one_answer_per_position(app, all_types, make_user):
    from sqlalchemy.exc import IntegrityError

    make_user("amy")
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        attempt = ops.start_attempt(db.session, user, ops.CustomQuiz(["all-types"], count=2), START)
        revision = db.session.get(QuestionRevision, attempt.question_revision_ids[0])
        for _ in range(2):
            db.session.add(
                Answer(
                    attempt_id=attempt.id,
                    user_id=user.id,
                    position=1,
                    question_id=revision.question_id,
                    question_revision_id=revision.id,
                    response={},
                    points=0,
                    max_points=1,
                    correct=False,
                    answered_at=START,
                )
            )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def key_at_position(attempt: Attempt, position: int) -> str:
    revision = db.session.get(QuestionRevision, attempt.question_revision_ids[position - 1])
    return db.session.get(Question, revision.question_id).key


def test_operations_can_run_without_a_request(tmp_path: Path):
    """The operations need a session and a clock, nothing from Flask's request."""
    app = make_app(f"sqlite:///{tmp_path / 'ops.sqlite'}", tmp_path)
    from quizapp.domain.banks import parse_bank
    from quizapp.operations import import_bank

    with app.app_context():
        import_bank(db.session, parse_bank(ALL_TYPES), ALL_TYPES.encode(), "all-types.yaml", utcnow())
        user = create_user(db.session, "amy", PASSWORD, "learner", passwords=passwords(), now=utcnow())
        attempt = ops.start_attempt(db.session, user, ops.BankQuiz("all-types", "exam"), START, seed=3)
        for position in range(1, attempt.question_count + 1):
            revision = db.session.get(QuestionRevision, attempt.question_revision_ids[position - 1])
            key = db.session.get(Question, revision.question_id).key
            saved = ops.save_answer(
                db.session, user.id, attempt.id, position, RIGHT[key], START + dt.timedelta(minutes=1)
            )
            assert saved.changed and not saved.closed
        ops.finish_attempt(db.session, attempt, START + dt.timedelta(minutes=2))
        assert (attempt.status, attempt.score, attempt.percent, attempt.duration_seconds) == ("finished", 3, 100, 120)
        with pytest.raises(ops.AttemptClosed):
            ops.save_answer(
                db.session, user.id, attempt.id, 1, RIGHT[key_at_position(attempt, 1)], START + dt.timedelta(minutes=3)
            )
        db.session.commit()
    with app.app_context():
        db.engine.dispose()
