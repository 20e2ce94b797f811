"""A big class's results grid in Chromium, at desktop and phone widths, with JavaScript on and off, in light and
dark: 50 learners a page, sorted across the whole class, the next page and back by the pager's links, a sort
link starting again at page 1, and axe-core finding nothing on either page."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert, select

from quizapp.extensions import db
from quizapp.models import Attempt, ClassMember, User, utcnow
from quizapp.operations import classes as ops
from quizapp.operations.results import rebuild_results

from . import test_classes
from .test_accounts import make_user
from .test_classes import check, heading, log_in

pytestmark = pytest.mark.browser
open_page = test_classes.open_page  # the same runs: desktop and phone, JavaScript on and off, light and dark
_numbers = itertools.count(1)
LEARNERS = 62


def big_class(live_app, teacher: str) -> tuple[int, int]:
    """A class of ``LEARNERS`` learners taught by ``teacher``, with one assignment each of them has finished,
    their attempts written straight into the tables and the results summary rebuilt from them."""
    rng = random.Random(len(teacher))
    now = utcnow()
    with live_app.app_context():
        tess = db.session.scalar(select(User).where(User.username == teacher))
        klass = ops.create_class(db.session, tess, f"Big class {teacher}", None, "UTC", now)
        given = ops.AssignmentInput(
            "Week 1", now - dt.timedelta(days=2), now - dt.timedelta(days=1), None, bank="all-types", quiz="exam"
        )
        assignment = ops.create_assignment(db.session, tess, klass, given, now)
        ids = list(
            db.session.scalars(
                insert(User).returning(User.id, sort_by_parameter_order=True),
                [
                    {"username": f"{teacher}-l{n:02d}", "password_hash": tess.password_hash, "role": "learner"}
                    for n in range(LEARNERS)
                ],
            )
        )
        db.session.execute(
            insert(ClassMember),
            [{"class_id": klass.id, "user_id": u, "role": "learner", "joined_at": now} for u in ids],
        )
        started = now - dt.timedelta(days=1, hours=2)
        db.session.execute(
            insert(Attempt),
            [
                {
                    "user_id": u,
                    "source": "bank_quiz",
                    "title": "Exam",
                    "criteria": {"banks": {"all-types": 1}},
                    "mode": "exam",
                    "seed": 1,
                    "question_revision_ids": [],
                    "question_count": 10,
                    "status": "finished",
                    "started_at": started,
                    "finished_at": started + dt.timedelta(minutes=30),
                    "score": 0.0,
                    "max_score": 10.0,
                    "percent": float(rng.randrange(0, 101, 10)),
                    "assignment_id": assignment.id,
                }
                for u in ids
            ],
        )
        rebuild_results(db.session, [assignment.id])
        db.session.commit()
        return klass.id, assignment.id


def scores(page) -> list[int]:
    return [int(s.rstrip("%")) for s in re.findall(r"(\d+)%", " ".join(page.locator("tbody td a").all_inner_texts()))]


def test_a_big_class_grid_pages_by_learners_sorted_across_the_class(open_page, live_server, live_app):
    url = live_server.url
    teacher_login = f"grid{next(_numbers)}"
    make_user(live_app, teacher_login, role="teacher")
    class_id, assignment_id = big_class(live_app, teacher_login)
    teacher, twin = open_page(), open_page(True)
    log_in(teacher, url, teacher_login)

    teacher.goto(f"{url}/classes/{class_id}/results?sort=a{assignment_id}&order=desc")
    heading(teacher, "Results")
    grid = teacher.locator("table.grid")
    expect(grid.locator("tbody tr")).to_have_count(50)
    expect(teacher.locator("main")).to_contain_text(f"this page shows learners 1–50 of {LEARNERS}")  # noqa: RUF001
    pager = teacher.get_by_role("navigation", name="Pages")
    expect(pager).to_contain_text("Page 1 of 2")
    expect(grid.locator("tfoot")).to_contain_text(f"n = {LEARNERS}")  # the class row covers every learner
    first = scores(teacher)
    assert first == sorted(first, reverse=True)
    check(teacher, twin)

    pager.get_by_role("link", name="Next learners").click()
    heading(teacher, "Results")
    expect(grid.locator("tbody tr")).to_have_count(LEARNERS - 50)
    expect(pager).to_contain_text("Page 2 of 2")
    expect(grid.locator("th[aria-sort='descending']")).to_contain_text("Week 1")
    second = scores(teacher)
    assert second == sorted(second, reverse=True) and max(second) <= min(first)  # sorted across the pages
    check(teacher, twin)

    grid.get_by_role("link", name=re.compile("^Learner")).click()  # a new order starts at page 1
    expect(pager).to_contain_text("Page 1 of 2")
    expect(grid.locator("tbody th").first).to_contain_text(f"{teacher_login}-l00")
    pager.get_by_role("link", name="Next learners").click()
    expect(grid.locator("tbody th").first).to_contain_text(f"{teacher_login}-l50")
    pager.get_by_role("link", name="Previous learners").click()
    expect(pager).to_contain_text("Page 1 of 2")
