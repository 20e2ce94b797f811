"""The results summary behind the grid (``assignment_results``) and the paged grid.

- The summary is kept through every operation that changes an assigned attempt (start, answer, finish, time
  running out, a practice quiz's last answer, discard), always equal to what the attempts come to, and goes
  with its assignment or learner.
- Built from the summary, the grid is exactly the grid worked out from every attempt as the app did before
  (the algorithm kept here as the reference), on varied classes: late work, extensions, excused learners,
  attempts in progress and discarded, several attempts under each way of counting, ties, learners who left —
  for every sort column and order, page after page, with the class row and the means over the whole class.
- Extensions and changed terms show at once, with nothing in the summary to update.
- A worker that kept the grid reads again, after a change, only the results of the assignment that changed.
- Bad ``page`` values are 4xx with a message; the migration and ``flask classes rebuild-results`` fill the
  table from the attempts already there, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, event, insert, select, update

from quizapp.classes import grid
from quizapp.domain.assignments import (
    Grant,
    Standing,
    summarise,
    totals,
)
from quizapp.extensions import db
from quizapp.models import (
    Assignment,
    AssignmentResult,
    Attempt,
    Class,
    ClassMember,
    Extension,
    Question,
    QuestionRevision,
    User,
    utcnow,
)
from quizapp.operations import classes as ops
from quizapp.operations.quizzes import TimeUp, discard_attempt, finish_attempt, save_answer
from quizapp.operations.results import rebuild_results
from quizapp.queries import classes as queries

from .conftest import ROOT
from .domain.test_assignment_facts import reference  # each cell as it was worked out before the summary
from .test_classes import HOUR, RIGHT, WRONG, assign, client_for, make_school, take

MIGRATIONS = str(ROOT / "migrations")
FACT_COLUMNS = [c for c in AssignmentResult.__table__.columns if c.name not in ("assignment_id", "user_id", "stamp")]


@pytest.fixture
def school(app):
    return make_school(app)


# --- the reference: the grid as it was worked out from every attempt -------------------------------------------


def reference_grid(session, class_id: int, sort: str, descending: bool):
    """(learner ids in order, {learner: (cells, totals)}, column totals), from every attempt and extension."""
    work = queries.assignments_of(session, class_id)
    learners = [m for m in queries.members(session, class_id) if m.role == "learner"]
    ids = [a.id for a in work]
    taken = queries._taken(session, Attempt.assignment_id.in_(ids)) if ids else {}
    grants = queries._grants(session, Extension.assignment_id.in_(ids)) if ids else {}
    terms = [queries.terms_of(a) for a in work]
    rows = {}
    for m in learners:
        cells = tuple(
            reference(t, grants.get((m.user_id, a.id)), taken.get((m.user_id, a.id), ()))
            for a, t in zip(work, terms, strict=True)
        )
        rows[m.user_id] = (cells, totals(c.percent for c in cells if c.standing != Standing.EXCUSED))
    column_totals = [
        totals(cells[i].percent for cells, _t in rows.values() if cells[i].standing != Standing.EXCUSED)
        for i in range(len(work))
    ]
    by_name = sorted(learners, key=lambda m: (m.login.casefold(), m.user_id), reverse=descending)
    if sort == "learner":
        order = by_name
    else:
        index = None if sort == "mean" else [f"a{a.id}" for a in work].index(sort)

        def value(m):
            cells, row_totals = rows[m.user_id]
            return row_totals.mean if index is None else cells[index].percent

        scored = [m for m in by_name if value(m) is not None]
        order = sorted(scored, key=value, reverse=descending) + [m for m in by_name if value(m) is None]
    return [m.user_id for m in order], rows, column_totals


def assert_same_grid(app, class_id: int, per_page: int = 50) -> int:
    """The summary's grid, page after page, is the reference grid for every sort column and order; returns the
    number of pages compared."""
    compared = 0
    with app.app_context():
        work = queries.assignments_of(db.session, class_id)
        for sort in queries.sort_keys(work):
            for descending in (False, True):
                order, rows, column_totals = reference_grid(db.session, class_id, sort, descending)
                seen = []
                for page in range(1, max(1, math.ceil(len(order) / per_page)) + 1):
                    found = queries.grid(db.session, class_id, sort, descending, work, page, per_page)
                    assert found.column_totals == column_totals, (sort, descending)
                    assert found.page.total == len(order)
                    for r in found.rows:
                        assert (r.cells, r.totals) == rows[r.learner.user_id], (sort, descending, r.learner)
                    seen += [r.learner.user_id for r in found.rows]
                    compared += 1
                assert seen == order, (sort, descending)
                whole = queries.grid(db.session, class_id, sort, descending, work, per_page=None)
                assert [r.learner.user_id for r in whole.rows] == order
        db.session.rollback()
    return compared


# --- the summary is kept --------------------------------------------------------------------------------------


def kept_rows(session) -> dict[tuple[int, int], tuple]:
    return {
        (r.assignment_id, r.user_id): tuple(getattr(r, c.name) for c in FACT_COLUMNS)
        for r in session.execute(select(AssignmentResult.__table__))
    }


def from_attempts(session) -> dict[tuple[int, int], tuple]:
    taken = queries._taken(session, Attempt.assignment_id.is_not(None))
    return {(a, u): tuple(summarise(t)) for (u, a), t in taken.items()}


def assert_kept(app) -> dict[tuple[int, int], tuple]:
    """The summary is what the attempts come to, and rebuilding it changes nothing."""
    with app.app_context():
        kept = kept_rows(db.session)
        assert kept == from_attempts(db.session)
        rebuild_results(db.session)
        assert kept_rows(db.session) == kept
        db.session.rollback()
        return kept


def key_at(attempt_id: int, position: int) -> str:
    revision_id = db.session.get(Attempt, attempt_id).question_revision_ids[position - 1]
    return db.session.execute(
        select(Question.key).join(QuestionRevision).where(QuestionRevision.id == revision_id)
    ).scalar_one()


def start(app, user_id: int, assignment_id: int, now: dt.datetime):
    with app.app_context():
        attempt = ops.start_assignment(
            db.session, db.session.get(User, user_id), db.session.get(Assignment, assignment_id), now
        )
        db.session.commit()
        return attempt.id


def test_every_change_to_an_assigned_attempt_keeps_the_summary(app, school):
    now = utcnow()
    exam = assign(app, school, title="Exam", attempts_allowed=None, counting="average")
    amy, ben = school["amy"], school["ben"]
    assert assert_kept(app) == {}

    first = start(app, amy, exam, now)  # started: in progress
    kept = assert_kept(app)
    assert kept[(exam, amy)][:4] == (1, True, 0, None)

    with app.app_context():  # an answer saved changes nothing the grid shows
        save_answer(db.session, amy, first, 1, RIGHT[key_at(first, 1)], now)
        db.session.commit()
    assert assert_kept(app) == kept

    with app.app_context():  # finished: graded, with its end and score
        finish_attempt(db.session, db.session.get(Attempt, first), now + HOUR)
        db.session.commit()
    kept = assert_kept(app)
    assert kept[(exam, amy)][:4] == (1, False, 1, now + HOUR)
    assert kept[(exam, amy)][4:] == (50.0, first, 50.0, first, 50.0, first, 50.0)

    second = start(app, amy, exam, now + 2 * HOUR)  # a second attempt, then discarded
    assert assert_kept(app)[(exam, amy)][:3] == (2, True, 1)
    with app.app_context():
        discard_attempt(db.session, amy, second, now + 3 * HOUR)
        db.session.commit()
    assert assert_kept(app)[(exam, amy)][:3] == (2, False, 1)

    third = take(app, amy, exam, RIGHT, now + 4 * HOUR)  # a third, all right: the average is over two graded
    row = assert_kept(app)[(exam, amy)]
    assert row == (3, False, 2, now + HOUR, 100.0, third, 50.0, first, 100.0, third, 75.0)

    # Time runs out on Ben's timed attempt: answering late closes it (expired), and so does starting again.
    timed = assign(app, school, title="Timed", attempts_allowed=None)
    with app.app_context():
        db.session.execute(update(Assignment).where(Assignment.id == timed).values(source="custom", mode="exam"))
        db.session.execute(
            update(Assignment)
            .where(Assignment.id == timed)
            .values(quiz={"banks": ["demo"], "tags": [], "count": 2}, time_limit_minutes=5)
        )
        db.session.commit()
    late = start(app, ben, timed, now)
    with app.app_context():  # refused, the attempt closed: the view commits that
        with pytest.raises(TimeUp):
            save_answer(db.session, ben, late, 1, RIGHT[key_at(late, 1)], now + HOUR)
        db.session.commit()
        assert db.session.get(Attempt, late).status == "expired"
    assert assert_kept(app)[(timed, ben)][:3] == (1, False, 1)
    start(app, ben, timed, now + 2 * HOUR)
    with app.app_context():
        left_open = db.session.scalar(select(Attempt.id).where(Attempt.user_id == ben, Attempt.status == "in_progress"))
    start(app, ben, timed, now + 3 * HOUR)  # the one left open ran out of time: closed, and a new one started
    with app.app_context():
        assert db.session.get(Attempt, left_open).status == "expired"
    assert assert_kept(app)[(timed, ben)][:3] == (3, True, 2)

    # A practice quiz closes by itself with its last answer.
    practice = assign(app, school, title="Practice", quiz="practice")
    attempt = start(app, ben, practice, now)
    with app.app_context():
        for position in range(1, db.session.get(Attempt, attempt).question_count + 1):
            save_answer(db.session, ben, attempt, position, RIGHT[key_at(attempt, position)], now)
        db.session.commit()
        assert db.session.get(Attempt, attempt).status == "finished"
    assert assert_kept(app)[(practice, ben)][:3] == (1, False, 1)
    assert_same_grid(app, school["class"])


def test_the_summary_goes_with_its_assignment_and_its_learner(app, school):
    one, two = assign(app, school, title="One"), assign(app, school, title="Two")
    for assignment_id in (one, two):
        take(app, school["amy"], assignment_id, RIGHT)
        take(app, school["ben"], assignment_id, WRONG)
    assert len(assert_kept(app)) == 4
    with app.app_context():
        db.session.delete(db.session.get(Assignment, one))
        db.session.commit()
    assert set(assert_kept(app)) == {(two, school["amy"]), (two, school["ben"])}
    with app.app_context():
        db.session.execute(delete(User).where(User.id == school["ben"]))
        db.session.commit()
    assert set(assert_kept(app)) == {(two, school["amy"])}


def grant(app, school, assignment_id: int, user_id: int, given: Grant) -> None:
    with app.app_context():
        ops.grant_extension(
            db.session,
            db.session.get(User, school["tess"]),
            db.session.get(Class, school["class"]),
            db.session.get(Assignment, assignment_id),
            user_id,
            given,
            utcnow(),
        )
        db.session.commit()


def cells_of(app, school, sort: str = "learner") -> dict[str, tuple[str, str]]:
    """Each learner's first cell on the page: (standing, score text)."""
    page = client_for(app, "tess").get(f"/classes/{school['class']}/results?sort={sort}").text
    found = re.findall(
        r'<a href="[^"]*/learners/\d+">([^<]+)</a>.*?<td><span class="standing standing-(\w+)">', page, re.S
    )
    return dict(found)


def test_extensions_and_terms_show_at_once_with_nothing_to_update(app, school):
    now = utcnow()
    work = assign(app, school, opens_at=now - 5 * HOUR, due_at=now - 2 * HOUR, late_accepted=True, attempts_allowed=3)
    take(app, school["amy"], work, WRONG, now - HOUR)  # late
    take(app, school["amy"], work, RIGHT, now - HOUR / 2)
    take(app, school["ben"], work, RIGHT, now - 3 * HOUR)  # on time
    kept = assert_kept(app)
    assert cells_of(app, school) == {"amy": "late", "ben": "submitted"}

    grant(app, school, work, school["amy"], Grant(due_at=now))  # a later due date: on time after all
    assert cells_of(app, school) == {"amy": "submitted", "ben": "submitted"}
    grant(app, school, work, school["ben"], Grant(excused=True))  # excused: out of every mean
    assert cells_of(app, school) == {"amy": "submitted", "ben": "excused"}
    page = client_for(app, "tess").get(f"/classes/{school['class']}/results").text
    assert "n = 1" in page
    assert assert_kept(app) == kept  # extensions are applied when the grid is read

    with app.app_context():  # the way of counting changed: the grid counts the other way at once
        assignment = db.session.get(Assignment, work)
        for counting, score in (("first", "0%"), ("highest", "100%"), ("average", "50%"), ("last", "100%")):
            assignment.counting = counting
            db.session.commit()
            grid = queries.grid(db.session, school["class"])
            assert grid.rows[0].cells[0].percent_text == score, counting
    assert assert_kept(app) == kept
    assert_same_grid(app, school["class"])


# --- the grid from the summary is the grid from the attempts -------------------------------------------------


def varied_class(app, school, learners: int, seed: int) -> list[int]:
    """``learners`` more learners in tess's class (some left or removed), four assignments (one per way of
    counting, some past due and accepting late work) and, for each learner and assignment, anything from no
    attempt to four — in progress, discarded, finished or expired, at tied times and scores, now and then
    with no score — written straight into the tables, with extensions and excused learners; then the summary
    rebuilt from them."""
    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    work = []
    for counting in ("highest", "first", "last", "average"):
        due = now + rng.choice((-2, 1)) * 24 * HOUR
        work.append(
            assign(
                app,
                school,
                title=f"By {counting}",
                counting=counting,
                opens_at=due - 72 * HOUR,
                due_at=due,
                late_accepted=rng.random() < 0.7,
                attempts_allowed=None,
            )
        )
    with app.app_context():
        hashed = db.session.scalar(select(User.password_hash).where(User.id == school["amy"]))
        names = [f"{rng.choice(['Zoe', 'adam', 'Bea', 'bea', 'Cy'])}{n:03d}" for n in range(learners)]
        ids = list(
            db.session.scalars(
                insert(User).returning(User.id, sort_by_parameter_order=True),
                [{"username": name.lower(), "password_hash": hashed, "role": "learner"} for name in names],
            )
        )
        members = []
        for user_id in ids:
            gone = rng.random() < 0.1
            by = rng.choice((user_id, school["tess"])) if gone else None
            members.append(
                {"class_id": school["class"], "user_id": user_id, "role": "learner", "joined_at": now}
                | {"removed_at": now if gone else None, "removed_by_id": by}
            )
        db.session.execute(insert(ClassMember), members)
        attempts, extensions = [], []
        dues = {a.id: a.due_at for a in db.session.scalars(select(Assignment).where(Assignment.id.in_(work)))}
        for user_id in [*ids, school["amy"], school["ben"]]:
            for assignment_id in work:
                due = dues[assignment_id]
                for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 4))):
                    status = rng.choice(("finished", "finished", "finished", "expired", "in_progress", "discarded"))
                    started = (
                        due
                        + rng.choice((-30, -5, -1, 0, 1, 20)) * HOUR
                        + rng.choice((0, 0, 7, -2)) * dt.timedelta(minutes=1)
                    )
                    finished = started + rng.choice((1, 2, 40)) * dt.timedelta(minutes=1)
                    percent = rng.choice((0.0, 33.3, 50.0, 50.0, 66.7, 100.0))
                    if status == "finished" and rng.random() < 0.03:
                        percent = None
                    if status == "finished" and rng.random() < 0.03:
                        finished = None
                    attempts.append(
                        {
                            "user_id": user_id,
                            "source": "bank_quiz",
                            "title": "Demo exam",
                            "criteria": {"banks": {"demo": 1}},
                            "mode": "exam",
                            "seed": 1,
                            "question_revision_ids": [],
                            "question_count": 2,
                            "status": status,
                            "started_at": started,
                            "finished_at": None if status == "in_progress" else finished,
                            "score": 0.0,
                            "max_score": 2.0,
                            "percent": percent if status in ("finished", "expired") else None,
                            "assignment_id": assignment_id,
                        }
                    )
                if rng.random() < 0.15:
                    extensions.append(
                        {"assignment_id": assignment_id, "user_id": user_id, "granted_at": now}
                        | rng.choice(
                            (
                                {"excused": True, "due_at": None, "extra_minutes": 0, "extra_attempts": 0},
                                {"excused": False, "due_at": due + 3 * HOUR, "extra_minutes": 0, "extra_attempts": 0},
                                {"excused": False, "due_at": None, "extra_minutes": 10, "extra_attempts": 1},
                            )
                        )
                    )
        db.session.execute(insert(Attempt), attempts)
        if extensions:
            db.session.execute(insert(Extension), extensions)
        rebuild_results(db.session)
        db.session.commit()
    return work


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_grid_from_the_summary_is_the_grid_from_every_attempt(app, school, seed):
    varied_class(app, school, 110, seed)
    assert_kept(app)
    standings = set()
    with app.app_context():
        for r in queries.grid(db.session, school["class"], per_page=None).rows:
            standings |= {c.standing for c in r.cells}
    assert standings == set(Standing)  # the class has every kind of cell
    assert assert_same_grid(app, school["class"]) == 6 * 2 * 3  # six columns, two orders, three pages each


def test_the_grid_from_operations_is_the_grid_from_every_attempt(app, school):
    now = utcnow()
    work = [
        assign(app, school, title=counting, counting=counting, attempts_allowed=None, late_accepted=True)
        for counting in ("highest", "first", "last", "average")
    ]
    for k, assignment_id in enumerate(work):
        take(app, school["amy"], assignment_id, RIGHT, now + k * HOUR)
        take(app, school["amy"], assignment_id, WRONG, now + (k + 1) * HOUR)
        take(app, school["ben"], assignment_id, WRONG if k % 2 else RIGHT, now + 30 * HOUR)  # late
    start(app, school["ben"], work[0], now + 31 * HOUR)  # in progress, after a late one
    grant(app, school, work[1], school["ben"], Grant(due_at=now + 48 * HOUR))
    grant(app, school, work[2], school["amy"], Grant(excused=True))
    assert_kept(app)
    assert assert_same_grid(app, school["class"]) == 6 * 2


# --- pages ------------------------------------------------------------------------------------------------------


def test_the_grid_pages_by_50_sorted_across_the_whole_class(app, school):
    work = varied_class(app, school, 118, seed=9)  # 120 learners: pages of 50, 50 and 20
    tess = client_for(app, "tess")
    base = f"/classes/{school['class']}/results"
    pages = [tess.get(f"{base}?sort=a{work[0]}&order=desc&page={p}").text for p in (1, 2, 3)]
    assert [p.count('<tr><th scope="row"><a ') for p in pages] == [50, 50, 20]
    assert "this page shows learners 51–100 of 120" in pages[1]  # noqa: RUF001
    nav = re.search(r'<nav aria-label="Pages" class="pager">.*?</nav>', pages[1], re.S).group(0)
    assert f"sort=a{work[0]}" in nav and "order=desc" in nav and "page=1" in nav and "page=3" in nav
    assert "Previous learners" in nav and "Next learners" in nav and "Page 2 of 3" in nav
    with app.app_context():
        order, _rows, column_totals = reference_grid(db.session, school["class"], f"a{work[0]}", True)
        logins = dict(db.session.execute(select(User.id, User.username)).all())
    shown = [login for p in pages for login in re.findall(r'/learners/\d+">([^<]+)</a>', p)]
    assert shown == [logins[u] for u in order]  # the best scores of the whole class come first
    n = column_totals[0].count
    assert all(f"n = {n}" in p for p in pages) and n > 50  # the class row covers every learner on every page


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "", "1e3", "01", "9999999"])
def test_a_page_that_is_not_a_number_is_a_400_that_says_so(app, school, page):
    assign(app, school)
    response = client_for(app, "tess").get(f"/classes/{school['class']}/results?page={page}")
    assert response.status_code == 400
    assert "Unknown page" in response.text and "pages are numbered from 1" in response.text


def test_a_page_past_the_last_is_a_404_that_says_how_many_there_are(app, school):
    assign(app, school)
    tess = client_for(app, "tess")
    assert tess.get(f"/classes/{school['class']}/results?page=1").status_code == 200
    response = tess.get(f"/classes/{school['class']}/results?page=2")
    assert response.status_code == 404 and "There is no page 2 of this grid: it has 1 page." in response.text
    export = tess.get(f"/classes/{school['class']}/export?table=grid&page=2")
    assert export.status_code == 400 and "Unknown parameter “page”" in export.text


def test_the_grid_csv_reads_the_summary_for_the_whole_class(app, school):
    work = varied_class(app, school, 60, seed=4)
    text = client_for(app, "tess").get(f"/classes/{school['class']}/export?table=grid&sort=a{work[3]}&order=desc").text
    rows = text.splitlines()[1:]
    with app.app_context():
        order, _rows, _totals = reference_grid(db.session, school["class"], f"a{work[3]}", True)
    assert len(rows) == len(order) == 62


# --- filling the table from the attempts already there ---------------------------------------------------------


def test_flask_classes_rebuild_results(app, school, runner):
    work = assign(app, school)
    take(app, school["amy"], work, RIGHT)
    kept = assert_kept(app)
    with app.app_context():
        db.session.execute(delete(AssignmentResult))
        db.session.commit()
    result = runner.invoke(args=["classes", "rebuild-results", "--class", str(school["class"])])
    assert result.exit_code == 0, result.output
    assert "Results rebuilt of class" in result.output and ": 1 row." in result.output
    assert assert_kept(app) == kept
    result = runner.invoke(args=["classes", "rebuild-results"])
    assert result.exit_code == 0 and ": 1 row." in result.output
    assert runner.invoke(args=["classes", "rebuild-results", "--class", "0"]).exit_code == 2


def _backfilled_by_the_migration(app, school) -> None:
    varied_class(app, school, 30, seed=5)
    start(app, school["amy"], assign(app, school, title="Open"), utcnow())
    kept = assert_kept(app)
    assert len(kept) > 30
    with app.app_context():
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="8a1b2c3d4e52")
        upgrade(directory=MIGRATIONS)
        assert kept_rows(db.session) == kept
        db.session.rollback()
    assert assert_same_grid(app, school["class"], per_page=10) == 7 * 2 * 4  # 34 learners: four pages of 10


def test_the_migration_sums_up_the_attempts_already_there(app, school):
    _backfilled_by_the_migration(app, school)


@pytest.mark.postgres
def test_the_summary_migration_rebuild_and_grid_on_postgresql(pg_app):
    school = make_school(pg_app)
    _backfilled_by_the_migration(pg_app, school)
    work = assign(pg_app, school, title="Last", counting="last", attempts_allowed=None)
    take(pg_app, school["amy"], work, RIGHT)
    take(pg_app, school["amy"], work, WRONG)
    assert assert_kept(pg_app)[(work, school["amy"])][2] == 2
    page = client_for(pg_app, "tess").get(f"/classes/{school['class']}/results?sort=a{work}&order=desc").text
    assert page.index(">amy<") < page.index(">ben<") and "Page 1 of 1" not in page
    assert_same_grid(pg_app, school["class"])  # the columns kept, then one read again after each change
    grant(pg_app, school, work, school["ben"], Grant(due_at=utcnow() + 48 * HOUR, extra_attempts=1))
    assert_same_grid(pg_app, school["class"])
    take(pg_app, school["ben"], work, RIGHT)
    assert_same_grid(pg_app, school["class"])
    grant(pg_app, school, work, school["amy"], Grant(excused=True))
    assert_same_grid(pg_app, school["class"])


# --- a worker keeps a grid only while nothing it shows has changed -------------------------------------------------


def test_a_kept_grid_is_worked_out_again_after_every_change(app, school, make_user):
    """Each change below is followed by the page a worker keeps from before it: every grid must be the reference
    grid of the moment, never the kept one."""
    now = utcnow()
    first = assign(app, school, title="First", attempts_allowed=None)

    def same():
        for sort in ("learner", "mean", f"a{first}"):  # kept from the look before the change
            client_for(app, "tess").get(f"/classes/{school['class']}/results?sort={sort}")
        assert_same_grid(app, school["class"])

    same()
    attempt = start(app, school["amy"], first, now)  # started
    same()
    with app.app_context():
        finish_attempt(db.session, db.session.get(Attempt, attempt), now)  # finished
        db.session.commit()
    same()
    second = start(app, school["amy"], first, now + HOUR)
    same()
    with app.app_context():
        discard_attempt(db.session, school["amy"], second, now + HOUR)  # discarded
        db.session.commit()
    same()
    take(app, school["ben"], first, RIGHT, now)
    same()
    grant(app, school, first, school["ben"], Grant(extra_attempts=2))  # an extension
    same()
    grant(app, school, first, school["ben"], Grant(excused=True))  # replaced: now excused
    same()
    with app.app_context():  # the terms changed
        db.session.get(Assignment, first).counting = "first"
        db.session.commit()
    same()
    with app.app_context():  # renamed
        db.session.get(Assignment, first).title = "Renamed"
        db.session.commit()
    assert "Renamed" in client_for(app, "tess").get(f"/classes/{school['class']}/results").text
    assign(app, school, title="Second")  # a new assignment
    same()
    with app.app_context():  # a learner leaves; another joins; one changes their username
        ops.leave_class(db.session, db.session.get(User, school["amy"]), school["class"], now)
        cat = db.session.get(User, school["cat"])
        ops.join_class(db.session, cat, school["code"], now)
        db.session.get(User, school["ben"]).username = "benedict"
        db.session.commit()
    same()
    assert "benedict" in client_for(app, "tess").get(f"/classes/{school['class']}/results").text
    dan = make_user("dan")
    with app.app_context():
        ops.join_class(db.session, db.session.get(User, dan), school["code"], now)
        db.session.commit()
    take(app, dan, first, WRONG, now)
    same()
    with app.app_context():  # the summary rows rewritten behind the operations' back, then rebuilt
        db.session.execute(delete(AssignmentResult))
        rebuild_results(db.session)
        db.session.commit()
    same()


def test_an_extension_changed_without_a_new_grant_time_is_seen(app, school):
    """An extension's every value tells a kept grid it is out of date, not only when it was granted (another
    host's clock may lag)."""
    now = utcnow()
    work = assign(app, school, opens_at=now - 5 * HOUR, due_at=now - 2 * HOUR, late_accepted=True)
    take(app, school["amy"], work, RIGHT, now - HOUR)  # late
    grant(app, school, work, school["amy"], Grant(due_at=now))
    assert cells_of(app, school)["amy"] == "submitted"  # kept by the worker now
    with app.app_context():
        db.session.execute(update(Extension).values(due_at=now - 90 * dt.timedelta(minutes=1)))
        db.session.commit()
    assert cells_of(app, school)["amy"] == "late"
    with app.app_context():
        db.session.execute(update(Extension).values(excused=True))
        db.session.commit()
    assert cells_of(app, school)["amy"] == "excused"


def reread(app, school) -> tuple[set[int], int]:
    """The assignments whose results a worker that kept every grid from before reads again to show the grid
    (sorted by the learners' means), and the statements the grid ran."""
    found: list[int] = []
    statements = [0]

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements[0] += 1
        if "UNION ALL" in statement:  # the columns' statement: the ids of the assignments read again
            found.extend(parameters)

    with app.app_context():
        work = queries.assignments_of(db.session, school["class"])
        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            queries.grid(db.session, school["class"], "mean", True, work)
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        db.session.rollback()
    return set(found), statements[0]


def test_a_change_to_one_assignment_reads_again_only_its_column(app, school):
    """After each kind of change, a worker that kept every grid reads again the results of the assignment that
    changed and of no other (none at all when no assignment's results did), in one statement besides the
    learners', and every grid it shows is the reference grid."""
    work = varied_class(app, school, 40, 4)
    by_highest, by_first, by_last, by_average = work
    open_one = assign(app, school, title="Open", attempts_allowed=None)
    now = utcnow()
    assert_same_grid(app, school["class"])  # every column kept
    assert reread(app, school) == (set(), 1)

    teacher = client_for(app, "tess")
    pages = [f"/classes/{school['class']}/results?sort={sort}" for sort in ("mean", "learner", f"a{by_last}")]

    def tables() -> list[str]:
        """The grid's table on each page (the rest of a page has a form's token, which changes by the second)."""
        return [re.search(r'<table class="grid">.*</table>', teacher.get(page).text, re.S).group() for page in pages]

    shown = tables()  # kept: the grid and its HTML

    def changed(expected: set[int]) -> None:
        found, statements = reread(app, school)
        assert found == expected
        assert statements == 1 + bool(expected)
        assert_same_grid(app, school["class"])
        kept = tables()  # put together from what the worker kept
        queries.forget_grids()
        grid.forget()
        assert kept == tables()  # as worked out afresh
        assert kept != shown[-3:]  # something on these pages changed
        shown.extend(kept)

    take(app, school["amy"], open_one, RIGHT, now)  # one learner's attempt at one assignment closed
    changed({open_one})
    start(app, school["ben"], open_one, now)  # one started
    changed({open_one})
    grant(app, school, by_first, school["ben"], Grant(excused=True))  # an extension on one
    changed({by_first})
    grant(app, school, by_first, school["ben"], Grant(extra_attempts=1))  # replaced
    changed({by_first})
    with app.app_context():  # one's terms edited
        db.session.get(Assignment, by_highest).counting = "average"
        db.session.commit()
    changed({by_highest})
    with app.app_context():
        edited = db.session.get(Assignment, by_last)
        edited.opens_at, edited.due_at = now - 40 * 24 * HOUR, now - 30 * 24 * HOUR  # all its work now late
        db.session.commit()
    changed({by_last})
    with app.app_context():  # renamed: the column is the same
        db.session.get(Assignment, by_average).title = "Renamed"
        db.session.commit()
    changed(set())
    with app.app_context():  # one deleted
        klass = db.session.get(Class, school["class"])
        tess = db.session.get(User, school["tess"])
        ops.delete_assignment(db.session, tess, klass, db.session.get(Assignment, by_first), now)
        db.session.commit()
    changed(set())
    with app.app_context():  # a learner joins, another leaves
        ops.join_class(db.session, db.session.get(User, school["cat"]), school["code"], now)
        ops.leave_class(db.session, db.session.get(User, school["amy"]), school["class"], now)
        db.session.commit()
    changed(set())
    take(app, school["cat"], open_one, WRONG, now)  # the newcomer's attempt
    changed({open_one})
    added = assign(app, school, title="Added")  # a new assignment
    changed({added})
