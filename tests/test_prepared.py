"""Prepared statements: on SQLite they skip SQLAlchemy's execution layer, and must give back exactly what it
gives; on PostgreSQL they take the ordinary path. The session's user is read with one before the request's
transaction begins."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, delete, func, insert, select, update

from quizapp.database import Prepared
from quizapp.domain.accounts import SessionUser
from quizapp.domain.banks import parse_bank
from quizapp.extensions import db, passwords
from quizapp.models import Answer, Attempt, QuestionRevision, User, utcnow
from quizapp.operations import create_user, import_bank
from quizapp.operations.quizzes import BankQuiz, start_attempt
from quizapp.queries.accounts import user_by_session_token

from .conftest import DATA, PASSWORD, csrf_token, log_in
from .test_concurrency import trace_statements

WHEN = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
ANSWERS = Answer.__table__
BY_ID = select(ANSWERS).where(ANSWERS.c.id == bindparam("answer_id"))
GRADED = ["response", "points", "max_points", "correct", "answered_at", "time_spent_ms"]
COLUMNS = [*GRADED, "attempt_id", "user_id", "position", "question_id", "question_revision_id"]


def seed_attempt() -> tuple[int, int, int, int]:
    """A learner and an exam of the all-types bank, flushed: (user id, attempt id, question id, revision id)."""
    source = (DATA / "banks" / "all-types.yaml").read_bytes()
    import_bank(db.session, parse_bank(source, "all-types.yaml"), source, "all-types.yaml", utcnow())
    user = create_user(db.session, "amy", PASSWORD, "learner", passwords=passwords())
    attempt = start_attempt(db.session, user, BankQuiz("all-types", "exam"), WHEN, seed=1)
    revision = db.session.get(QuestionRevision, attempt.question_revision_ids[0])
    return user.id, attempt.id, revision.question_id, revision.id


def round_trip(app) -> None:
    """Insert, read, update, count and delete through Prepared, checking each against SQLAlchemy's own result."""
    with app.app_context():
        user_id, attempt_id, question_id, revision_id = seed_attempt()
        values = {"response": {"choice": ["b", "é"], "nested": {"n": 1.5}}, "points": 0.5, "max_points": 1.0}
        values |= {"correct": False, "answered_at": WHEN, "time_spent_ms": None, "attempt_id": attempt_id}
        values |= {"user_id": user_id, "position": 1, "question_id": question_id, "question_revision_id": revision_id}
        answer_id = Prepared(insert(ANSWERS), COLUMNS).execute(db.session, values).inserted_id
        assert isinstance(answer_id, int)

        prepared = Prepared(BY_ID).first(db.session, {"answer_id": answer_id})
        ordinary = db.session.execute(BY_ID, {"answer_id": answer_id}).one()
        assert tuple(prepared) == tuple(ordinary)
        assert prepared._asdict() == ordinary._asdict()
        assert prepared.answered_at == WHEN and prepared.answered_at.tzinfo == dt.UTC
        assert prepared.correct is False and prepared.time_spent_ms is None
        assert prepared.response == values["response"]

        changed = {"response": {"choice": ["a"]}, "points": 1.0, "max_points": 1.0, "correct": True}
        changed |= {"answered_at": WHEN + dt.timedelta(seconds=5), "time_spent_ms": 1234}
        outcome = Prepared(update(ANSWERS).where(ANSWERS.c.id == bindparam("answer_id")), GRADED).execute(
            db.session, {"answer_id": answer_id, **changed}
        )
        assert outcome.rowcount == 1
        row = db.session.execute(BY_ID, {"answer_id": answer_id}).one()
        assert {k: row._mapping[k] for k in changed} == changed

        count = Prepared(select(func.count()).where(ANSWERS.c.attempt_id == bindparam("attempt_id")))
        assert count.scalar(db.session, {"attempt_id": attempt_id}) == 1
        assert Prepared(BY_ID).first(db.session, {"answer_id": answer_id + 1000}) is None
        Prepared(delete(ANSWERS).where(ANSWERS.c.id == bindparam("answer_id"))).execute(
            db.session, {"answer_id": answer_id}
        )
        assert count.scalar(db.session, {"attempt_id": attempt_id}) == 0
        db.session.rollback()


def test_prepared_statements_give_what_sqlalchemy_gives_on_sqlite(app):
    round_trip(app)


def test_prepared_statements_take_the_ordinary_path_on_postgresql(pg_app):
    round_trip(pg_app)


def test_a_prepared_statement_runs_inside_the_sessions_transaction(app):
    with app.app_context():
        user_id, attempt_id, *_ = seed_attempt()  # flushed, not committed: only this transaction sees it
        found = Prepared(select(Attempt.__table__.c.user_id).where(Attempt.__table__.c.id == bindparam("id")))
        assert found.scalar(db.session, {"id": attempt_id}) == user_id
        db.session.rollback()
        assert found.scalar(db.session, {"id": attempt_id}) is None


def test_the_session_user_is_read_before_the_transaction_and_only_while_enabled(app, make_user):
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
        assert not any(s.startswith("BEGIN") for s in statements)  # SQLite's autocommit mode: no transaction
        assert not db.session().in_transaction()
        assert user_by_session_token(db.session, token + "x") is None
        user = db.session.get(User, seen.id)
        user.disabled_at = WHEN
        db.session.commit()
        assert user_by_session_token(db.session, token) is None


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
    assert begins and statements[begins[0]] == "BEGIN IMMEDIATE"
    assert user_read < begins[0]


@pytest.mark.parametrize("path", ["/quizzes", "/decks", "/account"])
def test_pages_show_the_session_user(app, make_user, client, path):
    make_user("amy")
    log_in(client, "amy", PASSWORD)
    page = client.get(path)
    assert page.status_code == 200
    assert ">amy</a>" in page.get_data(as_text=True)


def test_a_prepared_statement_refuses_a_missing_parameter(app):
    with app.app_context():
        with pytest.raises(KeyError, match="answer_id"):
            Prepared(BY_ID).first(db.session, {})
        db.session.rollback()
