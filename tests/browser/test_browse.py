"""Browsing the banks in Chromium, as a visitor would, with an accessibility check on every page."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Bank

pytestmark = pytest.mark.browser
AXE = Axe()


def assert_accessible(page) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


def bank_titles(live_app) -> list[str]:
    with live_app.app_context():
        return sorted(db.session.scalars(select(Bank.title)).all())


def test_home_page_lists_every_bank_and_opens_one(page, live_server, live_app):
    page.goto(live_server.url + "/")
    expect(page).to_have_title("Quizzes and flashcards from open question banks · quizapp")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quizzes and flashcards from open question banks")
    assert sorted(page.locator(".bank-list h2").all_inner_texts()) == bank_titles(live_app)
    assert_accessible(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Banks").click()
    expect(page).to_have_title("Question banks · quizapp")
    expect(page.get_by_role("heading", level=1)).to_have_text("Question banks")
    titles = bank_titles(live_app)
    assert sorted(page.locator(".bank-list h2").all_inner_texts()) == titles
    assert_accessible(page)

    page.get_by_role("link", name="Every question type").click()
    expect(page).to_have_url(live_server.url + "/banks/all-types")
    expect(page.get_by_role("heading", level=1)).to_have_text("Every question type")
    items = page.locator(".question-list > li")
    expect(items).to_have_count(9)
    expect(items.first).to_contain_text("Which organ does multiple sclerosis affect?")
    expect(page.locator(".question-list")).to_contain_text("MS damages gap 1 in the gap 2 nervous system.")
    expect(page.locator(".question-list")).not_to_contain_text("myelin}}")  # a gap's answer is never listed
    assert_accessible(page)

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Question banks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question banks")


def test_keyboard_only_visitor_can_skip_to_content_and_open_a_bank(page, live_server):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/#main")
    link = page.get_by_role("link", name="Every question type")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Every question type")


def test_pages_fit_a_phone_screen(phone_page, live_server):
    for path in ("/", "/banks", "/banks/all-types"):
        phone_page.goto(live_server.url + path)
        overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        assert_accessible(phone_page)


def test_not_found_page_is_styled_and_accessible(page, live_server):
    response = page.goto(live_server.url + "/banks/does-not-exist")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)
    page.get_by_role("link", name="Back to the home page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quizzes and flashcards from open question banks")


def test_no_external_requests(page, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server.url + "/banks/all-types")
    page.wait_for_load_state("networkidle")
    assert requested and all(url.startswith(live_server.url) for url in requested), requested
