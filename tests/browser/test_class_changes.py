"""Changing and deleting a class's work in Chromium, at desktop and phone widths, with JavaScript on and off, in
light and dark: a teacher edits an assignment (a due date before its open date first), then deletes it after
reading how many attempts it has, then renames the class and deletes it. axe-core checks every page."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Bank, User, utcnow
from quizapp.operations import classes as ops
from quizapp.operations.quizzes import finish_attempt

from .test_accounts import make_user
from .test_classes import check, heading, local, log_in, open_page  # noqa: F401 (open_page is a fixture)

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("QUIZAPP_SCREENSHOTS")  # a folder to save each new page's screenshot in, when set
_numbers = itertools.count(1)


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        size = "phone" if page.viewport_size["width"] < 500 else "desktop"
        scheme = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'")
        page.screenshot(path=f"{SHOTS}/{name}-{size}-{scheme}.png", full_page=True)


def make_class(live_app, n: int) -> tuple[str, int, int]:
    """A teacher's class (UTC) with an assignment due in a day that a learner has taken once."""
    teacher, learner = f"tina{n}", f"lars{n}"
    make_user(live_app, teacher, role="teacher")
    make_user(live_app, learner)
    now = utcnow()
    with live_app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_((teacher, learner))))}
        slug = db.session.scalars(select(Bank.slug).order_by(Bank.slug)).first()
        klass = ops.create_class(db.session, users[teacher], f"Cardiology {n}", None, "UTC", now)
        ops.join_class(db.session, users[learner], klass.join_code, now)
        given = ops.AssignmentInput(
            "Week 1", now - dt.timedelta(hours=1), now + dt.timedelta(days=1), 2, banks=(slug,), count=2
        )
        assignment = ops.create_assignment(db.session, users[teacher], klass, given, now)
        finish_attempt(db.session, ops.start_assignment(db.session, users[learner], assignment, now), now)
        db.session.commit()
        return teacher, klass.id, assignment.id


def changes_flow(page: Page, url: str, live_app) -> Iterator[tuple[str, Page]]:
    n = next(_numbers)
    teacher, class_id, assignment_id = make_class(live_app, n)
    log_in(page, url, teacher)
    page.goto(f"{url}/classes/{class_id}/assignments/{assignment_id}")
    heading(page, "Week 1")

    # A due date before the open date is refused with a message; a later one is saved.
    page.get_by_role("link", name="Edit the terms").click()
    heading(page, "Edit the assignment")
    expect(page.locator("main")).to_contain_text("1 attempt by 1 learner has been taken.")
    yield "edit-assignment", page
    opens = page.get_by_label("Opens", exact=True).input_value()
    page.get_by_label("Due", exact=True).fill(local(dt.datetime.fromisoformat(opens) - dt.timedelta(hours=1)))
    page.get_by_role("button", name="Save the assignment").click()
    expect(page.locator(".error-summary")).to_contain_text("The due date must be after the open date.")
    yield "edit-assignment-errors", page
    due = (utcnow() + dt.timedelta(days=3)).replace(hour=17, minute=30)
    page.get_by_label("Due", exact=True).fill(local(due))
    page.get_by_role("button", name="Save the assignment").click()
    heading(page, "Week 1")
    expect(page.locator(".flash")).to_have_text("Assignment saved.")
    expect(page.locator("dl.facts")).to_contain_text(due.strftime("%-d %b %Y, 17:30 UTC"))

    # Deleting it says how many attempts it has and what becomes of them.
    page.get_by_role("link", name="Delete the assignment").click()
    heading(page, "Delete “Week 1”?")
    expect(page.locator("main")).to_contain_text("1 attempt by 1 learner was taken for it.")
    expect(page.locator("main")).to_contain_text("stays in its learner's own history")
    yield "delete-assignment", page
    page.get_by_role("button", name="Delete the assignment").click()
    heading(page, f"Cardiology {n}")
    expect(page.locator(".flash")).to_contain_text("“Week 1” deleted.")
    expect(page.locator("#assignments-title + p")).to_have_text("No work set yet.")

    # The class is renamed, then deleted once its name is typed.
    page.get_by_role("link", name="Edit the class").click()
    heading(page, "Edit the class")
    yield "edit-class", page
    page.get_by_label("Name").fill(f"Cardiology {n}B")
    page.get_by_role("button", name="Save the class").click()
    heading(page, f"Cardiology {n}B")
    page.get_by_role("link", name="Delete the class").click()
    heading(page, f"Delete “Cardiology {n}B”?")
    expect(page.locator("main")).to_contain_text("It has no assignments, so no learner's history changes.")
    yield "delete-class", page
    page.get_by_role("button", name="Delete the class").click()
    expect(page.locator(".error-summary")).to_contain_text("Type the class's name")
    yield "delete-class-errors", page
    page.get_by_label("Type the class's name to confirm").fill(f"cardiology {n}b")
    page.get_by_role("button", name="Delete the class").click()
    heading(page, "My classes")
    expect(page.locator(".flash")).to_contain_text(f"“Cardiology {n}B” deleted.")
    expect(page.locator("main")).to_contain_text("You teach no class yet.")


def test_a_teacher_edits_and_deletes_an_assignment_and_a_class(open_page, live_server, live_app):  # noqa: F811
    page, twin = open_page(), open_page(True)
    seen = []
    for name, shown in changes_flow(page, live_server.url, live_app):
        seen.append(name)
        shoot(shown, name)
        check(shown, None if name.endswith("-errors") else twin)
    assert seen == [
        "edit-assignment",
        "edit-assignment-errors",
        "delete-assignment",
        "edit-class",
        "delete-class",
        "delete-class-errors",
    ]
    assert re.search(r"/classes/$", page.url)
