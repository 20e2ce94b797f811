"""Classes and assignments through the app: making a class, joining by code or link, leaving and removal,
co-teachers, setting work, taking it within its terms, extensions, held feedback, the results grid, a
learner's page, a review, and both CSV downloads — with every bad input refused with a message, a 4xx and
nothing changed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from quizapp.domain import scheduling
from quizapp.domain.assignments import Grant
from quizapp.domain.banks import parse_bank
from quizapp.domain.stats import Scope
from quizapp.extensions import db, passwords
from quizapp.models import (
    Assignment,
    Attempt,
    AuditEntry,
    Class,
    ClassMember,
    Extension,
    Question,
    QuestionRevision,
    User,
    utcnow,
)
from quizapp.operations import classes as ops
from quizapp.operations import create_user, import_bank
from quizapp.operations.cards import save_settings
from quizapp.operations.quizzes import finish_attempt, save_answer
from quizapp.queries import stats as stats_queries

from .conftest import PASSWORD, bank_yaml, log_in, post_form

QUIZZES = """quizzes:
  - id: exam
    title: "Demo exam"
    mode: exam
    count: 2
  - id: practice
    title: "Demo practice"
    mode: practice
    count: 2
"""
RIGHT = {"q1": {"choice": "a"}, "q2": {"choice": "false"}}
WRONG = {"q1": {"choice": "b"}, "q2": {"choice": "true"}}
HOUR = dt.timedelta(hours=1)


def local(when: dt.datetime) -> str:
    """A UTC time as a datetime-local field of a class in UTC takes it."""
    return when.strftime("%Y-%m-%dT%H:%M")


def make_school(app) -> dict:
    """A bank with two quizzes; a teacher (tess), another teacher (tom), an admin, learners amy, ben and cat;
    tess's class (UTC) with amy and ben in it."""
    source = (bank_yaml() + QUIZZES).encode()
    with app.app_context():
        import_bank(db.session, parse_bank(source, "demo.yaml"), source, "demo.yaml", utcnow())
        users = {
            login: create_user(db.session, login, PASSWORD, role, passwords=passwords(), now=utcnow())
            for login, role in (
                ("tess", "teacher"),
                ("tom", "teacher"),
                ("root", "admin"),
                ("amy", "learner"),
                ("ben", "learner"),
                ("cat", "learner"),
            )
        }
        klass = ops.create_class(db.session, users["tess"], "Neurology 1", "Spring term", "UTC", utcnow())
        for login in ("amy", "ben"):
            ops.join_class(db.session, users[login], klass.join_code, utcnow())
        db.session.commit()
        return {login: u.id for login, u in users.items()} | {"class": klass.id, "code": klass.join_code}


@pytest.fixture
def school(app):
    return make_school(app)


def client_for(app, login: str):
    client = app.test_client()
    assert log_in(client, login).status_code == 302
    return client


def assign(app, school, **terms) -> int:
    """An assignment of the bank's exam to tess's class, open an hour ago and due in a day, unless told."""
    now = utcnow()
    given = {
        "title": "Week 1",
        "opens_at": now - HOUR,
        "due_at": now + 24 * HOUR,
        "attempts_allowed": 1,
        "bank": "demo",
        "quiz": "exam",
        **terms,
    }
    with app.app_context():
        tess = db.session.get(User, school["tess"])
        found = ops.create_assignment(
            db.session, tess, db.session.get(Class, school["class"]), ops.AssignmentInput(**given), now
        )
        db.session.commit()
        return found.id


def take(app, user_id: int, assignment_id: int, answers: dict, now: dt.datetime | None = None) -> int:
    """``user_id`` starts the assignment, answers each question by its key, and submits."""
    now = now or utcnow()
    with app.app_context():
        user = db.session.get(User, user_id)
        attempt = ops.start_assignment(db.session, user, db.session.get(Assignment, assignment_id), now)
        for position, revision_id in enumerate(attempt.question_revision_ids, 1):
            key = db.session.execute(
                select(Question.key).join(QuestionRevision).where(QuestionRevision.id == revision_id)
            ).scalar_one()
            save_answer(db.session, user.id, attempt.id, position, answers[key], now)
        finish_attempt(db.session, attempt, now)
        db.session.commit()
        return attempt.id


def counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Class, ClassMember, Assignment, Extension, Attempt, AuditEntry)
        )


# --- classes and joining -------------------------------------------------------------------------------------


def test_a_teacher_makes_a_class_and_gets_a_code_and_a_link(app, school):
    tess = client_for(app, "tess")
    response = post_form(tess, "/classes/new", name="  Cardiology   2 ", description="", time_zone="Europe/Paris")
    assert response.status_code == 303
    page = tess.get(response.headers["Location"]).text
    assert "Cardiology 2" in page and "Europe/Paris" in page
    code = re.search(r"<strong>([A-Z2-9]{4}-[A-Z2-9]{4})</strong>", page).group(1)
    assert f"/classes/join/{code.replace('-', '')}" in page
    assert "Neurology 1" in tess.get("/classes/").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "time_zone": "UTC"}, "Give the class a name"),
        ({"name": "X", "time_zone": "Mars/Olympus"}, "is not a time zone"),
    ],
)
def test_a_class_needs_a_name_and_a_time_zone(app, school, data, message):
    before = counts(app)
    response = post_form(client_for(app, "tess"), "/classes/new", **data)
    assert response.status_code == 422 and message in response.text
    assert counts(app) == before


def test_learners_cannot_make_classes(app, school):
    assert post_form(client_for(app, "amy"), "/classes/new", name="Mine", time_zone="UTC").status_code == 403


def test_a_learner_joins_by_code_in_any_case_with_the_hyphen(app, school):
    cat = client_for(app, "cat")
    code = school["code"].lower()
    response = post_form(cat, "/classes/join", code=f"{code[:4]}-{code[4:]}")
    assert response.status_code == 303
    assert "You joined “Neurology 1”" in cat.get(response.headers["Location"]).text
    assert "Neurology 1" in cat.get("/classes/").text


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("nope", 404, "A join code is 8 letters and digits"),
        ("ZZZZ-ZZZZ", 404, "No class has this join code"),
    ],
)
def test_a_wrong_join_code_is_refused(app, school, code, status, message):
    before = counts(app)
    response = post_form(client_for(app, "cat"), "/classes/join", code=code)
    assert response.status_code == status and message in response.text
    assert counts(app) == before


def test_an_expired_or_switched_off_code_is_refused(app, school):
    tess = client_for(app, "tess")
    assert post_form(tess, f"/classes/{school['class']}/code", action="rotate", valid_days="1").status_code == 303
    with app.app_context():
        klass = db.session.get(Class, school["class"])
        new_code, old_code = klass.join_code, school["code"]
        assert new_code != old_code and klass.join_code_expires_at is not None
    cat = client_for(app, "cat")
    assert post_form(cat, "/classes/join", code=old_code).status_code == 404  # the rotated code stopped working
    with app.app_context():
        klass = db.session.get(Class, school["class"])
        klass.join_code_expires_at = utcnow() - HOUR
        db.session.commit()
    before = counts(app)
    response = post_form(cat, "/classes/join", code=new_code)
    assert response.status_code == 410 and "This join code has expired" in response.text
    assert post_form(tess, f"/classes/{school['class']}/code", action="off").status_code == 303
    response = post_form(cat, "/classes/join", code=new_code)
    assert response.status_code == 404 and "No class has this join code" in response.text
    assert cat.get(f"/classes/join/{new_code}").status_code == 404
    assert counts(app)[:2] == before[:2]


def test_a_join_link_asks_to_log_in_then_comes_back_to_confirm(app, school):
    visitor = app.test_client()
    link = f"/classes/join/{school['code']}"
    response = visitor.get(link)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    response = log_in(visitor, "cat", next=link)
    assert response.headers["Location"] == link
    page = visitor.get(link).text
    assert "Join “Neurology 1”" in page and f'value="{school["code"]}"' in page
    with app.app_context():  # a link never changes anything by itself
        assert db.session.scalar(select(ClassMember).where(ClassMember.user_id == school["cat"])) is None
    assert post_form(visitor, "/classes/join", code=school["code"]).status_code == 303


def test_teachers_join_as_co_teachers_not_by_code(app, school):
    response = post_form(client_for(app, "tom"), "/classes/join", code=school["code"])
    assert response.status_code == 403 and "co-teachers" in response.text


def test_a_co_teacher_is_added_by_username_and_sees_the_class(app, school):
    tess, tom = client_for(app, "tess"), client_for(app, "tom")
    assert tom.get(f"/classes/{school['class']}").status_code == 404
    response = post_form(tess, f"/classes/{school['class']}/teachers", login="amy")
    assert response.status_code == 404 and "No teacher or admin account" in response.text
    assert post_form(tess, f"/classes/{school['class']}/teachers", login="TOM").status_code == 303
    assert "Members" in tom.get(f"/classes/{school['class']}").text
    assert tom.get(f"/classes/{school['class']}/results").status_code == 200
    response = post_form(tess, f"/classes/{school['class']}/teachers", login="tom")
    assert response.status_code == 409 and "already teaches" in response.text


def test_admins_see_every_class(app, school):
    root = client_for(app, "root")
    assert "Neurology 1" in root.get("/classes/").text
    assert root.get(f"/classes/{school['class']}/results").status_code == 200


def test_a_learner_who_leaves_no_longer_sees_the_class_but_their_results_stay(app, school):
    assignment_id = assign(app, school)
    take(app, school["amy"], assignment_id, RIGHT)
    amy = client_for(app, "amy")
    assert post_form(amy, f"/classes/{school['class']}/leave").status_code == 303
    assert amy.get(f"/classes/{school['class']}").status_code == 404
    assert amy.get(f"/classes/{school['class']}/assignments/{assignment_id}").status_code == 404
    assert post_form(amy, f"/classes/{school['class']}/assignments/{assignment_id}/start").status_code == 404
    assert "Neurology 1" not in amy.get("/classes/").text
    grid = client_for(app, "tess").get(f"/classes/{school['class']}/results").text
    assert "amy" in grid and "(left)" in grid and "100%" in grid
    assert post_form(amy, "/classes/join", code=school["code"]).status_code == 303  # who left may come back


def test_a_removed_learner_loses_the_class_and_cannot_rejoin_and_the_removal_is_audited(app, school):
    assignment_id = assign(app, school)
    attempt_id = take(app, school["ben"], assignment_id, WRONG)
    tess = client_for(app, "tess")
    assert post_form(tess, f"/classes/{school['class']}/members/{school['ben']}/remove").status_code == 303
    ben = client_for(app, "ben")
    assert ben.get(f"/classes/{school['class']}").status_code == 404
    response = post_form(ben, "/classes/join", code=school["code"])
    assert response.status_code == 403 and "A teacher removed you" in response.text
    grid = tess.get(f"/classes/{school['class']}/results").text
    assert "ben" in grid and "(removed)" in grid
    assert tess.get(f"/classes/{school['class']}/attempts/{attempt_id}").status_code == 200
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "class.remove_learner"))
        assert entry.target_user_id == school["ben"] and entry.actor_name == "tess"
    # Removing someone not in the class, or twice, changes nothing.
    before = counts(app)
    for user_id in (school["ben"], school["cat"], 999_999):
        assert post_form(tess, f"/classes/{school['class']}/members/{user_id}/remove").status_code == 404
    assert counts(app) == before


# --- assignments ---------------------------------------------------------------------------------------------


def assignment_form(**data) -> dict:
    now = utcnow()
    return {
        "title": "Week 2",
        "quiz": "",
        "banks": "demo",
        "count": "2",
        "mode": "exam",
        "opens_at": local(now - HOUR),
        "due_at": local(now + 24 * HOUR),
        "attempts": "2",
        "counting": "highest",
        "feedback": "at_once",
        **data,
    }


def test_a_teacher_sets_a_built_quiz_and_a_banks_quiz(app, school):
    tess = client_for(app, "tess")
    url = f"/classes/{school['class']}/assignments/new"
    assert "Demo exam" in tess.get(url).text
    response = post_form(tess, url, **assignment_form(time_limit="20", tags="demo", attempts=""))
    assert response.status_code == 303
    response = post_form(tess, url, **assignment_form(title="", quiz="demo/exam", banks="", late_accepted="y"))
    assert response.status_code == 303
    with app.app_context():
        built, bank = db.session.scalars(select(Assignment).order_by(Assignment.id)).all()
        assert (built.source, built.quiz, built.mode, built.time_limit_minutes) == (
            "custom",
            {"banks": ["demo"], "tags": ["demo"], "count": 2},
            "exam",
            20,
        )
        assert built.attempts_allowed is None
        assert (bank.title, bank.quiz, bank.late_accepted, bank.attempts_allowed) == (
            "Demo exam",
            {"bank": "demo", "quiz": "exam"},
            True,
            2,
        )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"due_at": "open"}, "The due date must be after the open date."),
        ({"due_at": "before"}, "The due date must be after the open date."),
        ({"due_at": "not a date"}, "Not a valid datetime value."),
        ({"banks": ""}, "Choose a bank&#39;s quiz, or one or more banks"),
        ({"banks": "no-such-bank"}, "Choose a bank&#39;s quiz, or one or more banks"),
        ({"quiz": "demo/nothing"}, "Choose one of the banks&#39; quizzes listed."),
        ({"mode": "practice", "feedback": "after_due"}, "choose exam mode, or feedback at once"),
        ({"quiz": "demo/practice", "feedback": "never"}, "is a practice quiz"),
        ({"attempts": "0"}, "Allow between 1 and 100 attempts."),
        ({"count": "500"}, "Choose between 1 and 100 questions."),
        ({"counting": "best"}, "Not a valid choice"),
    ],
)
def test_bad_assignments_are_refused_and_change_nothing(app, school, data, message):
    form = assignment_form(**data)
    if data.get("due_at") in ("open", "before"):
        form["due_at"] = form["opens_at"] if data["due_at"] == "open" else local(utcnow() - 2 * HOUR)
    before = counts(app)
    response = post_form(client_for(app, "tess"), f"/classes/{school['class']}/assignments/new", **form)
    assert response.status_code == 422 and message in response.text, response.text[:3000]
    assert counts(app) == before


def test_dates_are_read_in_the_class_time_zone_and_shown_in_the_learners(app, school):
    with app.app_context():
        db.session.get(Class, school["class"]).time_zone = "Europe/Paris"
        db.session.commit()
    tess = client_for(app, "tess")
    form = assignment_form(opens_at="2026-03-02T10:00", due_at="2099-03-09T18:00")
    assert post_form(tess, f"/classes/{school['class']}/assignments/new", **form).status_code == 303
    with app.app_context():
        found = db.session.scalar(select(Assignment))
        assert found.due_at == dt.datetime(2099, 3, 9, 17, 0, tzinfo=dt.UTC)
    with app.app_context():
        amy = db.session.get(User, school["amy"])
        save_settings(db.session, amy, scheduling.Settings(timezone="America/New_York"), utcnow())
        db.session.commit()
    page = client_for(app, "amy").get(f"/classes/{school['class']}/assignments/{found.id}").text
    assert "9 Mar 2099, 13:00 EDT" in page and "America/New_York" in page


def test_learners_and_other_teachers_cannot_set_work(app, school):
    url = f"/classes/{school['class']}/assignments/new"
    assert client_for(app, "amy").get(url).status_code == 403
    assert client_for(app, "tom").get(url).status_code == 404
    assert client_for(app, "tess").get("/classes/999999/assignments/new").status_code == 404


# --- taking an assignment -------------------------------------------------------------------------------------


def test_a_learner_takes_an_assignment_from_home_and_my_classes(app, school):
    assignment_id = assign(app, school, attempts_allowed=1)
    amy = client_for(app, "amy")
    home = amy.get("/").text
    assert "Work set by your class" in home and "Week 1" in home
    assert "Week 1" in amy.get("/classes/").text and "Not started" in amy.get("/classes/").text
    response = post_form(amy, f"/classes/{school['class']}/assignments/{assignment_id}/start")
    assert response.status_code == 303 and response.headers["Location"].startswith("/attempts/")
    with app.app_context():
        attempt = db.session.scalar(select(Attempt))
        assert attempt.assignment_id == assignment_id and attempt.mode == "exam"
        assert attempt.deadline is not None  # closes at the due date: late work is refused
    # Pressing Start again gives the attempt in progress back.
    again = post_form(amy, f"/classes/{school['class']}/assignments/{assignment_id}/start")
    assert again.headers["Location"] == response.headers["Location"]
    assert "In progress" in amy.get(f"/classes/{school['class']}").text


def test_the_terms_are_enforced_with_clear_refusals(app, school):
    now = utcnow()
    later = assign(app, school, title="Later", opens_at=now + HOUR, due_at=now + 2 * HOUR)
    past = assign(app, school, title="Past", opens_at=now - 2 * HOUR, due_at=now - HOUR)
    once = assign(app, school, title="Once")
    take(app, school["amy"], once, RIGHT)
    amy = client_for(app, "amy")
    for assignment_id, message in (
        (later, "This assignment opens on"),
        (past, "late work is not accepted"),
        (once, "You have used your 1 attempt at this assignment."),
    ):
        before = counts(app)
        url = f"/classes/{school['class']}/assignments/{assignment_id}"
        response = post_form(amy, url + "/start")
        assert response.status_code == 303 and response.headers["Location"] == url
        assert message in amy.get(url).text
        assert counts(app) == before
    cat = client_for(app, "cat")  # not in the class
    assert post_form(cat, f"/classes/{school['class']}/assignments/{once}/start").status_code == 404
    assert post_form(amy, f"/classes/{school['class']}/assignments/999999/start").status_code == 404


def test_late_work_is_marked_late_and_an_extension_makes_it_on_time(app, school):
    now = utcnow()
    assignment_id = assign(app, school, opens_at=now - 3 * HOUR, due_at=now - HOUR, late_accepted=True)
    take(app, school["amy"], assignment_id, RIGHT)
    tess = client_for(app, "tess")
    url = f"/classes/{school['class']}/assignments/{assignment_id}"
    response = post_form(tess, url + "/extensions", user_id=str(school["ben"]), due_at=local(now + 5 * HOUR))
    assert response.status_code == 303
    take(app, school["ben"], assignment_id, WRONG)
    page = tess.get(url).text
    amy_row = re.search(r"amy</a>.*?</tr>", page, re.S).group(0)
    ben_row = re.search(r"ben</a>.*?</tr>", page, re.S).group(0)
    assert "Late" in amy_row and "Submitted" in ben_row and "(extension)" in ben_row
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "assignment.extension"))
        assert entry.target_user_id == school["ben"] and entry.details["assignment_id"] == assignment_id


def test_an_extra_attempt_and_more_time(app, school):
    assignment_id = assign(app, school, bank=None, quiz=None, banks=("demo",), count=2, time_limit_minutes=10)
    take(app, school["amy"], assignment_id, WRONG)
    with app.app_context():
        tess = db.session.get(User, school["tess"])
        klass, found = db.session.get(Class, school["class"]), db.session.get(Assignment, assignment_id)
        ops.grant_extension(
            db.session, tess, klass, found, school["amy"], Grant(extra_minutes=5, extra_attempts=1), utcnow()
        )
        db.session.commit()
    second = take(app, school["amy"], assignment_id, RIGHT)
    with app.app_context():
        assert db.session.get(Attempt, second).time_limit_seconds == 15 * 60
    page = client_for(app, "amy").get(f"/classes/{school['class']}/assignments/{assignment_id}").text
    assert "2 of 2 used" in page and "You have used every attempt" in page


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"user": "cat"}, 404, "That learner is not in this class"),
        ({"user": "tess"}, 404, "That learner is not in this class"),
        ({"user_id": "999999"}, 404, "That learner is not in this class"),
        ({"user_id": "nobody"}, 404, "That learner is not in this class"),
        ({"user_id": "99999999999999999999"}, 404, "That learner is not in this class"),
        ({"due_at": "before"}, 422, "An extended due date must be after the assignment&#39;s due date."),
        ({"extra_minutes": "-5"}, 422, "From 0 to 1440 minutes."),
        ({"extra_attempts": "50"}, 422, "From 0 to 20."),
        ({}, 422, "Grant a later due date, more time, an extra attempt, or excuse the learner."),
    ],
)
def test_bad_extensions_are_refused_and_change_nothing(app, school, data, status, message):
    assignment_id = assign(app, school)
    form = {"user_id": str(school[data.pop("user", "amy")]), **data}
    if form.get("due_at") == "before":
        form["due_at"] = local(utcnow() - HOUR)
    before = counts(app)
    response = post_form(
        client_for(app, "tess"), f"/classes/{school['class']}/assignments/{assignment_id}/extensions", **form
    )
    assert response.status_code == status and message in response.text
    assert counts(app) == before


def test_feedback_after_the_due_date_is_held_until_then(app, school):
    assignment_id = assign(app, school, feedback="after_due")
    attempt_id = take(app, school["amy"], assignment_id, WRONG)
    amy = client_for(app, "amy")
    page = amy.get(f"/attempts/{attempt_id}/results").text
    assert "Your answers are in" in page and "after the due date" in page and "Question 1" not in page
    response = post_form(amy, f"/attempts/{attempt_id}/retry")
    assert response.status_code == 303
    assert "has not released the feedback" in amy.get(response.headers["Location"]).text
    with app.app_context():
        db.session.get(Assignment, assignment_id).due_at = utcnow() - dt.timedelta(seconds=1)
        db.session.get(Assignment, assignment_id).opens_at = utcnow() - HOUR
        db.session.commit()
    assert "Question 1" in amy.get(f"/attempts/{attempt_id}/results").text


def test_feedback_never_shown(app, school):
    assignment_id = assign(app, school, feedback="never")
    attempt_id = take(app, school["amy"], assignment_id, RIGHT)
    amy = client_for(app, "amy")
    page = amy.get(f"/attempts/{attempt_id}/results").text
    assert "does not show the marks" in page and "100%" not in page
    history = amy.get("/history").text
    assert "Submitted: feedback later" in history and "100%" not in history
    assert "100%" not in amy.get(f"/classes/{school['class']}/assignments/{assignment_id}").text
    assert "100%" not in amy.get("/classes/").text


def test_held_scores_stay_out_of_the_learners_statistics_until_released(app, school):
    assignment_id = assign(app, school, feedback="after_due")
    attempt_id = take(app, school["amy"], assignment_id, RIGHT)

    def in_statistics() -> bool:
        with app.app_context():
            scores = stats_queries.attempt_scores(db.session, school["amy"], Scope(), None, utcnow())
        return attempt_id in [s.attempt_id for s in scores]

    assert not in_statistics()
    with app.app_context():
        db.session.get(Assignment, assignment_id).due_at = utcnow() - dt.timedelta(seconds=1)
        db.session.get(Assignment, assignment_id).opens_at = utcnow() - HOUR
        db.session.commit()
    assert in_statistics()  # released with the feedback


def test_an_assigned_attempt_is_not_started_afresh_outside_its_assignment(app, school):
    assignment_id = assign(app, school, attempts_allowed=1)
    amy = client_for(app, "amy")
    location = post_form(amy, f"/classes/{school['class']}/assignments/{assignment_id}/start").headers["Location"]
    attempt_id = int(location.rsplit("/", 1)[1])
    before = counts(app)
    response = post_form(amy, f"/attempts/{attempt_id}/again")
    assert response.status_code == 303
    assert counts(app) == before


# --- results --------------------------------------------------------------------------------------------------


def test_the_grid_shows_standing_scores_and_totals_and_sorts_without_script(app, school):
    first = assign(app, school, title="First")
    second = assign(app, school, title="Second")
    take(app, school["amy"], first, RIGHT)  # 100
    take(app, school["ben"], first, WRONG)  # 0
    take(app, school["ben"], second, RIGHT)  # 100
    tess = client_for(app, "tess")
    page = tess.get(f"/classes/{school['class']}/results").text
    assert page.index(">amy<") < page.index(">ben<")
    assert "Not started" in page and "Submitted" in page
    assert "median 50%" in page and "n = 2" in page  # First: 100 and 0
    assert f"sort=a{first}&amp;order=asc" in page
    by_first = tess.get(f"/classes/{school['class']}/results?sort=a{first}&order=desc").text
    assert by_first.index(">amy<") < by_first.index(">ben<")
    by_first = tess.get(f"/classes/{school['class']}/results?sort=a{first}&order=asc").text
    assert by_first.index(">ben<") < by_first.index(">amy<")
    by_mean = tess.get(f"/classes/{school['class']}/results?sort=mean&order=desc").text
    assert 'aria-sort="descending"' in by_mean


@pytest.mark.parametrize(
    "query",
    ["sort=nonsense", "order=sideways", "sort=a999999", "colour=red", "table=grid"],
)
def test_a_malformed_results_request_is_a_400(app, school, query):
    assign(app, school)
    response = client_for(app, "tess").get(f"/classes/{school['class']}/results?{query}")
    assert response.status_code == 400 and "Unknown" in response.text


def test_a_review_from_a_cell_is_for_the_class_teachers_only(app, school):
    assignment_id = assign(app, school)
    attempt_id = take(app, school["amy"], assignment_id, RIGHT)
    url = f"/classes/{school['class']}/attempts/{attempt_id}"
    page = client_for(app, "tess").get(url).text
    assert "amy: Week 1" in page and "Question 1" in page
    assert client_for(app, "root").get(url).status_code == 200
    assert client_for(app, "tom").get(url).status_code == 404
    assert client_for(app, "ben").get(url).status_code == 403
    assert client_for(app, "amy").get(url).status_code == 403  # learners read their own results, not this page
    assert client_for(app, "ben").get(f"/attempts/{attempt_id}/results").status_code == 404
    assert client_for(app, "tess").get(f"/classes/{school['class']}/attempts/999999").status_code == 404


def test_a_learners_page_across_assignments(app, school):
    first = assign(app, school, title="First")
    assign(app, school, title="Second")
    take(app, school["amy"], first, RIGHT)
    tess = client_for(app, "tess")
    page = tess.get(f"/classes/{school['class']}/learners/{school['amy']}").text
    assert "First" in page and "Second" in page and "100%" in page and "Not started" in page
    assert tess.get(f"/classes/{school['class']}/learners/{school['cat']}").status_code == 404
    assert tess.get(f"/classes/{school['class']}/learners/{school['tess']}").status_code == 404


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_grid_csv_is_a_row_per_learner_and_a_column_per_assignment(app, school):
    first = assign(app, school, title='=HYPERLINK("http://x")')
    second = assign(app, school, title="Second")
    take(app, school["amy"], first, RIGHT)
    with app.app_context():
        ops.grant_extension(
            db.session,
            db.session.get(User, school["tess"]),
            db.session.get(Class, school["class"]),
            db.session.get(Assignment, second),
            school["ben"],
            Grant(excused=True),
            utcnow(),
        )
        db.session.commit()
    response = client_for(app, "tess").get(f"/classes/{school['class']}/export?table=grid&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="neurology-1-grid.csv"' in response.headers["Content-Disposition"]
    rows = rows_of(response.text)
    assert rows[0] == ["learner", "in class", f'\'=HYPERLINK("http://x") (#{first})', f"Second (#{second})", "mean"]
    assert rows[1] == ["amy", "yes", "100.0", "Not started", "100.0"]
    assert rows[2] == ["ben", "yes", "Not started", "Excused", ""]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.csv"))
        assert entry.details == {"class_id": school["class"], "table": "grid"}


def test_the_responses_csv_is_a_row_per_answer(app, school):
    assignment_id = assign(app, school, title="-1+1")
    attempt_id = take(app, school["amy"], assignment_id, RIGHT)
    take(app, school["ben"], assignment_id, WRONG)
    response = client_for(app, "tess").get(f"/classes/{school['class']}/export?table=responses&format=csv")
    rows = rows_of(response.text)
    assert rows[0] == [
        "learner",
        "assignment",
        "attempt",
        "attempt status",
        "bank",
        "question",
        "position",
        "response",
        "points",
        "max points",
        "correct",
        "answered at (UTC)",
        "time spent (s)",
    ]
    assert len(rows) == 1 + 4
    amy_rows = [r for r in rows[1:] if r[0] == "amy"]
    assert {r[1] for r in rows[1:]} == {"'-1+1"}
    assert {r[2] for r in amy_rows} == {str(attempt_id)}
    assert sorted((r[5], r[7], r[10]) for r in amy_rows) == [("q1", "a", "yes"), ("q2", "false", "yes")]
    one = client_for(app, "tess").get(f"/classes/{school['class']}/export?table=responses&assignment={assignment_id}")
    assert len(rows_of(one.text)) == 5


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("table=grades", "Unknown table"),
        ("table=grid&format=xlsx", "Unknown format"),
        ("table=grid&sort=age", "Unknown column"),
        ("table=grid&order=up", "Unknown order"),
        ("table=grid&columns=all", "Unknown parameter"),
        ("table=responses&assignment=999999", "is not an assignment of this class"),
        ("table=responses&assignment=1e3", "is not an assignment of this class"),
    ],
)
def test_a_malformed_csv_request_is_a_400_and_records_nothing(app, school, query, message):
    assign(app, school)
    before = counts(app)
    response = client_for(app, "tess").get(f"/classes/{school['class']}/export?{query}")
    assert response.status_code == 400 and message in response.text
    assert counts(app) == before


def test_only_the_class_teachers_and_admins_download(app, school):
    url = f"/classes/{school['class']}/export?table=grid&format=csv"
    assert client_for(app, "tom").get(url).status_code == 404
    assert client_for(app, "amy").get(url).status_code == 403
    assert client_for(app, "root").get(url).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/classes/99999999999999999999",
        "/classes/0",
        "/classes/2147483648/results",
        "/classes/{class}/attempts/99999999999999999999",
        "/classes/{class}/learners/99999999999999999999",
        "/classes/{class}/assignments/99999999999999999999",
    ],
)
def test_ids_out_of_range_are_404(app, school, path):
    response = client_for(app, "tess").get(path.replace("{class}", str(school["class"])))
    assert response.status_code == 404
    remove = f"/classes/{school['class']}/members/99999999999999999999/remove"
    assert post_form(client_for(app, "tess"), remove).status_code == 404


@pytest.mark.postgres
def test_the_grid_the_review_and_the_downloads_on_postgresql(pg_app):
    school = make_school(pg_app)
    assignment_id = assign(pg_app, school, title="=Week 1")
    attempt_id = take(pg_app, school["amy"], assignment_id, RIGHT)
    take(pg_app, school["ben"], assignment_id, WRONG)
    tess = client_for(pg_app, "tess")
    page = tess.get(f"/classes/{school['class']}/results?sort=a{assignment_id}&order=desc").text
    assert page.index(">amy<") < page.index(">ben<") and "median 50%" in page
    assert tess.get(f"/classes/{school['class']}/attempts/{attempt_id}").status_code == 200
    grid = rows_of(tess.get(f"/classes/{school['class']}/export?table=grid").text)
    assert grid[1:] == [["amy", "yes", "100.0", "100.0"], ["ben", "yes", "0.0", "0.0"]]
    responses = rows_of(tess.get(f"/classes/{school['class']}/export?table=responses").text)
    assert len(responses) == 5 and {r[1] for r in responses[1:]} == {"'=Week 1"}
    assert client_for(pg_app, "amy").get(f"/classes/{school['class']}/attempts/{attempt_id}").status_code == 403
