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


# --- the administrators' page -----------------------------------------------------------------------------


def add_entries(app, rows: list[tuple[dt.datetime, str, str | None, str]]) -> None:
    """Entries at the given times: (at, action, actor login or None for the command line, summary)."""
    with app.app_context():
        for at, action, actor, summary in rows:
            who = db.session.scalars(select(User).where(User.email == actor)).first() if actor else None
            record_audit(db.session, actor=who, action=action, now=at, summary=summary)
        db.session.commit()


def listed(html: str) -> list[str]:
    """The summaries in the page's table, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [row.split('class="audit-about">', 1)[1].split("<", 1)[0] for row in body.split("<tr>")[1:]]


def test_the_log_lists_newest_first_and_filters(app, admin, make_user):
    make_user("teacher@example.org", role="teacher")
    add_entries(
        app,
        [
            (WHEN, "role.change", "admin@example.org", "ada: learner → teacher"),
            (WHEN + dt.timedelta(days=1), "account.disable", None, "bob"),
            (WHEN + dt.timedelta(days=2), "export.csv", "teacher@example.org", "Class 7B results"),
            (WHEN + dt.timedelta(days=2, hours=18), "account.enable", None, "Bob_100%"),
        ],
    )
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    assert listed(page.text) == ["Bob_100%", "Class 7B results", "bob", "ada: learner → teacher"]
    assert "4 entries, newest first." in page.text and "Account disabled" in page.text
    assert listed(admin.get("/admin/audit?action=account.disable").text) == ["bob"]
    assert listed(admin.get("/admin/audit?actor=COMMAND").text) == ["Bob_100%", "bob"]
    assert listed(admin.get("/admin/audit?actor=teacher@").text) == ["Class 7B results"]
    assert listed(admin.get("/admin/audit?target=BOB").text) == ["Bob_100%", "bob"]
    assert listed(admin.get("/admin/audit?target=_100%25").text) == ["Bob_100%"]  # _ and % are characters
    assert listed(admin.get("/admin/audit?target=b_b").text) == []
    days = admin.get("/admin/audit?since=2026-03-05&until=2026-03-06")
    assert listed(days.text) == ["Bob_100%", "Class 7B results", "bob"]  # the "to" day is included whole
    assert "3 entries matching the filters" in days.text
    assert listed(admin.get("/admin/audit?until=2026-03-04").text) == ["ada: learner → teacher"]
    assert listed(admin.get("/admin/audit?since=2026-03-07").text) == []
    assert "0 entries matching the filters." in admin.get("/admin/audit?since=2026-03-07").text


def test_the_log_pages_keep_the_filters(app, admin):
    add_entries(app, [(WHEN + dt.timedelta(minutes=i), "account.enable", None, f"user{i:02d}") for i in range(55)])
    add_entries(app, [(WHEN, "account.disable", None, "other")])
    first = admin.get("/admin/audit?action=account.enable&since=2026-03-04")
    assert "Page 1 of 2" in first.text and listed(first.text)[0] == "user54" and len(listed(first.text)) == 50
    assert "/admin/audit?page=2&amp;action=account.enable&amp;since=2026-03-04" in first.text
    second = admin.get("/admin/audit?page=2&action=account.enable&since=2026-03-04")
    assert listed(second.text) == ["user04", "user03", "user02", "user01", "user00"]
    assert admin.get("/admin/audit?page=3&action=account.enable").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2026-02-30", "“2026-02-30” is not a day: write it as YYYY-MM-DD"),
        ("until=yesterday", "“yesterday” is not a day"),
        ("since=2026-03-05&until=2026-03-04", "The “To” day is before the “From” day"),
        ("action=made.up", "Not a valid choice"),
        ("actor=" + "x" * 255, "Type at most 254 characters for who did it."),
    ],
)
def test_bad_filters_are_a_clear_422(app, admin, query, message):
    add_entries(app, [(WHEN, "account.enable", None, "someone")])
    response = admin.get(f"/admin/audit?{query}")
    assert response.status_code == 422
    assert message in response.text and "There is a problem" in response.text
    assert "someone" not in response.text


def test_the_dates_far_ends_do_not_overflow(app, admin):
    add_entries(app, [(WHEN, "account.enable", None, "someone")])
    assert listed(admin.get("/admin/audit?since=0001-01-01&until=9999-12-31").text) == ["someone"]


def test_only_admins_read_the_log(app, client, make_user):
    assert client.get("/admin/audit").status_code == 302  # to the login page
    make_user("teacher@example.org", role="teacher")
    log_in(client, "teacher@example.org")
    assert client.get("/admin/audit").status_code == 403
