"""Importing banks: all or nothing, idempotent, versioned, identity kept across edits."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.domain.banks import parse_bank
from quizapp.extensions import db
from quizapp.models import Bank, BankVersion, Question, QuestionRevision, utcnow
from quizapp.operations import import_bank

from .conftest import bank_yaml, make_app

THREE = """
  - id: q1
    type: single
    prompt: "First question?"
    choices:
      - {id: a, text: "Right", correct: true}
      - {id: b, text: "Wrong"}
  - id: q2
    type: true_false
    prompt: "Second question?"
    answer: false
  - id: q3
    type: flashcard
    front: "Front"
    back: "Back"
"""


def state(app):
    with app.app_context():
        bank = db.session.scalars(select(Bank)).one()
        questions = {q.key: q for q in db.session.scalars(select(Question))}
        return {
            "version": bank.version_number,
            "versions": db.session.scalar(select(func.count()).select_from(BankVersion)),
            "revisions": db.session.scalar(select(func.count()).select_from(QuestionRevision)),
            "ids": {k: q.id for k, q in questions.items()},
            "retired": sorted(k for k, q in questions.items() if q.retired_at is not None),
            "prompts": {k: q.content.get("prompt") for k, q in questions.items()},
        }


def test_first_import_creates_version_one(app, make_bank):
    result = make_bank(bank_yaml(questions=THREE))
    assert (result.status, result.version, result.added) == ("created", 1, ["q1", "q2", "q3"])
    s = state(app)
    assert s["version"] == 1 and s["versions"] == 1 and s["revisions"] == 3 and s["retired"] == []


def test_reimporting_unchanged_is_a_no_op(app, make_bank):
    make_bank(bank_yaml(questions=THREE))
    before = state(app)
    result = make_bank(bank_yaml(questions=THREE))
    assert (result.status, result.version, result.added, result.changed) == ("unchanged", 1, [], [])
    assert state(app) == before


def test_reformatting_without_changing_content_is_a_no_op(app, make_bank):
    make_bank(bank_yaml(questions=THREE))
    result = make_bank("# a comment\n" + bank_yaml(questions=THREE).replace('"First question?"', "First question?"))
    assert result.status == "unchanged"
    assert state(app)["versions"] == 1


def test_editing_wording_keeps_identity_and_adds_a_revision(app, make_bank):
    make_bank(bank_yaml(questions=THREE))
    before = state(app)
    result = make_bank(bank_yaml(questions=THREE.replace("First question?", "First question, reworded?")))
    assert (result.status, result.version, result.changed, result.added) == ("updated", 2, ["q1"], [])
    after = state(app)
    assert after["ids"] == before["ids"]
    assert after["prompts"]["q1"] == "First question, reworded?"
    assert after["revisions"] == 4 and after["versions"] == 2
    with app.app_context():
        revisions = db.session.scalars(
            select(QuestionRevision)
            .where(QuestionRevision.question_id == before["ids"]["q1"])
            .order_by(QuestionRevision.number)
        ).all()
        assert [json.loads(r.data)["prompt"] for r in revisions] == ["First question?", "First question, reworded?"]


def test_removed_questions_are_retired_then_restored(app, make_bank):
    make_bank(bank_yaml(questions=THREE))
    without_q2 = THREE.split("  - id: q2")[0] + "  - id: q3" + THREE.split("  - id: q3")[1]
    result = make_bank(bank_yaml(questions=without_q2))
    assert result.retired == ["q2"] and result.version == 2
    s = state(app)
    assert s["retired"] == ["q2"] and "q2" in s["ids"]  # kept, so past results still display
    result = make_bank(bank_yaml(questions=THREE))
    assert result.restored == ["q2"] and result.version == 3
    assert state(app)["retired"] == []
    assert state(app)["revisions"] == 3  # restored unchanged: no new revision


def test_changing_only_the_header_makes_a_new_version(app, make_bank):
    make_bank(bank_yaml(questions=THREE))
    result = make_bank(bank_yaml(questions=THREE, title='"A better title"'))
    assert (result.status, result.version, result.changed) == ("updated", 2, [])
    with app.app_context():
        assert db.session.scalars(select(Bank)).one().title == "A better title"


def test_a_failed_import_leaves_the_database_as_it_was(app, make_bank):
    make_bank(bank_yaml(questions=THREE))
    before = state(app)
    source = bank_yaml(questions=THREE.replace("First", "Changed")).encode()
    bank = parse_bank(source, "b.yaml")
    with app.app_context():
        import_bank(db.session, bank, source, "b.yaml", utcnow())
        db.session.execute(select(1))
        db.session.rollback()  # what a caller does when anything later in the transaction fails
    assert state(app) == before


def _import_in_process(database_url: str, tmp: str, source: bytes, barrier) -> str:
    app = make_app(database_url, Path(tmp))
    barrier.wait()
    with app.app_context():
        result = import_bank(db.session, parse_bank(source, "b.yaml"), source, "b.yaml", utcnow())
        db.session.commit()
        return result.status


def _concurrent_imports(database_url: str, tmp_path: Path, source: bytes) -> list[str]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(2)
        with ctx.Pool(2) as pool:
            jobs = [
                pool.apply_async(_import_in_process, (database_url, str(tmp_path), source, barrier)) for _ in range(2)
            ]
            return sorted(job.get(timeout=120) for job in jobs)


def test_two_imports_of_the_same_bank_at_once_sqlite(app, tmp_path):
    source = bank_yaml(questions=THREE).encode()
    statuses = _concurrent_imports(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, source)
    assert statuses == ["created", "unchanged"]
    s = state(app)
    assert s["versions"] == 1 and s["revisions"] == 3 and len(s["ids"]) == 3


@pytest.mark.postgres
def test_two_imports_of_the_same_bank_at_once_postgres(pg_app, postgres_url, tmp_path):
    app = pg_app
    source = bank_yaml(bank_id="pg-concurrent", questions=THREE).encode()
    assert _concurrent_imports(postgres_url, tmp_path, source) == ["created", "unchanged"]
    s = state(app)
    assert s["versions"] == 1 and s["revisions"] == 3


@pytest.mark.postgres
def test_postgres_by_configuration_only(pg_app):
    """The same app, only SQLALCHEMY_DATABASE_URI changed: migrate, import, edit, read back."""
    app = pg_app
    source = bank_yaml(bank_id="pg-demo", questions=THREE).encode()
    with app.app_context():
        first = import_bank(db.session, parse_bank(source, "b.yaml"), source, "b.yaml", utcnow())
        db.session.commit()
        edited = source.replace(b"First", b"Edited")
        second = import_bank(db.session, parse_bank(edited, "b.yaml"), edited, "b.yaml", utcnow())
        db.session.commit()
        bank = db.session.scalars(select(Bank).where(Bank.slug == "pg-demo")).one()
        assert (first.status, second.status, second.changed, bank.version_number) == ("created", "updated", ["q1"], 2)
        assert bank.created_at.tzinfo is not None
    client = app.test_client()
    page = client.get("/banks/pg-demo")
    assert page.status_code == 200 and "Edited question?" in page.get_data(as_text=True)
