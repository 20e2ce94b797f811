"""A teacher's home (classes, work due, late and unfinished attempts, flagged questions) and what a class has
forgotten."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Attempt, Question, StoredAnalysis, User, utcnow
from quizapp.operations.cards import record_quiz_outcome

from .analysis_data import add_attempts, make_class
from .conftest import bank_yaml, log_in
from .test_item_analysis_pages import QUESTIONS, picks


@pytest.fixture
def school(app, make_bank, make_user):
    """Twelve learners of a class taught by "teacher": homework due two days ago (everyone took it, learner 0
    after the due date, learner 1 still has one open), and a test due in three days."""
    make_bank(bank_yaml("france", QUESTIONS))
    learners = [make_user(f"learner{n}@example.org") for n in range(12)]
    make_user("teacher", role="teacher")
    make_user("other-teacher", role="teacher")
    now = utcnow()
    class_id, homework = make_class(app, "teacher", learners, due=now - dt.timedelta(days=2))
    make_class(app, "teacher", [], due=now + dt.timedelta(days=3), title="France test")
    with app.app_context():
        ids = add_attempts(
            db.session, "france", learners, picks, now - dt.timedelta(days=4), quiz_key="final", assignment_id=homework
        )
        db.session.get(Attempt, ids[0]).finished_at = now - dt.timedelta(days=1)  # after the due date
        add_attempts(
            db.session,
            "france",
            learners[1:2],
            picks,
            now - dt.timedelta(days=3),
            assignment_id=homework,
            status="in_progress",
        )
        db.session.commit()
    return {"class_id": class_id, "homework": homework, "learners": learners, "late_attempt": ids[0]}


def test_the_teacher_home_shows_classes_and_what_needs_attention(client, school):
    log_in(client, "teacher")
    html = client.get("/teach/").text
    assert "<h1>Teaching</h1>" in html
    assert "<strong>Year 9 geography</strong>" in html and "12 learners, 1 assignment" in html
    assert f'href="/teach/classes/{school["class_id"]}/forgotten"' in html
    due = html.split('id="due-title"', 1)[1].split("</section>", 1)[0]
    assert "France test" in due and "France homework" not in due
    attention = html.split('id="attention-caption"', 1)[1].split("</table>", 1)[0]
    assert "learner0@example.org" in attention and "Handed in late" in attention
    assert "learner1@example.org" in attention and "Still open after the due date" in attention
    assert attention.count("<tr>") == 3  # the header and two learners
    # Shortcuts: the late attempt's review, each learner's page, the assignment's page.
    late = school["late_attempt"]
    assert f'href="/classes/{school["class_id"]}/attempts/{late}"' in attention
    assert f'href="/classes/{school["class_id"]}/learners/{school["learners"][0]}"' in attention
    assert f'href="/classes/{school["class_id"]}/assignments/{school["homework"]}"' in attention
    flagged = html.split('id="flagged-title"', 1)[1].split("</section>", 1)[0]
    assert f'href="/teach/assignments/{school["homework"]}/analysis"' in flagged
    assert "Nobody picked the distractor “Nice”" in flagged


def test_another_teacher_sees_none_of_it(client, school):
    log_in(client, "other-teacher")
    html = client.get("/teach/").text
    assert "You teach no class yet." in html and "learner0@example.org" not in html
    assert "Nothing is due in the next seven days." in html and "No question is flagged." in html
    response = client.get(f"/teach/classes/{school['class_id']}/forgotten")
    assert response.status_code == 404 and "There is no such class among yours." in response.text


def test_forgotten_shows_memory_by_topic_and_the_questions_most_often_wrong(app, client, school):
    now = utcnow()
    with app.app_context():
        capital = db.session.scalar(select(Question).where(Question.key == "capital"))
        sky = db.session.scalar(select(Question).where(Question.key == "sky"))
        for n, uid in enumerate(school["learners"][:4]):
            user = db.session.get(User, uid)
            # Quiz answers feed the learners' cards: capital right for all four, the sky wrong for two of them.
            record_quiz_outcome(db.session, user, capital, True, now - dt.timedelta(days=1), token=f"c{n}")
            record_quiz_outcome(db.session, user, sky, n < 2, now - dt.timedelta(days=1), token=f"s{n}")
        db.session.commit()
    log_in(client, "teacher")
    html = client.get(f"/teach/classes/{school['class_id']}/forgotten").text
    assert "<h1>What Year 9 geography has forgotten</h1>" in html
    topics = html.split('id="topics-caption"', 1)[1].split("</table>", 1)[0]
    rows = [r.split("</th>")[0] for r in topics.split('<th scope="row">')[1:]]
    assert rows == ["nature", "cities"]  # the sky, half forgotten, is the least remembered
    # The homework's answers four days ago: the sky wrong for learners 6-11 (6), the capital for 8-11 (4),
    # the river for learner 6 ("Loire"); blanks are not answers.
    failed = html.split('id="failed-caption"', 1)[1].split("</table>", 1)[0]
    order = [r.split("</code>")[0] for r in failed.split('<th scope="row"><code>')[1:]]
    assert order == ["sky", "capital", "river"]
    assert "<td>6</td><td>50&nbsp;% of 12</td><td>6</td>" in failed


@pytest.mark.parametrize("path", ["/teach/classes/0/forgotten", "/teach/classes/99999999999/forgotten"])
def test_bad_class_ids_are_not_found(client, school, path):
    log_in(client, "teacher")
    assert client.get(path).status_code == 404


def test_home_reads_a_fixed_number_of_statements(app, client, school, monkeypatch):
    from sqlalchemy import event

    from quizapp import jobs
    from quizapp.queries import itemanalysis as analysis_queries

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    stored: list[object] = []
    log_in(client, "teacher")
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        # The request alone: what it computed is stored afterwards, by the worker (here, at once).
        with monkeypatch.context() as patched:
            patched.setattr(jobs, "keep_analyses", lambda **kw: stored.extend(kw["computed"]))
            client.get("/teach/")
        first = len(statements)
        with app.app_context():
            jobs.keep_analyses(computed=stored)
            assert db.session.scalar(select(func.count()).select_from(StoredAnalysis)) == len(stored) > 0
        # Another worker (nothing kept in memory) reads the stored analyses, not the attempts' marks.
        analysis_queries._KEPT.clear()
        statements.clear()
        client.get("/teach/")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # Session and user, classes and their counts, assignments, attempts, extensions, the time zone, and five
    # statements per analysed assignment (the attempts' count and newest, the stored analysis, then attempts
    # with their marks, questions and revisions) plus its banks.
    assert first <= 20
    assert len(statements) < first
    assert not [s for s in statements if "attempt_marks" in s or "question_revisions" in s]
