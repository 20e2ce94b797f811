"""Changing and deleting classes and assignments: who may, what each form refuses (a message, a 4xx and nothing
changed), what a deletion takes with it and what learners keep, and the audit log's record of each change."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from quizapp.domain.assignments import Grant, LearnerTerms, moved_deadline
from quizapp.extensions import db
from quizapp.models import (
    Assignment,
    AssignmentResult,
    Attempt,
    AuditEntry,
    Class,
    ClassMember,
    Extension,
    User,
    utcnow,
)
from quizapp.operations import classes as ops

from .conftest import csrf_token, post_form
from .test_classes import HOUR, RIGHT, WRONG, assign, client_for, counts, local, make_school, take


@pytest.fixture
def school(app):
    return make_school(app)


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def terms(**changes) -> dict:
    now = utcnow()
    return {
        "title": "Week 1",
        "opens_at": local(now - HOUR),
        "due_at": local(now + 48 * HOUR),
        "attempts": "2",
        "counting": "last",
        "feedback": "after_due",
        **changes,
    }


# --- classes -------------------------------------------------------------------------------------------------


def test_a_teacher_edits_a_class_and_the_change_is_audited(app, school):
    tess = client_for(app, "tess")
    page = tess.get(f"/classes/{school['class']}/edit").text
    assert 'value="Neurology 1"' in page and "Spring term" in page
    response = post_form(
        tess,
        f"/classes/{school['class']}/edit",
        name=" Neurology   2 ",
        description="Autumn term",
        time_zone="Europe/Paris",
    )
    assert response.status_code == 303
    with app.app_context():
        klass = db.session.get(Class, school["class"])
        assert (klass.name, klass.description, klass.time_zone) == ("Neurology 2", "Autumn term", "Europe/Paris")
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "class.edit")).one()
        assert entry.details["changes"]["name"] == ["Neurology 1", "Neurology 2"]
        assert entry.details["changes"]["time_zone"] == ["UTC", "Europe/Paris"]
        assert entry.actor_id == school["tess"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "time_zone": "UTC"}, "Give the class a name"),
        ({"name": "X", "time_zone": "Mars/Olympus"}, "is not a time zone"),
        ({"name": "X" * 121, "time_zone": "UTC"}, "Field cannot be longer than 120 characters"),
    ],
)
def test_a_bad_class_edit_is_refused_and_changes_nothing(app, school, data, message):
    before = counts(app)
    response = post_form(client_for(app, "tess"), f"/classes/{school['class']}/edit", **data)
    assert response.status_code == 422 and message in response.text
    assert counts(app) == before
    with app.app_context():
        klass = db.session.get(Class, school["class"])
        assert (klass.name, klass.time_zone) == ("Neurology 1", "UTC")


def test_changing_a_class_needs_the_csrf_token(app, school):
    tess = client_for(app, "tess")
    response = tess.post(f"/classes/{school['class']}/edit", data={"name": "Stolen", "time_zone": "UTC"})
    assert response.status_code == 400
    response = tess.post(f"/classes/{school['class']}/delete", data={"name": "Neurology 1"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Class, school["class"]).name == "Neurology 1"


def test_another_teacher_and_learners_cannot_change_or_delete_a_class(app, school):
    for login, status in (("tom", 404), ("amy", 403)):
        client = client_for(app, login)
        assert post_form(client, f"/classes/{school['class']}/edit", name="Mine", time_zone="UTC").status_code == status
        assert post_form(client, f"/classes/{school['class']}/delete", name="Neurology 1").status_code == status
    with app.app_context():
        assert db.session.get(Class, school["class"]).name == "Neurology 1"


def test_the_delete_page_says_what_goes_and_what_learners_keep(app, school):
    assignment_id = assign(app, school)
    take(app, school["amy"], assignment_id, RIGHT)
    page = client_for(app, "tess").get(f"/classes/{school['class']}/delete").text
    assert "its 1 assignment," in page and "its 2 learners" in page
    assert "The 1 attempt 1 learner took for its assignments are not deleted" in page
    assert "table=responses" in page  # download first


def test_deleting_a_class_needs_its_name_typed(app, school):
    assign(app, school)
    before = counts(app)
    response = post_form(client_for(app, "tess"), f"/classes/{school['class']}/delete", name="Neurology 2")
    assert response.status_code == 422
    assert "Type the class&#39;s name, “Neurology 1”, to confirm" in response.text
    assert counts(app) == before


def test_deleting_a_class_keeps_the_learners_attempts_as_their_own(app, school):
    assignment_id = assign(app, school, feedback="never")
    attempt_id = take(app, school["amy"], assignment_id, RIGHT)
    with app.app_context():
        tess = db.session.get(User, school["tess"])
        klass = db.session.get(Class, school["class"])
        ops.grant_extension(
            db.session, tess, klass, db.session.get(Assignment, assignment_id), school["ben"], Grant(None, 10), utcnow()
        )
        db.session.commit()
    amy = client_for(app, "amy")
    assert "Your answers are in" in amy.get(f"/attempts/{attempt_id}/results").text  # held back
    response = post_form(client_for(app, "tess"), f"/classes/{school['class']}/delete", name="  neurology 1 ")
    assert response.status_code == 303 and response.headers["Location"] == "/classes/"
    with app.app_context():
        assert db.session.get(Class, school["class"]) is None
        assert db.session.scalars(select(ClassMember).where(ClassMember.class_id == school["class"])).all() == []
        assert db.session.scalars(select(Assignment)).all() == []
        assert db.session.scalars(select(Extension)).all() == []
        assert db.session.scalars(select(AssignmentResult)).all() == []  # the results summary goes with the work
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.user_id == school["amy"] and attempt.assignment_id is None and attempt.finished_at
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "class.delete")).one()
        assert entry.details["name"] == "Neurology 1"
        assert (entry.details["assignments"], entry.details["attempts"], entry.details["learners"]) == (1, 1, 2)
    assert amy.get(f"/classes/{school['class']}").status_code == 404
    assert f"/attempts/{attempt_id}/results" in amy.get("/history").text
    results = amy.get(f"/attempts/{attempt_id}/results").text
    assert "Questions right" in results and "Your answers are in" not in results


# --- assignments ---------------------------------------------------------------------------------------------


def test_a_teacher_edits_an_assignments_terms_and_the_change_is_audited(app, school):
    assignment_id = assign(app, school)
    tess = client_for(app, "tess")
    url = f"/classes/{school['class']}/assignments/{assignment_id}/edit"
    page = tess.get(url).text
    assert 'value="Week 1"' in page and "The quiz cannot be changed" in page
    due = utcnow().replace(second=0, microsecond=0) + 72 * HOUR
    response = post_form(tess, url, **terms(title="Week one", due_at=local(due), late_accepted="y"))
    assert response.status_code == 303
    with app.app_context():
        found = db.session.get(Assignment, assignment_id)
        assert (found.title, found.due_at, found.attempts_allowed) == ("Week one", due, 2)
        assert (found.counting, found.feedback, found.late_accepted) == ("last", "after_due", True)
        assert found.quiz == {"bank": "demo", "quiz": "exam"}
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "assignment.edit")).one()
        assert entry.details["assignment_id"] == assignment_id
        assert set(entry.details["changes"]) == {
            "title",
            "due_at",
            "attempts_allowed",
            "counting",
            "feedback",
            "late_accepted",
        }


def test_saving_the_form_untouched_records_nothing(app, school):
    assignment_id = assign(app, school)  # its dates have seconds, which the form does not show
    with app.app_context():
        found = db.session.get(Assignment, assignment_id)
        same = terms(
            opens_at=local(found.opens_at),
            due_at=local(found.due_at),
            attempts="1",
            counting="highest",
            feedback="at_once",
        )
        before = (found.opens_at, found.due_at)
    url = f"/classes/{school['class']}/assignments/{assignment_id}/edit"
    assert post_form(client_for(app, "tess"), url, **same).status_code == 303
    assert "assignment.edit" not in audit_actions(app)
    with app.app_context():
        found = db.session.get(Assignment, assignment_id)
        assert (found.opens_at, found.due_at) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"due_at": "opens"}, "The due date must be after the open date."),
        ({"attempts": "0"}, "Allow between 1 and 100 attempts."),
        ({"opens_at": ""}, "Enter when the assignment opens."),
        ({"due_at": "soon"}, "Not a valid datetime value."),
        ({"counting": "best-ever"}, "Not a valid choice."),
        ({"feedback": "sometimes"}, "Not a valid choice."),
        ({"title": "T" * 301}, "Field cannot be longer than 300 characters."),
    ],
)
def test_bad_terms_are_refused_with_a_message_and_change_nothing(app, school, changes, message):
    assignment_id = assign(app, school)
    data = terms(**changes)
    if data["due_at"] == "opens":
        data["due_at"] = data["opens_at"]
    with app.app_context():
        before_row = db.session.get(Assignment, assignment_id)
        before = (before_row.title, before_row.due_at, before_row.attempts_allowed, before_row.feedback)
    before_counts = counts(app)
    response = post_form(
        client_for(app, "tess"), f"/classes/{school['class']}/assignments/{assignment_id}/edit", **data
    )
    assert response.status_code == 422 and message in response.text
    assert "There is a problem" in response.text
    assert counts(app) == before_counts
    with app.app_context():
        row = db.session.get(Assignment, assignment_id)
        assert (row.title, row.due_at, row.attempts_allowed, row.feedback) == before


def test_a_practice_quiz_cannot_be_changed_to_hold_feedback_back(app, school):
    assignment_id = assign(app, school, quiz="practice")
    response = post_form(
        client_for(app, "tess"), f"/classes/{school['class']}/assignments/{assignment_id}/edit", **terms()
    )
    assert response.status_code == 422 and "practice quiz" in response.text
    with app.app_context():
        assert db.session.get(Assignment, assignment_id).feedback == "at_once"


def test_a_later_due_date_reopens_an_assignment_that_was_past_due(app, school):
    now = utcnow()
    assignment_id = assign(app, school, opens_at=now - 3 * HOUR, due_at=now - HOUR)
    amy = client_for(app, "amy")
    start = f"/classes/{school['class']}/assignments/{assignment_id}/start"
    assert post_form(amy, start).headers["Location"].endswith(f"/assignments/{assignment_id}")  # refused: past due
    url = f"/classes/{school['class']}/assignments/{assignment_id}/edit"
    response = post_form(
        client_for(app, "tess"),
        url,
        **terms(opens_at=local(now - 3 * HOUR), due_at=local(now + HOUR), feedback="at_once"),
    )
    assert response.status_code == 303
    assert "/attempts/" in post_form(amy, start).headers["Location"]


def test_changing_or_deleting_an_assignment_needs_its_teacher_and_the_csrf_token(app, school):
    assignment_id = assign(app, school)
    base = f"/classes/{school['class']}/assignments/{assignment_id}"
    tess = client_for(app, "tess")
    assert tess.post(f"{base}/edit", data=terms(title="Stolen")).status_code == 400
    assert tess.post(f"{base}/delete", data={"confirm": "yes"}).status_code == 400
    for login, status in (("tom", 404), ("amy", 403)):
        client = client_for(app, login)
        assert post_form(client, f"{base}/edit", **terms(title="Stolen")).status_code == status
        assert post_form(client, f"{base}/delete", confirm="yes").status_code == status
    with app.app_context():
        assert db.session.get(Assignment, assignment_id).title == "Week 1"


def test_an_admin_may_change_and_delete_any_classs_work(app, school):
    assignment_id = assign(app, school)
    root = client_for(app, "root")
    base = f"/classes/{school['class']}/assignments/{assignment_id}"
    assert post_form(root, f"{base}/edit", **terms(title="By the admin")).status_code == 303
    assert post_form(root, f"{base}/delete", confirm="yes").status_code == 303
    assert audit_actions(app)[-2:] == ["assignment.edit", "assignment.delete"]


def test_the_delete_page_counts_the_attempts_and_a_bare_post_deletes_nothing(app, school):
    assignment_id = assign(app, school, attempts_allowed=None, feedback="after_due")
    take(app, school["amy"], assignment_id, RIGHT)
    take(app, school["amy"], assignment_id, WRONG)
    take(app, school["ben"], assignment_id, WRONG)
    tess = client_for(app, "tess")
    url = f"/classes/{school['class']}/assignments/{assignment_id}/delete"
    page = tess.get(url).text
    assert "<strong>3 attempts</strong> by 2 learners were taken for it." in page
    assert "holds back until the due date is then shown to them" in page
    before = counts(app)
    response = tess.post(url, data={"csrf_token": csrf_token(tess)})
    assert response.status_code == 422 and "Confirm the deletion with the button on its page." in response.text
    assert counts(app) == before


def test_deleting_an_assignment_keeps_its_attempts_in_the_learners_history(app, school):
    assignment_id = assign(app, school)
    other_id = assign(app, school, title="Week 2")
    attempt_id = take(app, school["amy"], assignment_id, RIGHT)
    kept_id = take(app, school["amy"], other_id, WRONG)
    response = post_form(
        client_for(app, "tess"), f"/classes/{school['class']}/assignments/{assignment_id}/delete", confirm="yes"
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/classes/{school['class']}"
    with app.app_context():
        assert db.session.get(Assignment, assignment_id) is None
        assert db.session.get(Attempt, attempt_id).assignment_id is None
        assert db.session.get(Attempt, kept_id).assignment_id == other_id
        summary = db.session.scalars(select(AssignmentResult.assignment_id)).all()
        assert summary == [other_id]  # the deleted work's results summary went with it
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "assignment.delete")).one()
        assert (entry.details["title"], entry.details["attempts"]) == ("Week 1", 1)
    amy = client_for(app, "amy")
    assert "Questions right" in amy.get(f"/attempts/{attempt_id}/results").text
    assert "Week 1" not in amy.get(f"/classes/{school['class']}").text
    grid = client_for(app, "tess").get(f"/classes/{school['class']}/results").text
    assert "Week 2" in grid and "Week 1" not in grid


def test_an_attempt_under_way_follows_the_new_due_date(app, school):
    now = utcnow()
    assignment_id = assign(app, school)
    with app.app_context():
        amy = db.session.get(User, school["amy"])
        attempt_id = ops.start_assignment(db.session, amy, db.session.get(Assignment, assignment_id), now).id
        db.session.commit()
    url = f"/classes/{school['class']}/assignments/{assignment_id}/edit"
    due = (now + 72 * HOUR).replace(second=0, microsecond=0)
    tess = client_for(app, "tess")
    assert post_form(tess, url, **terms(due_at=local(due), feedback="at_once")).status_code == 303
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).deadline == due
    assert post_form(tess, url, **terms(due_at=local(due), feedback="at_once", late_accepted="y")).status_code == 303
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).deadline is None  # no time limit, and late work is accepted


def test_a_moved_deadline_keeps_the_attempts_own_time_limit():
    start = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    due = start + 2 * HOUR
    terms = LearnerTerms(start - HOUR, due, None, late_accepted=False, extra_minutes=0, excused=False, extended=False)
    assert moved_deadline(terms, start, 30 * 60) == start + dt.timedelta(minutes=30)
    assert moved_deadline(terms, start, 3 * 3600) == due
    assert moved_deadline(terms, start, None) == due
    late = LearnerTerms(start - HOUR, due, None, late_accepted=True, extra_minutes=0, excused=False, extended=False)
    assert moved_deadline(late, start, 3 * 3600) == start + 3 * HOUR
    assert moved_deadline(late, start, None) is None


@pytest.mark.postgres
def test_deleting_work_and_a_class_on_postgresql(pg_app):
    school = make_school(pg_app)
    first, second = assign(pg_app, school), assign(pg_app, school, title="Week 2")
    kept = take(pg_app, school["amy"], first, RIGHT)
    other = take(pg_app, school["ben"], second, WRONG)
    tess = client_for(pg_app, "tess")
    base = f"/classes/{school['class']}"
    assert post_form(tess, f"{base}/assignments/{first}/delete", confirm="yes").status_code == 303
    assert post_form(tess, f"{base}/delete", name="Neurology 1").status_code == 303
    with pg_app.app_context():
        assert [db.session.get(Attempt, a).assignment_id for a in (kept, other)] == [None, None]
        assert db.session.scalars(select(Assignment)).all() == [] and db.session.get(Class, school["class"]) is None


def test_changing_which_attempt_counts_changes_the_grid_a_teacher_has_seen(app, school):
    assignment_id = assign(app, school, attempts_allowed=2, counting="last")
    take(app, school["amy"], assignment_id, RIGHT)
    take(app, school["amy"], assignment_id, WRONG)
    tess = client_for(app, "tess")
    grid = f"/classes/{school['class']}/results"
    assert "0%" in tess.get(grid).text and "100%" not in tess.get(grid).text  # the last attempt counts
    url = f"/classes/{school['class']}/assignments/{assignment_id}/edit"
    assert post_form(tess, url, **terms(attempts="2", counting="highest", feedback="at_once")).status_code == 303
    assert "100%" in tess.get(grid).text  # the page the worker kept is not shown again
