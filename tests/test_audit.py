"""The audit log: what records an entry, what an entry keeps, and that entries outlive the accounts they name."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from quizapp.domain.audit import ACTIONS, COMMAND_LINE, UnknownAuditAction, action_label
from quizapp.extensions import db
from quizapp.models import AuditEntry, User
from quizapp.operations import record_audit

from .conftest import PASSWORD, log_in, post_form

WHEN = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)


def entries(app) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [
            {
                "at": r.at,
                "actor_id": r.actor_id,
                "actor": r.actor_name,
                "action": r.action,
                "summary": r.summary,
                "target_user_id": r.target_user_id,
                "details": r.details,
            }
            for r in rows
        ]


@pytest.fixture
def admin(client, make_user):
    make_user("admin@example.org", role="admin")
    log_in(client, "admin@example.org")
    return client


def test_record_audit_adds_and_flushes_but_never_commits(app, make_user):
    admin_id, learner_id = make_user("boss", role="admin"), make_user()
    with app.app_context():
        boss, learner = db.session.get(User, admin_id), db.session.get(User, learner_id)
        entry = record_audit(
            db.session,
            actor=boss,
            action="export.csv",
            now=WHEN,
            summary="x" * 400,
            target_user=learner,
            details={"rows": 3},
        )
        assert entry.id is not None  # flushed
        assert (entry.actor_id, entry.actor_name, entry.target_user_id) == (admin_id, "boss", learner_id)
        assert len(entry.summary) == 300 and entry.summary.endswith("…")
        db.session.rollback()
    assert entries(app) == []  # the caller commits, or nothing is kept


def test_an_unknown_action_is_refused_before_anything_is_written(app):
    with app.app_context():
        with pytest.raises(UnknownAuditAction, match=r"add it to quizapp\.domain\.audit\.ACTIONS"):
            record_audit(db.session, actor=None, action="made.up", now=WHEN, summary="x")
        assert db.session.scalars(select(AuditEntry)).all() == []


def test_every_action_has_a_label_and_a_short_dotted_name():
    for action, label in ACTIONS.items():
        assert 3 <= len(action) <= 40 and action.count(".") == 1 and action == action.lower()
        assert action_label(action) == label and label
    assert action_label("gone.action") == "gone.action"  # an entry whose action was since removed


def test_role_changes_disabling_and_enabling_by_an_admin_are_recorded(app, admin, make_user):
    learner = make_user()
    post_form(admin, f"/admin/users/{learner}/role", role="teacher")
    post_form(admin, f"/admin/users/{learner}/role", role="teacher")  # no change, nothing recorded
    post_form(admin, f"/admin/users/{learner}/disable")
    post_form(admin, f"/admin/users/{learner}/enable")
    post_form(admin, f"/admin/users/{learner}/role", role="emperor")  # refused, nothing recorded
    got = entries(app)
    assert [(e["action"], e["actor"], e["target_user_id"]) for e in got] == [
        ("role.change", "admin@example.org", learner),
        ("account.disable", "admin@example.org", learner),
        ("account.enable", "admin@example.org", learner),
    ]
    assert got[0]["details"] == {"from": "learner", "to": "teacher"}
    assert got[0]["summary"] == "learner@example.org: learner → teacher"
    assert all(e["actor_id"] is not None and e["at"].tzinfo is not None for e in got)


def test_a_refused_change_records_nothing(app, admin):
    with app.app_context():
        me = db.session.scalars(select(User)).one().id
    assert post_form(admin, f"/admin/users/{me}/disable").status_code == 422
    assert entries(app) == []


def test_command_line_changes_are_recorded_as_the_command_line(app, runner, make_user):
    make_user("ada")
    assert runner.invoke(args=["user", "set-role", "ada", "teacher"]).exit_code == 0
    assert runner.invoke(args=["user", "disable", "ada"]).exit_code == 0
    assert runner.invoke(args=["user", "enable", "ada"]).exit_code == 0
    new = "a new and long passphrase"
    assert runner.invoke(args=["user", "set-password", "--password-stdin", "ada"], input=new + "\n").exit_code == 0
    got = entries(app)
    assert [e["action"] for e in got] == ["role.change", "account.disable", "account.enable", "password.set"]
    assert {(e["actor"], e["actor_id"], e["summary"]) for e in got[1:]} == {(COMMAND_LINE, None, "ada")}


def test_entries_outlive_the_accounts_they_name(app, client, make_user):
    make_user("admin@example.org", role="admin")
    learner = make_user()
    boss = app.test_client()
    log_in(boss, "admin@example.org")
    post_form(boss, f"/admin/users/{learner}/role", role="teacher")
    log_in(client, "learner@example.org")
    response = post_form(client, "/account/delete", password=PASSWORD)
    assert response.status_code == 302
    got = entries(app)
    assert [(e["action"], e["actor"], e["actor_id"], e["target_user_id"]) for e in got] == [
        ("role.change", "admin@example.org", got[0]["actor_id"], None),
        ("account.delete", "learner@example.org", None, None),
    ]
    assert got[0]["summary"] == "learner@example.org: learner → teacher"
    assert got[1]["details"] == {"role": "teacher"}
