"""What keeps item analysis cheap to read stays true: each closed attempt's stored marks, written by every
operation that closes one (and by none that discards one) and by their revision for attempts closed before
it, give exactly the analysis its answers give; and a stored analysis is used only while it is current."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, event, func, select, update

from quizapp import jobs
from quizapp.domain import itemanalysis as ia
from quizapp.extensions import db
from quizapp.models import Answer, Assignment, Attempt, AttemptMarks, StoredAnalysis, User
from quizapp.operations.classes import start_assignment
from quizapp.operations.quizzes import (
    BankQuiz,
    CustomQuiz,
    TimeUp,
    discard_attempt,
    finish_attempt,
    save_answer,
    start_attempt,
)
from quizapp.queries import itemanalysis as analysis_queries
from quizapp.queries.quizzes import revision_questions

from .analysis_data import add_attempts, make_class
from .conftest import PASSWORD, bank_yaml, log_in, make_app, post_form
from .test_item_analysis_pages import QUESTIONS, picks
from .test_migrations import MIGRATIONS, fresh_postgres  # noqa: F401  # a fixture

START = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
RIVERS = """
  - id: longest
    type: single
    prompt: "Which is the longest river of France?"
    choices:
      - {id: loire, text: "Loire", correct: true}
      - {id: seine, text: "Seine"}
  - id: mouth
    type: short_answer
    prompt: "Into which sea does the Rhône flow?"
    answers: [Mediterranean]
"""
# What each learner answers, by question id and learner number: a choice, true/false or a typed answer.
ANSWERS = {
    "capital": lambda n: "paris" if n % 3 else "lyon",
    "sky": lambda n: "false" if n % 2 else "true",
    "river": lambda n: "Seine" if n % 4 == 0 else "Loire" if n % 4 == 1 else None,
    "longest": lambda n: "loire" if n % 2 else "seine",
    "mouth": lambda n: "Mediterranean" if n % 3 == 0 else "Atlantic",
}


def form_for(question: Any, text: str | None) -> dict[str, list[str]]:
    if text is None:
        return {}
    return {"answer": [text]} if question.type == "short_answer" else {"choice": [text]}


def answer_all(session, user_id: int, attempt: Attempt, n: int, now: dt.datetime, skip: int = 0) -> None:
    """Answer every question of ``attempt`` as learner ``n`` would, but the first ``skip``."""
    for position, question in sorted(revision_questions(session, attempt).items()):
        text = ANSWERS[question.id](n)
        if position > skip and text is not None:
            save_answer(session, user_id, attempt.id, position, form_for(question, text), now)


def stored_marks(session, attempt_id: int) -> list[ia.StoredMark] | None:
    text = session.scalar(select(AttemptMarks.marks).where(AttemptMarks.attempt_id == attempt_id))
    return None if text is None else ia.decode_marks(text)


def marks_from_answers(session, attempt: Attempt) -> list[ia.StoredMark]:
    given = {
        a.position: (a.points, a.correct, ia.response_text(a.response))
        for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))
    }
    return [given.get(p) for p in range(1, attempt.question_count + 1)]


@pytest.fixture
def school(app, make_bank, make_user):
    """Eleven learners in a class; the france bank (two versions) and a rivers bank; attempts taken through the
    operations: bank quizzes (some twice), custom quizzes over both banks, an assignment whose feedback is
    held until it is due, a discarded attempt, one in progress and one that ran out of time."""
    make_bank(bank_yaml("france", QUESTIONS))
    make_bank(bank_yaml("rivers", RIVERS))
    learners = [make_user(f"l{n}@example.org") for n in range(11)]
    make_user("teacher", role="teacher")
    class_id, assignment_id = make_class(app, "teacher", learners[:8], due=START + dt.timedelta(days=9))
    with app.app_context():
        session = db.session
        assignment = session.get(Assignment, assignment_id)
        assignment.feedback = "after_due"
        users = [session.get(User, uid) for uid in learners]
        for n, user in enumerate(users):
            now = START + dt.timedelta(hours=n)
            first = start_attempt(session, user, BankQuiz("france", "final"), now, seed=n)
            answer_all(session, user.id, first, n, now, skip=n % 5 == 4)
            finish_attempt(session, first, now)
            if n % 3 == 0:  # a second attempt, answered as the next learner would
                again = start_attempt(session, user, BankQuiz("france", "final"), now, seed=n + 50)
                answer_all(session, user.id, again, n + 1, now)
                finish_attempt(session, again, now)
            mixed = start_attempt(session, user, CustomQuiz(["france", "rivers"], count=4, mode="exam"), now, n)
            answer_all(session, user.id, mixed, n, now)
            finish_attempt(session, mixed, now)
            if n < 8:
                taken = start_assignment(session, user, assignment, now + dt.timedelta(days=1))
                answer_all(session, user.id, taken, n + 2, now + dt.timedelta(days=1))
                finish_attempt(session, taken, now + dt.timedelta(days=1))
        gone = start_attempt(session, users[0], CustomQuiz(["france"], count=3, mode="exam"), START, 7)
        answer_all(session, users[0].id, gone, 1, START)
        discard_attempt(session, users[0].id, gone.id, START)
        start_attempt(session, users[1], CustomQuiz(["rivers"], count=2, mode="exam"), START, 8)  # in progress
        timed = CustomQuiz(["france", "rivers"], count=5, mode="exam", time_limit_minutes=1)
        late = start_attempt(session, users[2], timed, START, 9)
        answer_all(session, users[2].id, late, 3, START)
        finish_attempt(session, late, START + dt.timedelta(minutes=5))  # expired
        session.commit()
    # A new version of the bank (the capital question reworded and a choice added), then attempts at it.
    make_bank(
        bank_yaml(
            "france",
            QUESTIONS.replace("Which city is", "Which city is now").replace(
                '      - {id: nice, text: "Nice"}',
                '      - {id: nice, text: "Nice"}\n      - {id: lille, text: "Lille"}',
            ),
        )
    )
    with app.app_context():
        for n, uid in enumerate(learners[4:], 4):
            user = db.session.get(User, uid)
            now = START + dt.timedelta(days=3, hours=n)
            attempt = start_attempt(db.session, user, BankQuiz("france", "final"), now, seed=n)
            answer_all(db.session, uid, attempt, n + 1, now)
            finish_attempt(db.session, attempt, now)
        db.session.commit()
    return {"learners": learners, "class_id": class_id, "assignment_id": assignment_id}


def scopes(session, school) -> list[analysis_queries.Scope]:
    france = analysis_queries.bank_by_slug(session, "france")
    rivers = analysis_queries.bank_by_slug(session, "rivers")
    assignment = session.get(Assignment, school["assignment_id"])
    found = []
    for which in ("first", "all"):
        for bank in (france, rivers):
            whole = analysis_queries.bank_scope(session, bank, None, which)
            found += [whole, analysis_queries.for_class(session, whole, school["class_id"], 0, "admin")]
        found.append(analysis_queries.bank_scope(session, france, "final", which))
        found.append(analysis_queries.assignment_scope(session, assignment, which))
    return found


def test_stored_marks_give_what_the_answers_give(app, school):
    with app.app_context():
        session = db.session
        every = scopes(session, school)
        from_marks = [analysis_queries.analyse(session, s, 20) for s in every]
        assert all(a.result.quiz.attempts for a in from_marks)
        session.execute(delete(AttemptMarks))  # every attempt read from its answers instead
        from_answers = [analysis_queries.analyse(session, s, 20) for s in every]
        session.rollback()
    for a, b in zip(from_marks, from_answers, strict=True):
        assert a.result == b.result
        assert a.links == b.links
    # The scopes differ as they should: all attempts count more than first ones; a class fewer than everyone.
    counts = [a.result.quiz.attempts for a in from_marks]
    assert counts[0] > counts[1] and counts[0] < counts[6]
    # The reworded question's two revisions are one question; the added choice is listed.
    france = from_marks[0].result.questions
    capital = next(q for q in france if q.item.key == "capital")
    assert [r.id for r in capital.responses][:4] == ["paris", "lyon", "nice", "lille"]


def test_every_closed_attempt_has_its_marks_and_no_other(app, school):
    with app.app_context():
        session = db.session
        attempts = session.scalars(select(Attempt)).all()
        assert {a.status for a in attempts} == {"finished", "expired", "discarded", "in_progress"}
        for attempt in attempts:
            found = stored_marks(session, attempt.id)
            if attempt.status in ("finished", "expired"):
                assert found == marks_from_answers(session, attempt), attempt.id
            else:
                assert found is None
        unanswered = [m for a in attempts if (m := stored_marks(session, a.id)) for e in m if e is None]
        assert unanswered  # left blank or skipped: no entry


def test_closing_by_running_out_of_time_writes_the_marks(app, school):
    with app.app_context():
        session = db.session
        user = session.get(User, school["learners"][9])
        timed = CustomQuiz(["france"], count=3, mode="exam", time_limit_minutes=1)
        # An answer after the time limit closes the attempt with what was saved.
        first = start_attempt(session, user, timed, START, 1)
        answer_all(session, user.id, first, 0, START, skip=1)
        with pytest.raises(TimeUp):
            save_answer(session, user.id, first.id, 1, {"choice": ["paris"]}, START + dt.timedelta(minutes=2))
        # Discarding one whose time ran out closes it instead.
        second = start_attempt(session, user, timed, START + dt.timedelta(hours=1), 2)
        with pytest.raises(TimeUp):
            discard_attempt(session, user.id, second.id, START + dt.timedelta(hours=2))
        # Starting another quiz closes the learner's attempts whose time ran out.
        third = start_attempt(session, user, timed, START + dt.timedelta(hours=3), 3)
        answer_all(session, user.id, third, 1, START + dt.timedelta(hours=3))
        start_attempt(session, user, CustomQuiz(["rivers"], count=1), START + dt.timedelta(hours=5), 4)
        # A practice attempt closes with its last answer.
        practice = start_attempt(session, user, CustomQuiz(["rivers"], count=2, mode="practice"), START, 5)
        answer_all(session, user.id, practice, 0, START)
        session.commit()
        for attempt in (first, second, third, practice):
            session.refresh(attempt)
            assert attempt.status in ("expired", "finished")
            assert stored_marks(session, attempt.id) == marks_from_answers(session, attempt)
        assert stored_marks(session, first.id)[0] is None  # the late answer was not saved


def test_the_revision_writes_the_marks_of_attempts_closed_before_it(app, school):
    with app.app_context():
        before = db.session.execute(select(AttemptMarks.attempt_id, AttemptMarks.marks)).all()
        assert len(before) > 20
        db.session.rollback()
        downgrade(directory=MIGRATIONS, revision="9b1c2d3e4f02-1")
        upgrade(directory=MIGRATIONS)
        assert sorted(db.session.execute(select(AttemptMarks.attempt_id, AttemptMarks.marks)).all()) == sorted(before)
        db.session.rollback()


@pytest.mark.postgres
def test_the_revision_writes_the_same_marks_on_postgresql(fresh_postgres, tmp_path):  # noqa: F811
    app = make_app(fresh_postgres, tmp_path)
    try:
        with app.app_context():
            from quizapp.domain.banks import parse_bank
            from quizapp.extensions import passwords
            from quizapp.models import utcnow
            from quizapp.operations import create_user, import_bank

            source = bank_yaml("france", QUESTIONS).encode()
            import_bank(db.session, parse_bank(source, "france.yaml"), source, "france.yaml", utcnow())
            users = [
                create_user(db.session, f"pupil{n}", PASSWORD, "learner", passwords=passwords(), now=utcnow())
                for n in range(4)
            ]
            for n, user in enumerate(users):
                attempt = start_attempt(db.session, user, BankQuiz("france", "final"), START, seed=n)
                answer_all(db.session, user.id, attempt, n, START)
                finish_attempt(db.session, attempt, START)
            db.session.commit()
            before = sorted(db.session.execute(select(AttemptMarks.attempt_id, AttemptMarks.marks)).all())
            db.session.rollback()
            downgrade(directory=MIGRATIONS, revision="9b1c2d3e4f02-1")
            upgrade(directory=MIGRATIONS)
            assert sorted(db.session.execute(select(AttemptMarks.attempt_id, AttemptMarks.marks)).all()) == before
            assert len(before) == 4
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- stored analyses --------------------------------------------------------------------------------------


def statements_of(app, run) -> list[str]:
    found: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        found.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return found


def stored_rows(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(StoredAnalysis.scope, StoredAnalysis.state)).all())


def test_closing_an_assigned_attempt_stores_its_analysis_for_every_worker(app, client, school):
    with app.app_context():
        assignment = db.session.get(Assignment, school["assignment_id"])
        scope = analysis_queries.assignment_scope(db.session, assignment, None)
        key = analysis_queries.scope_key(scope)
        state = analysis_queries.state_digest(db.session, scope)
        expected = analysis_queries.analyse(db.session, scope, 20).result
        db.session.rollback()
    # The assigned attempts closed by the fixture stored the assignment's analysis as it then stood, before
    # the bank's new version: no longer current, so the first view computes it, and stores it.
    assert key in stored_rows(app) and stored_rows(app)[key] != state
    log_in(client, "teacher")
    path = f"/teach/assignments/{school['assignment_id']}/analysis"
    analysis_queries._KEPT.clear()
    assert "<dt>Number of attempts</dt><dd>8</dd>" in client.get(path).text
    assert stored_rows(app)[key] == state
    # Another worker reads it: no attempt's marks or answers read.
    analysis_queries._KEPT.clear()
    statements = statements_of(app, lambda: client.get(path))
    assert not [s for s in statements if "attempt_marks" in s or "FROM answers" in s]
    with app.app_context():
        scope = analysis_queries.assignment_scope(db.session, db.session.get(Assignment, school["assignment_id"]), None)
        kept = analysis_queries.kept_analysis(db.session, scope, 20)
        assert kept.result == expected and kept.fresh is None
        db.session.rollback()
    # A learner finishes through the page: the analysis is stored again, and counts them.
    learner = app.test_client()
    log_in(learner, "l9@example.org")
    with app.app_context():
        user = db.session.get(User, school["learners"][9])
        klass = db.session.get(Assignment, school["assignment_id"]).class_id
        from quizapp.models import ClassMember

        db.session.add(ClassMember(class_id=klass, user_id=user.id, role="learner"))
        taken = start_assignment(db.session, user, db.session.get(Assignment, school["assignment_id"]), START)
        answer_all(db.session, user.id, taken, 0, START)
        db.session.commit()
        taken_id = taken.id
    assert post_form(learner, f"/attempts/{taken_id}/finish").status_code == 303
    with app.app_context():
        scope = analysis_queries.assignment_scope(db.session, db.session.get(Assignment, school["assignment_id"]), None)
        now_state = analysis_queries.state_digest(db.session, scope)
        db.session.rollback()
    assert stored_rows(app)[key] == now_state != state
    analysis_queries._KEPT.clear()
    assert "<dt>Number of attempts</dt><dd>9</dd>" in client.get(path).text


def test_a_stored_analysis_that_is_no_longer_current_is_never_shown(app, client, school, monkeypatch):
    log_in(client, "teacher")
    path = "/teach/banks/france/analysis?quiz=final&attempts=all"
    html = client.get(path).text
    assert "<dt>Number of attempts</dt><dd>30</dd>" in html  # computed, then stored
    before = stored_rows(app)
    monkeypatch.setattr(jobs, "keep_analyses", lambda *a, **kw: None)  # nothing stored from now on
    with app.app_context():
        add_attempts(db.session, "france", school["learners"][:2], picks, START, quiz_key="final")
        db.session.commit()
    analysis_queries._KEPT.clear()
    assert "<dt>Number of attempts</dt><dd>32</dd>" in client.get(path).text
    assert stored_rows(app) == before  # the stored one, out of date, is left and not used


def test_a_page_stores_what_it_computed_only_while_current(app, client, school):
    log_in(client, "teacher")
    before = stored_rows(app)
    assert client.get(f"/teach/banks/rivers/analysis?class={school['class_id']}").status_code == 200
    added = set(stored_rows(app)) - set(before)
    assert len(added) == 1
    with app.app_context():
        bank = analysis_queries.bank_by_slug(db.session, "france")
        scope = analysis_queries.bank_scope(db.session, bank, None, "all")
        key = analysis_queries.scope_key(scope)
        fresh = analysis_queries.kept_analysis(db.session, scope, 20).fresh
        assert fresh is not None
        add_attempts(db.session, "france", school["learners"][:1], picks, START, quiz_key="final")
        db.session.commit()
    jobs.run_analyses(app, [], [dataclasses.asdict(fresh)])  # computed before that attempt: not stored
    assert key not in stored_rows(app)
    jobs.run_analyses(app, [], [{**dataclasses.asdict(fresh), "state": "0" * 64}])  # nor one of no state
    assert key not in stored_rows(app)


def test_a_queue_that_is_down_costs_time_not_the_page(app, client, school, monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("the queue is down")

    log_in(client, "teacher")
    with app.app_context():
        monkeypatch.setattr(jobs.queue(), "keep_analyses", down)
    analysis_queries._KEPT.clear()
    response = client.get("/teach/banks/rivers/analysis?attempts=all")
    assert response.status_code == 200 and "Number of attempts" in response.text
    assert "could not queue item analyses" in caplog.text


def test_an_analysis_reads_back_equal(app, school):
    with app.app_context():
        for scope in scopes(db.session, school):
            computed = analysis_queries.marks(db.session, scope)
            result = ia.analyse(computed.items, computed.attempts)
            text = analysis_queries.stored_data(result, computed.ranks)
            assert analysis_queries._from_stored(text) == (result, computed.ranks)
        assert db.session.scalar(select(func.count()).select_from(AttemptMarks)) > 0
        db.session.rollback()


def test_stored_analyses_not_computed_again_for_a_month_are_dropped(app):
    from quizapp.operations.itemanalysis import KEEP_DAYS, store_analysis

    with app.app_context():
        store_analysis(db.session, "a" * 64, "1" * 64, "{}", START)
        store_analysis(db.session, "b" * 64, "1" * 64, "{}", START + dt.timedelta(days=KEEP_DAYS - 1))
        store_analysis(db.session, "c" * 64, "1" * 64, "{}", START + dt.timedelta(days=KEEP_DAYS, seconds=1))
        db.session.commit()
    assert sorted(stored_rows(app)) == ["b" * 64, "c" * 64]


def test_an_attempt_closed_late_in_place_of_one_deleted_still_changes_the_state(app, school):
    """An attempt started before the newest closes at its deadline, long past, while another in scope goes
    (its learner's account deleted): as many attempts, the same newest and the same last end, yet others."""
    with app.app_context():
        late = add_attempts(db.session, "france", school["learners"][9:10], picks, START, quiz_key="final")[0]
        db.session.execute(update(Attempt).where(Attempt.id == late).values(status="in_progress"))
        later = START + dt.timedelta(days=5)  # a newer attempt, which stays the newest and the last to end
        add_attempts(db.session, "france", school["learners"][10:], picks, later, quiz_key="final")
        db.session.commit()
        bank = analysis_queries.bank_by_slug(db.session, "france")
        scope = analysis_queries.bank_scope(db.session, bank, "final", "all")
        before = analysis_queries.state_of(db.session, scope)
        kept = analysis_queries.kept_analysis(db.session, scope, 20).result
        gone = db.session.scalar(
            select(Attempt.id).where(Attempt.quiz_key == "final", Attempt.status == "finished").order_by(Attempt.id)
        )
        db.session.execute(delete(Attempt).where(Attempt.id == gone))
        db.session.execute(update(Attempt).where(Attempt.id == late).values(status="finished"))
        db.session.commit()
        after = analysis_queries.state_of(db.session, scope)
        assert before[1:4] == after[1:4] and before != after
        fresh = analysis_queries.kept_analysis(db.session, scope, 20)
        assert fresh.fresh is not None and fresh.result != kept
        db.session.rollback()


def test_on_postgresql_closing_assigned_attempts_stores_the_analysis(pg_app):
    from quizapp.domain.banks import parse_bank
    from quizapp.extensions import passwords
    from quizapp.models import utcnow
    from quizapp.operations import create_user, import_bank

    with pg_app.app_context():
        source = bank_yaml("france", QUESTIONS).encode()
        import_bank(db.session, parse_bank(source, "france.yaml"), source, "france.yaml", utcnow())
        create_user(db.session, "teacher", PASSWORD, "teacher", passwords=passwords(), now=utcnow())
        ids = [
            create_user(db.session, f"pupil{n}", PASSWORD, "learner", passwords=passwords(), now=utcnow()).id
            for n in range(4)
        ]
        db.session.commit()
    _, assignment_id = make_class(pg_app, "teacher", ids, due=START + dt.timedelta(days=9))
    with pg_app.app_context():
        assignment = db.session.get(Assignment, assignment_id)
        for n, uid in enumerate(ids):
            taken = start_assignment(db.session, db.session.get(User, uid), assignment, START)
            answer_all(db.session, uid, taken, n, START)
            finish_attempt(db.session, taken, START)
        db.session.commit()  # the worker (at once, in tests) computes and stores the assignment's analysis
        scope = analysis_queries.assignment_scope(db.session, db.session.get(Assignment, assignment_id), None)
        assert db.session.scalar(select(StoredAnalysis.state)) == analysis_queries.state_digest(db.session, scope)
        analysis_queries._KEPT.clear()
        kept = analysis_queries.kept_analysis(db.session, scope, 20)
        assert kept.fresh is None and kept.result.quiz.attempts == 4
        assert kept.result == analysis_queries.analyse(db.session, scope, 20).result
        db.session.rollback()
