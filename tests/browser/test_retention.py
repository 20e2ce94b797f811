"""Choosing a desired retention with "Help me decide", in Chromium: from the scheduler settings to the
comparison and back, with axe-core in light and dark mode, on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..conftest import BROWSER_TIMEOUT_MS
from .test_accounts import fill_login, make_user, unique
from .test_browse import AXE

pytestmark = pytest.mark.browser


@pytest.fixture(params=[("light", 1280), ("dark", 1280), ("light", 390), ("dark", 390)], ids=lambda p: f"{p[0]}-{p[1]}")
def any_page(request, browser_instance):
    scheme, width = request.param
    context = browser_instance.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield page
    context.close()


def check(page) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def test_a_learner_picks_a_retention_from_the_comparison(any_page, live_server, live_app):
    page = any_page
    name = unique("decider")
    make_user(live_app, name)
    page.goto(live_server.url + "/login")
    fill_login(page, name)
    page.goto(live_server.url + "/settings/scheduler")
    expect(page.get_by_label("Desired retention")).to_have_value("0.9")
    page.get_by_role("link", name=re.compile("^Help me decide")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Help me decide: desired retention")
    for title in ("Minutes of study a day", "Cards remembered after 365 days"):
        figure = page.get_by_role("figure", name=title)
        expect(figure.get_by_role("img", name=title)).to_be_visible()
        figure.get_by_text("Show the numbers").click()  # the same numbers as a table
        expect(figure.get_by_role("table", name=title).get_by_role("row")).to_have_count(11)
    choices = page.get_by_role("group", name="Choose a desired retention")
    expect(choices.get_by_role("radio")).to_have_count(10)
    expect(choices.get_by_role("radio", name="0.90 (yours now)")).to_be_checked()
    check(page)

    choices.get_by_role("radio", name="0.85", exact=True).check()
    page.get_by_role("button", name="Use this desired retention").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scheduler settings")
    expect(page.locator(".flash")).to_have_text("Your desired retention is now 0.85.")
    expect(page.get_by_label("Desired retention")).to_have_value("0.85")
    check(page)


def test_another_deck_and_an_unreadable_one(page, live_server, live_app):
    name = unique("decider")
    make_user(live_app, name)
    page.goto(live_server.url + "/login")
    fill_login(page, name)
    page.goto(live_server.url + "/settings/scheduler/retention")
    page.get_by_label("Cards in the deck").fill("500")
    page.get_by_label("New cards a day").fill("10")
    page.get_by_role("button", name="Simulate again").click()
    expect(page).to_have_url(re.compile(r"deck_size=500&new_per_day=10$"))
    expect(page.locator(".assumptions")).to_contain_text("A deck of 500 new cards, 10 introduced a day")

    page.get_by_label("Cards in the deck").fill("5")
    page.get_by_role("button", name="Simulate again").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Cards in the deck must be 100 to 3,000.")
    expect(page.get_by_role("img")).to_have_count(0)
    check(page)
    summary.get_by_role("link", name="Cards in the deck must be 100 to 3,000.").click()
    expect(page.get_by_label("Cards in the deck")).to_be_focused()
