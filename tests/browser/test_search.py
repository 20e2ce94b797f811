"""Searching from the navigation's search box and using a bank's page, in Chromium at desktop and phone
widths, with JavaScript on and off; axe-core on every page and state."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from quizapp.domain.search import parse_query
from quizapp.extensions import db
from quizapp.queries import search as search_queries

from ..conftest import BROWSER_TIMEOUT_MS
from .test_accounts import fill_login, make_user, unique
from .test_browse import assert_accessible
from .test_quizzes import sign_in

pytestmark = pytest.mark.browser
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=[(s, js) for s in SIZES for js in ("javascript", "no javascript")], ids=lambda p: "-".join(p))
def any_page(request, browser_instance):
    """A page at desktop and phone width, with JavaScript on and off. Without JavaScript, axe-core checks each
    page again in a twin with JavaScript that shares the cookies."""
    size, js = request.param
    phone = size == "phone"
    options = {"viewport": SIZES[size], "is_mobile": phone, "has_touch": phone}
    context = browser_instance.new_context(java_script_enabled=js == "javascript", **options)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    twin_context = browser_instance.new_context(**options) if js != "javascript" else None
    page.twin = twin_context.new_page() if twin_context else None  # type: ignore[attr-defined]
    yield page
    context.close()
    if twin_context is not None:
        twin_context.close()


def check(page: Page) -> None:
    """One h1, no sideways scrolling, and axe-core finds nothing (in the twin when JavaScript is off)."""
    expect(page.locator("h1")).to_have_count(1)
    width = page.viewport_size["width"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, page.url
    target = page.twin or page  # type: ignore[attr-defined]
    if target is not page:
        target.context.clear_cookies()
        target.context.add_cookies(page.context.cookies())
        target.goto(page.url)
    assert_accessible(target)


def hits(live_app, text: str) -> list[tuple[str, str]]:
    with live_app.app_context():
        rows = db.session.execute(search_queries.question_hits(db.session, parse_query(text).words))
        found = [(r.slug, r.key) for r in rows]
        db.session.rollback()
    return found


def test_searching_from_the_navigation_box(any_page, live_server, live_app):
    page = any_page
    page.goto(live_server.url + "/banks/all-types")
    box = page.get_by_role("search", name="Search banks and questions").get_by_label("Search banks and questions")
    box.fill("myel oligo")
    box.press("Enter")
    expect(page).to_have_url(live_server.url + "/search?q=myel+oligo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search banks and questions")
    expected = hits(live_app, "myel oligo")
    expect(page.locator(".search-summary")).to_contain_text(f"{len(expected)} questions with “myel”, “oligo”")
    results = page.locator(".result-list > li")
    expect(results).to_have_count(min(len(expected), 20))
    expect(page.locator(".result-list mark").first).to_be_visible()
    first_bank = expected[0][0]
    expect(page.locator(".result-group h3 a").first).to_have_attribute("href", f"/banks/{first_bank}")
    check(page)

    # The form on the results page narrows the same words to one tag.
    page.get_by_label("Only questions tagged").select_option("remyelination")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.locator(".search-summary")).to_contain_text("tagged “remyelination”")
    check(page)

    # A result opens its bank's page at the question.
    link = page.locator(".snippet a").first
    href = link.get_attribute("href")
    link.click()
    key = href.split("#q-")[1]
    expect(page.locator(f"#q-{key}")).to_be_visible()
    check(page)


def test_an_empty_search_and_one_of_only_symbols_explain_themselves(any_page, live_server):
    page = any_page
    page.goto(live_server.url + "/")
    page.get_by_role("search", name="Search banks and questions").get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="How to search")).to_be_visible()
    check(page)
    page.get_by_label("Words to look for").fill('"*NEAR(')
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.locator(".search-summary")).to_contain_text("with “near”")
    check(page)
    page.get_by_label("Words to look for").fill("?!*")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_contain_text("Nothing to look for")
    check(page)


def test_a_tag_that_cannot_be_one_shows_the_form_with_the_problem(any_page, live_server):
    page = any_page
    response = page.goto(live_server.url + "/search?q=myelin&tag=Not+A+Tag")
    assert response.status == 400
    expect(page.locator(".error-summary")).to_contain_text("That is not a tag")
    check(page)


def test_the_bank_page_for_a_visitor_and_for_a_learner(any_page, live_server, live_app):
    page = any_page
    page.goto(live_server.url + "/banks/all-types")
    expect(page.locator(".question-list")).to_contain_text("MS damages gap 1 in the gap 2 nervous system.")
    expect(page.locator(".question-list")).not_to_contain_text("myelin}}")
    check(page)
    page.get_by_role("link", name="Log in to start a quiz or make a deck").click()
    login = unique("searcher")
    make_user(live_app, login)
    fill_login(page, login)
    expect(page).to_have_url(live_server.url + "/banks/all-types")
    expect(page.get_by_role("button", name="Start a quiz: Exam")).to_be_visible()
    expect(page.get_by_role("link", name="Make a deck")).to_be_visible()
    check(page)

    tags = page.get_by_role("list", name="Tags: show this bank's questions with a tag")
    tags.get_by_role("link", name="demo").click()
    expect(page.get_by_role("heading", level=2, name="Questions tagged “demo”")).to_be_visible()
    check(page)

    page.get_by_role("button", name="Start a quiz: Exam").click()
    expect(page.locator(".quiz-title")).to_contain_text("Exam")
    page.go_back()
    page.get_by_role("link", name="Make a deck").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a deck")
    expect(page.locator("main")).to_contain_text("From the bank Every question type")


def test_search_is_keyboard_reachable(page, live_server, live_app):
    sign_in(page, live_server, live_app)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")  # the skip link
    box = page.get_by_role("searchbox", name="Search banks and questions")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-search-q":
            break
    expect(box).to_be_focused()
    page.keyboard.type("natalizumab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search banks and questions")
    expect(page.locator(".snippet mark").first).to_have_text("natalizumab", ignore_case=True)
