"""The access matrix: every route in ``app.url_map``, for every kind of visitor and for their own, someone
else's and a missing object, with the status each must get. A route that is not in the matrix fails the
test, so every new page has to say who may use it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Bank, Deck, MediaFile, User

from .conftest import PASSWORD, bank_yaml, log_in, make_app

PICTURE = "ab" * 32  # the SHA-256 a stored picture is served by
ACTORS = ("anonymous", "learner_a", "learner_b", "teacher", "admin")
OBJECTS = ("own", "other", "missing")
LOGIN = "login"  # a redirect to the login page
MEMBERS = ACTORS[1:]


def everyone(code: int | str) -> dict:
    return dict.fromkeys(ACTORS, code)


def visitors_only(anonymous: int) -> dict:
    """Login and registration: logged-in users are sent home (302)."""
    return {"anonymous": anonymous, **dict.fromkeys(MEMBERS, 302)}


def members(code: int) -> dict:
    return {"anonymous": LOGIN, **dict.fromkeys(MEMBERS, code)}


def staff(code: int) -> dict:
    return {"anonymous": LOGIN, "learner_a": 403, "learner_b": 403, "teacher": code, "admin": code}


def admins(code: int) -> dict:
    return {"anonymous": LOGIN, "learner_a": 403, "learner_b": 403, "teacher": 403, "admin": code}


def per_object(spec: dict, **overrides: tuple) -> dict:
    """Same status for own, other and missing objects, unless overridden per actor."""
    return {actor: overrides.get(actor, (code, code, code)) for actor, code in spec.items()}


def owners(code: int) -> dict:
    """Only the owner gets ``code``; someone else's object and a missing one are both 404, for everyone."""
    return per_object(members(code), **dict.fromkeys(MEMBERS, (code, 404, 404)))


def in_class_as(code: int) -> dict:
    """learner_a and learner_b are in the "own" class only."""
    return dict.fromkeys(("learner_a", "learner_b"), (code, 404, 404))


IN_CLASS = {**in_class_as(200), "teacher": (200, 404, 404)}


def taught_as(code: int) -> dict:
    """The teacher teaches the "own" class; the admin sees both."""
    return {"teacher": (code, 404, 404), "admin": (code, code, 404)}


MATRIX: dict[tuple[str, str], dict] = {
    ("static", "GET"): per_object(everyone(200), **dict.fromkeys(ACTORS, (200, 200, 404))),
    ("favicon", "GET"): everyone(200),
    ("ops.healthz", "GET"): everyone(200),
    ("ops.readyz", "GET"): everyone(200),
    ("home.index", "GET"): everyone(200),
    ("banks.index", "GET"): everyone(200),
    ("banks.show", "GET"): per_object(everyone(200), **dict.fromkeys(ACTORS, (200, 200, 404))),
    ("banks.search", "GET"): everyone(200),  # like the banks it searches: public
    ("media.file", "GET"): per_object(everyone(200), **dict.fromkeys(ACTORS, (200, 200, 404))),  # banks' pictures
    ("auth.register", "GET"): visitors_only(200),
    ("auth.register", "POST"): visitors_only(422),
    ("auth.login", "GET"): visitors_only(200),
    ("auth.login", "POST"): visitors_only(422),
    ("auth.logout", "POST"): members(302),
    ("auth.account", "GET"): members(200),
    ("auth.change_password", "GET"): members(200),
    ("auth.change_password", "POST"): members(422),
    ("auth.delete_account", "GET"): members(200),
    ("auth.delete_account", "POST"): members(422),
    # Someone else's export and one that does not exist look the same.
    # Password help: this app sends no email, so asking for a link by email is not offered; a reset link's
    # token that is not a valid one (here, every one) gets the same 404 for everyone.
    ("auth.forgot_password", "GET"): everyone(404),
    ("auth.forgot_password", "POST"): everyone(404),
    ("auth.reset_password", "GET"): per_object(everyone(404)),
    ("auth.reset_password", "POST"): per_object(everyone(404)),
    ("auth.export", "GET"): per_object(members(200), **dict.fromkeys(MEMBERS, (200, 404, 404))),
    ("teach.index", "GET"): staff(200),
    ("teach.banks", "GET"): staff(200),
    # Item analysis of a bank: any staff member, over every learner (a class is checked on its own).
    ("teach.bank_analysis", "GET"): per_object(staff(200), teacher=(200, 200, 404), admin=(200, 200, 404)),
    ("teach.bank_analysis_csv", "GET"): per_object(staff(200), teacher=(200, 200, 404), admin=(200, 200, 404)),
    # A class's pages: its teachers and admins; another teacher's class looks missing.
    ("teach.assignment_analysis", "GET"): per_object(staff(200), **taught_as(200)),
    ("teach.assignment_analysis_csv", "GET"): per_object(staff(200), **taught_as(200)),
    ("teach.forgotten", "GET"): per_object(staff(200), **taught_as(200)),
    ("teach.upload", "POST"): staff(422),
    ("teach.export", "GET"): per_object(staff(200), teacher=(200, 200, 404), admin=(200, 200, 404)),
    # An upload waiting to be published, and a background job, are their owner's only. The rows run in this
    # order: the preview, publishing it (which forgets it), then discarding it, which finds nothing left.
    ("teach.staged", "GET"): per_object(staff(200), teacher=(200, 404, 404), admin=(200, 404, 404)),
    ("teach.publish", "POST"): per_object(staff(200), teacher=(200, 404, 404), admin=(200, 404, 404)),
    ("teach.discard", "POST"): per_object(staff(404)),
    ("teach.job", "GET"): per_object(staff(200), teacher=(200, 404, 404), admin=(200, 404, 404)),
    ("teach.job_status", "GET"): per_object(staff(200), teacher=(200, 404, 404), admin=(200, 404, 404)),
    ("admin.users", "GET"): admins(200),
    ("admin.user", "GET"): per_object(admins(200), admin=(200, 200, 404)),
    ("admin.set_role", "POST"): per_object(admins(422), admin=(422, 422, 404)),  # an empty form is invalid
    ("admin.disable", "POST"): per_object(admins(303), admin=(422, 303, 404)),  # never oneself
    ("admin.enable", "POST"): per_object(admins(303), admin=(303, 303, 404)),
    ("admin.audit", "GET"): admins(200),
    ("admin.reset_link", "POST"): per_object(admins(200), admin=(200, 200, 404)),
    # Flashcards: every member studies their own decks; someone else's deck and a missing one look the same.
    ("cards.decks", "GET"): members(200),
    ("cards.new_deck", "GET"): members(200),
    ("cards.new_deck", "POST"): members(422),  # an empty form names no bank
    ("cards.deck", "GET"): per_object(members(200), **dict.fromkeys(MEMBERS, (200, 404, 404))),
    ("cards.deck_for_anki", "GET"): per_object(members(200), **dict.fromkeys(MEMBERS, (200, 404, 404))),
    ("cards.study", "GET"): per_object(members(200), **dict.fromkeys(MEMBERS, (200, 404, 404))),
    ("cards.answer", "GET"): per_object(members(302), **dict.fromkeys(MEMBERS, (302, 404, 404))),  # no card: back
    ("cards.grade", "POST"): per_object(members(400), **dict.fromkeys(MEMBERS, (400, 404, 404))),  # no grade sent
    ("cards.undo", "POST"): per_object(members(400), **dict.fromkeys(MEMBERS, (400, 404, 404))),
    ("cards.delete_deck", "POST"): per_object(members(303), **dict.fromkeys(MEMBERS, (303, 404, 404))),
    ("cards.settings", "GET"): members(200),
    ("cards.settings", "POST"): members(422),
    ("cards.optimise", "POST"): members(303),  # too few reviews: back to the settings with a message
    ("cards.export_reviews", "GET"): members(200),
    ("cards.retention_help", "GET"): members(200),
    ("cards.choose_retention", "POST"): members(422),  # an empty form chooses no retention
    # Quizzes. The rows run in this order on each actor's exam attempt: resume, answer, submit, results, retry.
    ("quiz.index", "GET"): members(200),
    ("quiz.start", "POST"): members(400),  # an empty form names no quiz
    ("quiz.build", "GET"): members(200),
    ("quiz.build", "POST"): members(422),  # an empty form chooses no bank
    ("quiz.mistakes", "POST"): members(303),  # nothing to practise yet: back to the list
    ("quiz.resume", "GET"): owners(302),
    ("quiz.question", "GET"): owners(200),
    ("quiz.answer", "POST"): owners(303),  # an empty answer is saved as none, then the next question
    ("quiz.summary", "GET"): owners(200),
    ("quiz.finish", "POST"): owners(303),
    ("quiz.results", "GET"): owners(200),
    ("quiz.retry", "POST"): owners(303),  # the exam was left blank: a practice quiz of all its questions
    ("quiz.history", "GET"): members(200),
    ("stats.index", "GET"): members(200),  # every member's own statistics
    # After the rows above, on each actor's exam attempt, now finished: no confirmation to ask (back to its
    # results), and a finished attempt is never discarded; starting its quiz afresh starts a new attempt.
    ("quiz.discard", "GET"): owners(302),
    ("quiz.discard", "POST"): owners(303),  # refused with a message, back to its results
    ("quiz.start_again", "GET"): owners(302),
    ("quiz.start_again", "POST"): owners(303),
    # Classes. "own" is the teacher's class, which learner_a and learner_b are in; "other" the admin's class,
    # which only learner_c is in; an admin sees every class. Teachers' pages refuse learners by role (403), and
    # answer 404 for a class one does not teach, so class ids reveal nothing. Learners' pages answer 404 for a
    # class one is not in.
    ("classes.index", "GET"): members(200),
    ("classes.new", "GET"): staff(200),
    ("classes.new", "POST"): staff(422),  # an empty form has no name
    ("classes.join", "GET"): members(200),
    ("classes.join", "POST"): members(422),  # an empty form has no code
    ("classes.join_link", "GET"): per_object(members(200), **dict.fromkeys(MEMBERS, (200, 200, 404))),
    ("classes.show", "GET"): per_object(members(200), **IN_CLASS, admin=(200, 200, 404)),
    ("classes.code", "POST"): per_object(staff(400), **taught_as(400)),  # an empty form says nothing to do
    ("classes.add_teacher", "POST"): per_object(staff(303), **taught_as(303)),  # empty: back with a message
    ("classes.new_assignment", "GET"): per_object(staff(200), **taught_as(200)),
    ("classes.new_assignment", "POST"): per_object(staff(422), **taught_as(422)),
    ("classes.assignment", "GET"): per_object(members(200), **IN_CLASS, admin=(200, 200, 404)),
    # Only learners in the class start its work (to their attempt); teachers and admins are not learners in it.
    ("classes.start", "POST"): per_object(members(303), **in_class_as(303), teacher=(404,) * 3, admin=(404,) * 3),
    ("classes.extend", "POST"): per_object(staff(422), **taught_as(422)),  # an empty form names no learner
    ("classes.results", "GET"): per_object(staff(200), **taught_as(200)),
    ("classes.export", "GET"): per_object(staff(200), **taught_as(200)),
    ("classes.learner", "GET"): per_object(staff(200), **taught_as(200)),  # learner_a, or learner_c for "other"
    ("classes.review", "GET"): per_object(staff(200), **taught_as(200)),  # learner_a's attempt, or learner_c's
    # Last: the teacher removes learner_a (the admin learner_c from the admin's class); a teacher cannot leave.
    ("classes.remove", "POST"): per_object(staff(303), teacher=(303, 404, 404), admin=(404, 303, 404)),
    ("classes.leave", "POST"): per_object(
        members(303), learner_a=(404, 404, 404), learner_b=(303, 404, 404), teacher=(404,) * 3, admin=(404,) * 3
    ),
    # Changing and deleting a class or an assignment: its teachers and admins only; a bare POST (an empty form:
    # no dates, no name typed, no confirmation) changes and deletes nothing.
    ("classes.edit_class", "GET"): per_object(staff(200), **taught_as(200)),
    ("classes.edit_class", "POST"): per_object(staff(422), **taught_as(422)),
    ("classes.delete_class", "GET"): per_object(staff(200), **taught_as(200)),
    ("classes.delete_class", "POST"): per_object(staff(422), **taught_as(422)),
    ("classes.edit_assignment", "GET"): per_object(staff(200), **taught_as(200)),
    ("classes.edit_assignment", "POST"): per_object(staff(422), **taught_as(422)),
    ("classes.delete_assignment", "GET"): per_object(staff(200), **taught_as(200)),
    ("classes.delete_assignment", "POST"): per_object(staff(422), **taught_as(422)),
}

# URL arguments for each kind of object. ``user_id`` "other" is a user who is none of the actors.
ARGUMENTS = {
    "slug": {"own": "demo", "other": "demo", "missing": "no-such-bank"},
    "filename": {"own": "style.css", "other": "style.css", "missing": "no-such-file.css"},
    "position": {"own": 1, "other": 1, "missing": 1},
    "token": {"own": "not-a-token", "other": "x" * 43, "missing": "x" * 200},
    "code": {"own": "class:own:code", "other": "class:other:code", "missing": "ZZZZZZZZ"},
    "name": {"own": f"{PICTURE}.png", "other": f"{PICTURE}.png", "missing": f"{'0' * 64}.png"},
    "format_name": {"own": "apkg", "other": "moodle-xml", "missing": "gift"},
}
MISSING_TOKEN = "x" * 32  # well formed, names no upload


def make_uploads(app: Flask, logins: tuple[str, ...]) -> dict[str, int | str]:
    """For each of ``logins``, an upload waiting to be published (a bank of their own) and a finished job,
    as ``{"staged:<login>": token, "job:<login>": id}``."""
    from quizapp.domain.jobs import JobKind
    from quizapp.models import utcnow
    from quizapp.operations.imports import stage_import
    from quizapp.operations.jobs import create_job, finish_job

    found: dict[str, int | str] = {}
    with app.app_context():
        for login in logins:
            user = db.session.scalars(select(User).where(User.username == login)).one()
            source = bank_yaml(f"mine-{login.replace('_', '-')}").encode()
            found[f"staged:{login}"] = stage_import(db.session, user, "mine.yaml", source, utcnow()).token
            job = create_job(db.session, JobKind.STAGE_IMPORT, user, {"filename": "mine.yaml"}, 2, utcnow())
            finish_job(db.session, job, {"filename": "mine.yaml"}, utcnow())
            found[f"job:{login}"] = job.id
        db.session.commit()
    return found


def make_attempts(app: Flask, logins: tuple[str, ...]) -> dict[str, int]:
    """An exam attempt on the demo bank for each of ``logins``, as ``{"attempt:<login>": id}``."""
    from quizapp.models import utcnow
    from quizapp.operations.quizzes import CustomQuiz, start_attempt

    found = {}
    with app.app_context():
        for login in logins:
            user = db.session.scalars(select(User).where(User.username == login)).one()
            attempt = start_attempt(db.session, user, CustomQuiz(["demo"], mode="exam"), utcnow())
            found[f"attempt:{login}"] = attempt.id
        db.session.commit()
    return found


def make_classes(app: Flask) -> dict:
    """The teacher's class ("own": learner_a, learner_b and learner_c in it) and the admin's ("other": learner_c),
    each with an assignment that learner_a (in the own class) and learner_c (in the other) have done."""
    import datetime as dt

    from quizapp.models import utcnow
    from quizapp.operations import classes as ops
    from quizapp.operations.quizzes import finish_attempt

    now = utcnow()
    found = {}
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        for which, owner, learners, taker in (
            ("own", "teacher", ("learner_a", "learner_b", "learner_c"), "learner_a"),
            ("other", "admin", ("learner_c",), "learner_c"),
        ):
            klass = ops.create_class(db.session, users[owner], f"Class {which}", None, "UTC", now)
            for login in learners:
                ops.join_class(db.session, users[login], klass.join_code, now)
            given = ops.AssignmentInput(
                "Work", now - dt.timedelta(hours=1), now + dt.timedelta(days=1), None, banks=("demo",), count=2
            )
            assignment = ops.create_assignment(db.session, users[owner], klass, given, now)
            attempt = ops.start_assignment(db.session, users[taker], assignment, now)
            finish_attempt(db.session, attempt, now)
            found |= {
                f"class:{which}": klass.id,
                f"class:{which}:code": klass.join_code,
                f"assignment:{which}": assignment.id,
                f"class-attempt:{which}": attempt.id,
                f"class-learner:{which}": users[taker].id,
            }
        db.session.commit()
    return found


def routes(app: Flask) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(endpoint, method, argument names) for every route, HEAD and OPTIONS aside."""
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, tuple(sorted(rule.arguments))


def matrix_gaps(app: Flask) -> list[str]:
    """Routes without a row in the matrix, and rows without a route."""
    present = {(endpoint, method) for endpoint, method, _ in routes(app)}
    missing = [f"{e} {m}: not in the access matrix" for e, m in sorted(present - MATRIX.keys())]
    stale = [f"{e} {m}: in the matrix but no such route" for e, m in sorted(MATRIX.keys() - present)]
    return missing + stale


@pytest.fixture
def matrix_app(tmp_path: Path) -> Iterator[Flask]:
    """The app with CSRF off (tested on its own in test_csrf.py), a bank, and one user per actor plus one more."""
    app = make_app(f"sqlite:///{tmp_path / 'matrix.sqlite'}", tmp_path, WTF_CSRF_ENABLED=False)
    from quizapp.domain.banks import parse_bank
    from quizapp.extensions import passwords
    from quizapp.models import utcnow
    from quizapp.operations import create_user, import_bank
    from quizapp.operations.cards import create_deck

    with app.app_context():
        source = bank_yaml().encode()
        import_bank(db.session, parse_bank(source, "demo.yaml"), source, "demo.yaml", utcnow())
        db.session.add(MediaFile(sha256=PICTURE, mime="image/png", width=1, height=1, size=1, data=b"x"))
        for login, role in (
            ("learner_a", "learner"),
            ("learner_b", "learner"),
            ("teacher", "teacher"),
            ("admin", "admin"),
            ("learner_c", "learner"),
        ):
            user = create_user(db.session, login, PASSWORD, role, passwords=passwords(), now=utcnow())
            create_deck(db.session, user, db.session.scalar(select(Bank.id)), [], utcnow())
        db.session.commit()
    app.config["ATTEMPTS"] = make_attempts(app, (*MEMBERS, "learner_c"))
    app.config["CLASSES"] = make_classes(app)
    app.config["UPLOADS"] = make_uploads(app, ("teacher", "admin", "learner_c"))
    yield app
    with app.app_context():
        db.engine.dispose()


class Visitors:
    """A logged-in test client per actor, logged in again whenever a request ended its session."""

    def __init__(self, app: Flask):
        self.app = app
        with app.app_context():
            self.ids = {u.username: u.id for u in db.session.scalars(select(User))}
            self.ids["decks"] = {u.username: d.id for d, u in db.session.execute(select(Deck, User).join(User))}
        self.ids |= app.config.get("ATTEMPTS", {})
        self.ids |= app.config.get("CLASSES", {})
        self.ids |= app.config.get("ATTEMPTS", {}) | app.config.get("UPLOADS", {})
        self.cookies: dict[str, str] = {}

    def client(self, actor: str):
        client = self.app.test_client()
        if actor == "anonymous":
            return client
        if actor not in self.cookies:
            assert log_in(client, actor).status_code == 302
            self.cookies[actor] = client.get_cookie("session").value
        client.set_cookie("session", self.cookies[actor])
        return client

    def forget(self, actor: str) -> None:
        self.cookies.pop(actor, None)


CLASS_ARGUMENTS = {
    "class_id": "class",
    "assignment_id": "assignment",
    "attempt_id": "class-attempt",
    "user_id": "class-learner",
}


def url_for_object(app: Flask, endpoint: str, arguments: tuple[str, ...], obj: str, actor: str, ids: dict) -> str:
    values = {}
    for name in arguments:
        if "class_id" in arguments and name in CLASS_ARGUMENTS:  # a class's own learner, work and attempts
            kind = CLASS_ARGUMENTS[name]
            values[name] = ids.get(f"{kind}:{obj}", 999_999) if obj != "missing" else 999_999
        elif name == "code":
            values[name] = ids.get(ARGUMENTS[name][obj], ARGUMENTS[name][obj])
        elif name == "user_id":
            own = ids.get(actor, ids["learner_a"])
            values[name] = {"own": own, "other": ids["learner_c"], "missing": 999_999}[obj]
        elif name == "deck_id":  # each user has one deck; "other" is learner_c's
            decks = ids.get("decks", {})
            own, other = decks.get(actor, 999_998), decks.get("learner_c", 999_998)
            values[name] = {"own": own, "other": other, "missing": 999_999}[obj]
        elif name == "assignment_id":  # "own": in the teacher's class; "other": in the admin's
            values[name] = ids.get(f"assignment:{obj}", 999_999) if obj != "missing" else 999_999
        elif name in ("token", "job_id"):  # staff's own; "other" is learner_c's
            kind, missing = ("staged", MISSING_TOKEN) if name == "token" else ("job", 999_999)
            own = ids.get(f"{kind}:{actor}", missing)
            values[name] = {"own": own, "other": ids.get(f"{kind}:learner_c", missing), "missing": missing}[obj]
        elif name == "attempt_id":
            own = ids.get(f"attempt:{actor}", ids.get("attempt:learner_a", 999_999))
            values[name] = {"own": own, "other": ids.get("attempt:learner_c", 999_999), "missing": 999_999}[obj]
        else:
            values[name] = ARGUMENTS[name][obj]
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def outcome(response) -> int | str:
    if response.status_code == 302 and response.headers["Location"].startswith("/login"):
        return LOGIN
    return response.status_code


def test_every_route_is_in_the_matrix(matrix_app):
    assert matrix_gaps(matrix_app) == []


def test_a_new_route_missing_from_the_matrix_is_reported(matrix_app):
    matrix_app.add_url_rule("/reports/<int:report_id>", "reports.show", lambda report_id: "")
    assert matrix_gaps(matrix_app) == ["reports.show GET: not in the access matrix"]


def test_access_matrix(matrix_app):
    visitors = Visitors(matrix_app)
    wrong = []
    checked = 0
    for endpoint, method, arguments in routes(matrix_app):
        expected_row = MATRIX[(endpoint, method)]
        for actor in ACTORS:
            expected = expected_row[actor]
            objects = OBJECTS if arguments else (None,)
            for i, obj in enumerate(objects):
                want = expected[i] if obj is not None else expected
                url = url_for_object(matrix_app, endpoint, arguments, obj or "own", actor, visitors.ids)
                client = visitors.client(actor)
                response = client.open(url, method=method, data={} if method == "POST" else None)
                got = outcome(response)
                response.close()
                checked += 1
                if got != want:
                    wrong.append(f"{method} {url} as {actor} ({obj or '-'}): expected {want}, got {got}")
                if endpoint == "auth.logout":
                    visitors.forget(actor)
    assert not wrong, "\n".join(wrong)
    assert checked > 150
    with matrix_app.app_context():  # nothing in the matrix changed anyone's role or left them disabled
        users = {u.username: u for u in db.session.scalars(select(User))}
        assert users["admin"].role == "admin" and users["admin"].disabled_at is None
        assert users["learner_c"].role == "learner" and users["learner_c"].disabled_at is None
