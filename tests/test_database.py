"""Every statement goes through SQLAlchemy: the session's user is read right, before a POST takes SQLite's
write lock, and the answer path stores the same rows on SQLite and PostgreSQL, seen by SQLAlchemy's events
and autoflush like any other statement."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select

from quizapp.domain.accounts import SessionUser
from quizapp.domain.banks import parse_bank
from quizapp.extensions import db, passwords
from quizapp.models import Answer, Attempt, Question, QuestionRevision, User, utcnow
from quizapp.operations import create_user, import_bank
from quizapp.operations.quizzes import AttemptClosed, BankQuiz, UnknownAttempt, save_answer, start_attempt
from quizapp.queries.accounts import user_by_session_token

from .conftest import DATA, PASSWORD, csrf_token, log_in
from .test_concurrency import trace_statements

WHEN = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
WRONG = {  # a wrong answer to each quiz question of the all-types bank, as a browser posts it
    "single-1": {"choice": "b"},
    "multiple-1": {"choice": ["a", "c"]},
    "tf-1": {"choice": "false"},
    "short-1": {"answer": "astrocyte"},
    "numeric-1": {"answer": "3.5"},
    "cloze-1": {"gap-1": "myelin", "gap-2": "peripheral"},
    "matching-1": {"match-1": "1", "match-2": "2"},
    "ordering-1": {"position-1": "1", "position-2": "2", "position-3": "3", "position-4": "4"},
}


def seed(quiz: str) -> tuple[int, int]:
    """A learner and an attempt at the all-types bank's ``quiz``, committed: (user id, attempt id)."""
    source = (DATA / "banks" / "all-types.yaml").read_bytes()
    import_bank(db.session, parse_bank(source, "all-types.yaml"), source, "all-types.yaml", WHEN)
    user = create_user(db.session, "amy", PASSWORD, "learner", passwords=passwords(), now=utcnow())
    attempt = start_attempt(db.session, user, BankQuiz("all-types", quiz), WHEN, seed=1)
    db.session.commit()
    return user.id, attempt.id


def question_keys(attempt_id: int) -> list[str]:
    """The keys of the attempt's questions, by position."""
    order = db.session.get(Attempt, attempt_id).question_revision_ids
    keys = dict(db.session.execute(select(QuestionRevision.id, Question.key).join(Question)).all())
    return [keys[r] for r in order]


def stored(attempt_id: int) -> list[tuple]:
    rows = db.session.execute(
        select(Answer.position, Answer.response, Answer.points, Answer.correct, Answer.answered_at)
        .where(Answer.attempt_id == attempt_id)
        .order_by(Answer.position)
    ).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("app_fixture", ["app", "pg_app"])
def test_the_answer_path_stores_the_same_rows_on_sqlite_and_postgresql(request, app_fixture):
    app = request.getfixturevalue(app_fixture)
    with app.app_context():
        user_id, attempt_id = seed("exam")  # single-1, multiple-1, tf-1, in the seed's order
        order = db.session.get(Attempt, attempt_id).question_revision_ids
        at = question_keys(attempt_id).index("single-1") + 1
        db.session.rollback()
        later = WHEN + dt.timedelta(seconds=30)

        first = save_answer(db.session, user_id, attempt_id, at, {"choice": "b"}, later)  # the wrong choice
        db.session.commit()
        assert first.changed and first.answer_id is not None and not first.closed
        assert first.attempt.question_revision_ids == order and first.attempt.started_at == WHEN

        again = save_answer(db.session, user_id, attempt_id, at, {"choice": "b"}, later)
        db.session.commit()
        assert (again.changed, again.answer_id) == (False, first.answer_id)
        assert stored(attempt_id) == [(at, {"choice": "b"}, 0.0, False, later)]
        assert stored(attempt_id)[0][4].tzinfo == dt.UTC  # typed by the column, as on every other path

        right = save_answer(db.session, user_id, attempt_id, at, {"choice": "a"}, later)  # replaces it
        db.session.commit()
        assert right.changed and right.answer_id == first.answer_id
        assert stored(attempt_id) == [(at, {"choice": "a"}, 1.0, True, later)]

        blank = save_answer(db.session, user_id, attempt_id, at, {}, later)  # an exam answer made blank: removed
        db.session.commit()
        assert blank.changed and blank.answer_id is None and stored(attempt_id) == []

        with pytest.raises(UnknownAttempt):
            save_answer(db.session, user_id + 1, attempt_id, 1, {"choice": "a"}, later)
        with pytest.raises(UnknownAttempt):
            save_answer(db.session, user_id, attempt_id, 99, {"choice": "a"}, later)
        db.session.rollback()


@pytest.mark.parametrize("app_fixture", ["app", "pg_app"])
def test_a_practice_attempt_closes_with_its_last_answer_on_both_databases(request, app_fixture):
    app = request.getfixturevalue(app_fixture)
    with app.app_context():
        user_id, attempt_id = seed("practice")
        keys = question_keys(attempt_id)
        db.session.rollback()
        results = []
        for position, key in enumerate(keys, 1):
            results.append(save_answer(db.session, user_id, attempt_id, position, WRONG[key], WHEN))
            db.session.commit()
        count = len(keys)
        assert [r.closed for r in results] == [False] * (count - 1) + [True]
        attempt = db.session.get(Attempt, attempt_id)
        rows = stored(attempt_id)
        assert len(rows) == count and not any(correct for *_, correct, _ in rows)
        assert attempt.status == "finished" and attempt.score == pytest.approx(sum(r[2] for r in rows))


def test_the_answer_path_sees_unflushed_changes_and_is_seen_by_events(app):
    """Its statements are ordinary session statements: autoflush runs first, and listeners see them."""
    with app.app_context():
        user_id, attempt_id = seed("exam")
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            save_answer(db.session, user_id, attempt_id, 2, {"choice": "a"}, WHEN)
            assert any(s.startswith("INSERT INTO answers") for s in seen)
            assert any(s.startswith("SELECT attempts.id") for s in seen)
            db.session.get(Attempt, attempt_id).status = "finished"  # pending, not flushed
            with pytest.raises(AttemptClosed):
                save_answer(db.session, user_id, attempt_id, 3, {"choice": "a"}, WHEN)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
            db.session.rollback()


def test_the_session_user_is_read_outside_the_transaction_and_only_while_enabled(app, make_user):
    make_user("amy")
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        user_id, token = user.id, user.session_token
        db.session.commit()
        statements = trace_statements(db.engine)
        seen = user_by_session_token(db.session, token)
        assert isinstance(seen, SessionUser)
        assert (seen.id, seen.username, seen.role, seen.login, seen.get_id()) == (
            user_id,
            "amy",
            "learner",
            "amy",
            token,
        )
        assert seen.is_active and seen.is_authenticated and not seen.is_anonymous and seen.has_role("learner")
        # A short deferred read of its own: the session's transaction, and SQLite's write lock, wait.
        assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN DEFERRED"]
        assert not db.session().in_transaction()
        assert user_by_session_token(db.session, token + "x") is None
        user = db.session.get(User, seen.id)
        user.disabled_at = WHEN
        db.session.commit()
        assert user_by_session_token(db.session, token) is None


def test_the_session_user_is_read_inside_a_transaction_already_under_way(app, make_user):
    make_user("amy")
    with app.app_context():
        user = db.session.scalars(select(User)).one()  # begins the session's transaction
        user.username = "amelia"  # pending: autoflush makes the read see it
        seen = user_by_session_token(db.session, user.session_token)
        assert seen is not None and seen.username == "amelia"
        db.session.rollback()


def test_a_post_takes_the_write_lock_only_after_reading_the_user(app, make_user, client):
    """A POST begins its write transaction when it first needs it, not when the session's user is read."""
    make_user("amy")
    assert log_in(client, "amy", PASSWORD).status_code == 302
    token = csrf_token(client)
    with app.app_context():
        statements = trace_statements(db.engine)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302  # ends the session: a write
    user_read = next(i for i, s in enumerate(statements) if "FROM users" in s and "session_token =" in s)
    begins = [i for i, s in enumerate(statements) if s.startswith("BEGIN")]
    immediate = [i for i in begins if statements[i] == "BEGIN IMMEDIATE"]
    assert immediate and user_read < immediate[0]


@pytest.mark.parametrize("path", ["/quizzes", "/decks", "/account"])
def test_pages_show_the_session_user(app, make_user, client, path):
    make_user("amy")
    log_in(client, "amy", PASSWORD)
    page = client.get(path)
    assert page.status_code == 200
    assert ">amy</a>" in page.get_data(as_text=True)


def test_an_answer_loaded_in_the_session_follows_the_answer_path(app):
    """The answer path writes with Core statements; an answer the session has loaded still shows what was
    saved, and what the caller left pending is flushed first."""
    with app.app_context():
        user_id, attempt_id = seed("exam")
        at = question_keys(attempt_id).index("single-1") + 1
        first = save_answer(db.session, user_id, attempt_id, at, {"choice": "b"}, WHEN)
        loaded = db.session.get(Answer, first.answer_id)
        assert loaded.response == {"choice": "b"}
        db.session.get(User, user_id).email = "amy@example.org"  # pending: flushed before the answer is saved
        save_answer(db.session, user_id, attempt_id, at, {"choice": "a"}, WHEN)
        assert (loaded.response, loaded.correct) == ({"choice": "a"}, True)
        assert db.session.scalar(select(User.email).where(User.id == user_id)) == "amy@example.org"
        db.session.rollback()
