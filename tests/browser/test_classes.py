"""Classes in Chromium, at desktop and phone widths, with JavaScript on and off, in light and dark: a teacher
makes a class and sets a bank's exam; one learner follows the join link, registers and lands back on the join
page, the other joins by code; the first takes the exam on time, the second finds it past due, is given an
extension and takes it; the teacher reads the grid, a review and a learner's page, and downloads both CSV
files. axe-core checks every page."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Assignment, Attempt, Class, utcnow
from quizapp.operations.results import rebuild_results

from ..conftest import BROWSER_TIMEOUT_MS, PASSWORD
from .test_accounts import make_user
from .test_browse import assert_accessible
from .test_quizzes import answer

pytestmark = pytest.mark.browser
_numbers = itertools.count(1)
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# Each run covers a size, JavaScript on or off, and a colour scheme; together, every pairing of two of them.
RUNS = [
    ("desktop", True, "light"),
    ("phone", True, "dark"),
    ("desktop", False, "dark"),
    ("phone", False, "light"),
]


@pytest.fixture(params=RUNS, ids=lambda r: f"{r[0]}-{'js' if r[1] else 'nojs'}-{r[2]}")
def open_page(request, browser_instance) -> Iterator[Callable[[], Page]]:
    """Pages for several people, each in a context of its own, at the run's size, JavaScript and scheme."""
    size, js, scheme = request.param
    phone = size == "phone"
    options = {"viewport": SIZES[size], "is_mobile": phone, "has_touch": phone, "color_scheme": scheme}
    contexts = []

    def _open(with_js: bool = js) -> Page:
        context = browser_instance.new_context(java_script_enabled=with_js, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(BROWSER_TIMEOUT_MS)
        page.js = with_js  # type: ignore[attr-defined]
        return page

    yield _open
    for context in contexts:
        context.close()


def heading(page: Page, text: str | re.Pattern) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def check(page: Page, twin: Page | None = None) -> None:
    """One h1, no sideways scrolling, and axe-core finds nothing; with JavaScript off, axe-core (which needs it)
    runs in ``twin``, which opens the same address with the same cookies (only pages a GET shows)."""
    expect(page.locator("h1")).to_have_count(1)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    if page.js:  # type: ignore[attr-defined]
        assert_accessible(page)
        return
    if twin is not None:
        twin.context.clear_cookies()
        twin.context.add_cookies(page.context.cookies())
        twin.goto(page.url)
        expect(twin.locator("h1")).to_have_text(page.locator("h1").inner_text())
        assert_accessible(twin)


def log_in(page: Page, url: str, login: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email address or username").fill(login)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    heading(page, "Home")


def local(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M")


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def take_exam(page: Page) -> None:
    """From the assignment page: start, answer every question right, submit."""
    page.get_by_role("button", name=re.compile("^Start")).click()
    heading(page, re.compile(r"^Question 1 of \d+"))
    while "Review and submit" not in page.locator("h1").inner_text():
        answer(page, keyboard=False)
    page.get_by_role("button", name="Submit my answers").click()
    heading(page, "Results")


def classes_flow(open_page, live_server, live_app) -> Iterator[tuple[str, Page]]:
    """The whole story, yielding (name, page) at each page shown, for the accessibility check (and for
    screenshots)."""
    url = live_server.url
    n = next(_numbers)
    teacher_login, amy_login, ben_login = f"tess{n}", f"amy{n}", f"ben{n}"
    make_user(live_app, teacher_login, role="teacher")
    make_user(live_app, ben_login)
    teacher, amy, ben = open_page(), open_page(), open_page()

    # The teacher makes a class (a mistake first) and sets the bank's exam.
    log_in(teacher, url, teacher_login)
    teacher.get_by_role("navigation", name="Main").get_by_role("link", name="Classes").click()
    heading(teacher, "My classes")
    yield "classes-teacher", teacher
    teacher.get_by_role("link", name="Make a class").click()
    heading(teacher, "Make a class")
    yield "new-class", teacher
    teacher.get_by_role("button", name="Make the class").click()
    expect(teacher.locator(".error-summary")).to_contain_text("Give the class a name.")
    yield "new-class-errors", teacher
    teacher.get_by_label("Name").fill(f"Neurology {n}")
    teacher.get_by_label("Description (optional)").fill("Spring term, group B")
    teacher.get_by_label("Time zone").select_option("Europe/Paris")
    teacher.get_by_role("button", name="Make the class").click()
    heading(teacher, f"Neurology {n}")
    code = teacher.locator(".join-code strong").inner_text()
    link = teacher.locator("a[href*='/classes/join/']").get_attribute("href")
    yield "class-teacher", teacher
    teacher.get_by_role("link", name="Set an assignment").click()
    heading(teacher, "Set an assignment")
    yield "new-assignment", teacher
    now = utcnow().astimezone(dt.timezone(dt.timedelta(hours=1)))  # Paris in winter; the test runs in December
    teacher.get_by_label("A bank's quiz").select_option(label="Every question type: Exam")
    teacher.get_by_label("Opens", exact=True).fill(local(now - dt.timedelta(hours=1)))
    teacher.get_by_label("Due", exact=True).fill(local(now - dt.timedelta(hours=2)))
    teacher.get_by_role("button", name="Set the assignment").click()
    expect(teacher.locator(".error-summary")).to_contain_text("The due date must be after the open date.")
    yield "new-assignment-errors", teacher
    teacher.get_by_label("Title (optional)").fill("Week 1 exam")
    teacher.get_by_label("Due", exact=True).fill(local(now + dt.timedelta(days=1)))
    teacher.get_by_label("Attempts allowed").fill("1")
    teacher.get_by_role("button", name="Set the assignment").click()
    heading(teacher, "Week 1 exam")
    yield "assignment-teacher", teacher

    # Amy follows the join link, registers, and is brought back to join.
    amy.goto(url + link)
    heading(amy, "Log in")
    amy.get_by_role("link", name="Create one").click()
    heading(amy, "Create an account")
    amy.get_by_label("Email address or username").fill(amy_login)
    amy.get_by_label("Password", exact=True).fill(PASSWORD)
    amy.get_by_label("Type the password again").fill(PASSWORD)
    amy.get_by_role("button", name="Create account").click()
    heading(amy, f"Join “Neurology {n}”")
    yield "join-link", amy
    amy.get_by_role("button", name="Join the class").click()
    heading(amy, f"Neurology {n}")
    expect(amy.locator(".flash")).to_contain_text("You joined")
    yield "class-learner", amy
    amy.goto(url + "/")
    expect(amy.locator("#continue-title")).to_have_text("Work set by your class")
    yield "home-assigned", amy
    amy.get_by_role("link", name="Continue").click()
    heading(amy, "Week 1 exam")
    yield "assignment-learner", amy
    take_exam(amy)
    amy.get_by_role("navigation", name="Main").get_by_role("link", name="Classes").click()
    heading(amy, "My classes")
    expect(amy.locator("table.work")).to_contain_text("Submitted")
    yield "classes-learner", amy

    # Ben joins by code, typed in lower case, after a wrong one.
    log_in(ben, url, ben_login)
    ben.goto(url + "/classes/")
    ben.get_by_label("Join code").fill("ZZZZ-ZZZZ")
    ben.get_by_role("button", name="Join").click()
    expect(ben.locator(".error-summary")).to_contain_text("No class has this join code")
    yield "join-errors", ben
    ben.get_by_label("Join code").fill(code.lower())
    ben.get_by_role("button", name="Join").click()
    heading(ben, f"Neurology {n}")

    # Time passes: the exam is now past due, and late work is not accepted.
    with live_app.app_context():
        klass = db.session.scalar(select(Class).where(Class.name == f"Neurology {n}"))
        found = db.session.scalar(select(Assignment).where(Assignment.class_id == klass.id))
        found.opens_at, found.due_at = utcnow() - dt.timedelta(hours=3), utcnow() - dt.timedelta(minutes=1)
        for attempt in db.session.scalars(select(Attempt).where(Attempt.assignment_id == found.id)):  # Amy's
            attempt.started_at -= dt.timedelta(hours=2)
            attempt.finished_at -= dt.timedelta(hours=2)
            attempt.deadline -= dt.timedelta(hours=2)
        rebuild_results(db.session, [found.id])  # the times were changed behind the operations' back
        db.session.commit()
        class_id, assignment_id = klass.id, found.id
    ben.get_by_role("link", name="Week 1 exam").click()
    heading(ben, "Week 1 exam")
    expect(ben.get_by_text("This assignment is closed.")).to_be_visible()

    # The teacher gives Ben a day more; he takes the exam.
    teacher.goto(f"{url}/classes/{class_id}/assignments/{assignment_id}")
    teacher.get_by_label("Learner", exact=True).select_option(label=ben_login)
    teacher.get_by_label("New due date (optional)").fill(local(now + dt.timedelta(days=1)))
    teacher.get_by_role("button", name="Grant").click()
    expect(teacher.locator(".flash")).to_have_text("Extension granted.")
    expect(teacher.locator("main")).to_contain_text(f"{ben_login}: due")
    yield "assignment-teacher-extension", teacher
    ben.reload()
    expect(ben.locator("main")).to_contain_text("(your extension)")
    take_exam(ben)

    # The teacher reads the grid, sorts it without script, reviews Amy's attempt, reads Ben's page.
    teacher.goto(f"{url}/classes/{class_id}")
    teacher.get_by_role("link", name="Results", exact=True).click()
    heading(teacher, "Results")
    grid = teacher.locator("table.grid")
    expect(grid.locator("tbody tr")).to_have_count(2)
    expect(grid.locator("tbody tr .standing-submitted")).to_have_count(2)  # Amy on time, Ben within his extension
    yield "results", teacher
    teacher.get_by_role("link", name=re.compile("Week 1 exam.*sort")).click()
    expect(grid.locator("th[aria-sort='ascending']")).to_contain_text("Week 1 exam")
    teacher.get_by_role("link", name=re.compile(f"review {amy_login}'s attempt")).click()
    heading(teacher, f"{amy_login}: Week 1 exam")
    yield "review", teacher
    teacher.goto(f"{url}/classes/{class_id}/results")
    teacher.get_by_role("link", name=ben_login, exact=True).click()
    heading(teacher, ben_login)
    expect(teacher.locator("main")).to_contain_text("(extension)")
    yield "learner-page", teacher

    # Both downloads.
    teacher.goto(f"{url}/classes/{class_id}/results")
    with teacher.expect_download() as grid_download:
        teacher.get_by_role("link", name="Download the grid (CSV)").click()
    rows = read_csv(grid_download.value.path())
    assert rows[0] == ["learner", "in class", f"Week 1 exam (#{assignment_id})", "mean"]
    assert sorted(r[0] for r in rows[1:]) == [amy_login, ben_login]
    with teacher.expect_download() as responses_download:
        teacher.get_by_role("link", name="Download every response (CSV)").click()
    rows = read_csv(responses_download.value.path())
    assert rows[0][:3] == ["learner", "assignment", "attempt"] and len(rows) == 1 + 2 * 3


def test_a_class_from_joining_to_the_downloads(open_page, live_server, live_app):
    twin = open_page(True)
    seen = []
    for name, page in classes_flow(open_page, live_server, live_app):
        seen.append(name)
        get_page = not name.endswith("-errors")
        check(page, twin if get_page else None)
    assert len(seen) == 17
