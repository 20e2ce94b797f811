"""Every page in light and in dark mode (prefers-color-scheme), in Chromium: the scheme is applied, axe-core
(colour contrast included) finds nothing, and the site's icon is found where browsers look for it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from ..conftest import BROWSER_TIMEOUT_MS, PASSWORD
from .test_accounts import fill_login, make_user, unique
from .test_browse import AXE
from .test_quizzes import answer

pytestmark = pytest.mark.browser
BACKGROUND = {"light": "rgb(255, 255, 255)", "dark": "rgb(18, 21, 25)"}


@pytest.fixture(params=["light", "dark"])
def scheme_page(request, browser_instance) -> Iterator[Page]:
    context = browser_instance.new_context(viewport={"width": 1280, "height": 900}, color_scheme=request.param)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.scheme = request.param  # type: ignore[attr-defined]
    yield page
    context.close()


def heading(page: Page, text: str | re.Pattern) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def every_page(page: Page, live_server, live_app) -> Iterator[str]:
    """Open every page of the site in turn, as a visitor and then as an administrator who studies and takes
    quizzes, yielding a name for each page (or state of a page) once it is shown."""
    url = live_server.url
    page.goto(url + "/")
    heading(page, "Quizzes and flashcards from open question banks")
    yield "welcome"
    page.goto(url + "/banks")
    heading(page, "Question banks")
    yield "banks"
    page.goto(url + "/banks/all-types")
    heading(page, "Every question type")
    yield "bank"
    page.goto(url + "/banks/no-such-bank")
    heading(page, "Page not found")
    yield "not-found"
    page.goto(url + "/register")
    heading(page, "Create an account")
    yield "register"
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".error-summary")).to_be_visible()
    yield "register-errors"

    login = unique("admin")
    make_user(live_app, login, role="admin")
    page.goto(url + "/login")
    heading(page, "Log in")
    fill_login(page, login, password=PASSWORD + "x")
    expect(page.locator(".error-summary")).to_be_visible()
    yield "login-error"
    fill_login(page, login)
    expect(page.locator(".signed-in")).to_contain_text(login)
    heading(page, "Home")
    yield "home-new-learner"
    for path, title in (
        ("/account", "Your account"),
        ("/account/password", "Change your password"),
        ("/account/delete", "Delete your account"),
        ("/teach/", "Teaching"),
        ("/teach/banks", "Manage banks"),
        ("/admin/users", "Users"),
    ):
        page.goto(url + path)
        heading(page, title)
        yield path.strip("/").replace("/", "-")
    page.get_by_role("link", name=login).last.click()
    heading(page, login)
    yield "admin-user"

    page.goto(url + "/decks")
    heading(page, "Your decks")
    yield "decks"
    page.get_by_role("link", name="Every question type").click()
    heading(page, "Make a deck")
    yield "new-deck"
    page.get_by_role("button", name="Make the deck").click()
    heading(page, "Every question type")
    yield "deck"
    page.get_by_role("link", name="Study now").click()
    heading(page, "Study: Every question type")
    yield "study-front"
    page.get_by_role("button", name="Show answer").click()
    expect(page.locator("#card-answer")).to_be_visible()
    yield "study-back"
    page.get_by_role("button", name=re.compile("^Good")).click()
    expect(page.get_by_role("button", name="Show answer")).to_be_visible()
    page.goto(url + "/settings/scheduler")
    heading(page, "Scheduler settings")
    yield "scheduler-settings"
    page.get_by_label("Desired retention").fill("2")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".error-summary")).to_be_visible()
    yield "scheduler-settings-errors"

    page.goto(url + "/quizzes")
    heading(page, "Quizzes")
    yield "quizzes"
    page.goto(url + "/quizzes/build")
    heading(page, "Build your own quiz")
    yield "build"
    page.get_by_role("button", name="Start my quiz").click()
    expect(page.locator(".error-summary")).to_be_focused()
    yield "build-errors"
    for mode in ("practice", "exam"):
        page.goto(url + "/quizzes/build")
        build = page.locator("form.build")
        build.get_by_label("Every question type").check()
        build.get_by_label("Number of questions").fill("1")
        build.get_by_label(re.compile("^Exam:" if mode == "exam" else "^Practice:")).check()
        build.get_by_role("button", name="Start my quiz").click()
        heading(page, "Question 1 of 1")
        yield f"{mode}-question"
        answer(page, keyboard=False)
        if mode == "practice":
            expect(page.locator("#feedback")).to_be_visible()
            yield "practice-feedback"
            page.locator("a[data-primary]").click()
        else:
            heading(page, "Review and submit")
            yield "exam-summary"
            page.get_by_role("button", name="Submit my answers").click()
        heading(page, "Results")
        yield f"{mode}-results"
    page.goto(url + "/history")
    heading(page, "My history")
    yield "history"

    for _ in range(2):  # the second Start is offered the first attempt back
        page.goto(url + "/quizzes")
        page.locator("summary", has_text="Every question type").click()
        page.get_by_role("button", name="Start Exam", exact=True).click()
    heading(page, "You have already started this quiz")
    yield "start-again"
    page.goto(url + "/")
    heading(page, "Home")
    expect(page.get_by_role("heading", name="Unfinished quizzes")).to_be_visible()
    yield "home-with-data"
    page.get_by_role("link", name="Discard Exam").click()
    heading(page, "Discard this quiz?")
    yield "discard"


def test_every_page_in_both_schemes_passes_axe(scheme_page, live_server, live_app):
    page = scheme_page
    seen = []
    for name in every_page(page, live_server, live_app):
        seen.append(name)
        page.wait_for_load_state()  # the stylesheet too: a page read while it loads has no background yet
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == BACKGROUND[page.scheme], name  # type: ignore[attr-defined]
        assert page.locator('meta[name="color-scheme"]').get_attribute("content") == "light dark", name
        results = AXE.run(page)
        assert results.violations_count == 0, f"{name} ({page.scheme}):\n{results.generate_report()}"  # type: ignore[attr-defined]
    assert len(seen) == 35  # the teacher's home joined "Manage banks"


def test_the_icon_is_found_where_browsers_look(page, live_server):
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(live_server.url + "/")
    links = page.locator('link[rel="icon"]')
    expect(links).to_have_count(2)
    for href in links.evaluate_all("links => links.map(l => l.href)"):
        response = page.request.get(href)
        assert response.status == 200, href
        assert response.headers["content-type"] in ("image/svg+xml; charset=utf-8", "image/vnd.microsoft.icon")
    assert not failed
