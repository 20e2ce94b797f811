"""Studying flashcards in Chromium: a whole session with the keyboard only (Space, 1-4, Z) and no page
reload, the same session without JavaScript, on a phone, and axe-core on every flashcard page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..conftest import BROWSER_TIMEOUT_MS
from .test_accounts import fill_login, make_user, unique
from .test_browse import assert_accessible

pytestmark = pytest.mark.browser
FIRST_PROMPT = "Which organ does multiple sclerosis affect?"
SECOND_PROMPT = "Which cells make myelin?"


def start(page, live_server, live_app) -> None:
    """A new learner logs in and makes a deck of the all-types bank (10 cards)."""
    name = unique("student")
    make_user(live_app, name)
    page.goto(live_server.url + "/login")
    fill_login(page, name)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Flashcards").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your decks")
    page.get_by_role("link", name="Every question type").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a deck")
    page.get_by_role("button", name="Make the deck").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Every question type")
    expect(page.locator(".deck-counts")).to_contain_text("10 new")


def test_a_whole_session_with_the_keyboard_and_no_reload(page, live_server, live_app):
    start(page, live_server, live_app)
    assert_accessible(page)
    page.get_by_role("link", name="Study now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Study: Every question type")
    expect(page.locator("#keys")).to_be_visible()  # the key help shows only when the keys work
    show = page.get_by_role("button", name="Show answer")
    expect(show).to_be_focused()
    expect(page.locator(".card-front")).to_contain_text(FIRST_PROMPT)
    expect(page.locator("#session-left")).to_contain_text("10 cards left in this session")
    assert_accessible(page)
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    page.keyboard.press("Space")
    answer = page.locator("#card-answer")
    expect(answer).to_contain_text("The central nervous system")
    expect(page.locator("#announcer")).to_contain_text("Answer The central nervous system")
    good = page.get_by_role("button", name="Good, next review in 10m")
    expect(good).to_be_focused()
    for name in ("Again, next review in 1m", "Hard, next review in 6m", "Easy, next review in 8d"):
        expect(page.get_by_role("button", name=name)).to_be_visible()
    assert_accessible(page)

    page.keyboard.press("3")  # Good
    expect(page.locator(".card-front")).to_contain_text(SECOND_PROMPT)
    expect(page.locator("#session-left")).to_contain_text("10 cards left in this session (9 new, 1 learning")
    expect(page.get_by_role("button", name="Show answer")).to_be_focused()
    expect(page.locator("#announcer")).to_contain_text("Graded.")

    page.keyboard.press("z")  # undo: the first card comes back, new again
    expect(page.locator(".card-front")).to_contain_text(FIRST_PROMPT)
    expect(page.locator("#session-left")).to_contain_text("(10 new, 0 learning")
    expect(page.get_by_role("button", name="Show answer")).to_be_focused()

    for k in range(10):  # every card, Easy: each goes days away and the session ends
        expect(page.locator("#session-left")).to_contain_text(f"{10 - k} card")
        page.keyboard.press("Space")
        expect(page.locator("#card-answer")).to_be_visible()
        page.keyboard.press("4")
    done = page.get_by_role("heading", name="You are done with this deck for today")
    expect(done).to_be_focused()
    expect(page.locator("#session-left")).to_contain_text("0 cards left")
    assert page.evaluate("window.sameDocument") is True
    assert_accessible(page)

    page.reload()  # what was graded is stored
    expect(page.get_by_role("heading", name="You are done with this deck for today")).to_be_visible()
    page.get_by_role("link", name="Back to the deck").click()
    expect(page.locator(".deck-counts")).to_contain_text("0 new")


def test_grade_buttons_work_with_the_mouse_too(page, live_server, live_app):
    start(page, live_server, live_app)
    page.get_by_role("link", name="Study now").click()
    page.get_by_role("button", name="Show answer").click()
    page.get_by_role("button", name=re.compile(r"^Again")).click()
    expect(page.locator(".card-front")).to_contain_text(SECOND_PROMPT)
    page.get_by_role("button", name="Undo the last grade").click()
    expect(page.locator(".card-front")).to_contain_text(FIRST_PROMPT)


def test_a_whole_session_without_javascript(browser_instance, live_server, live_app):
    context = browser_instance.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        start(page, live_server, live_app)
        page.get_by_role("link", name="Study now").click()
        expect(page.locator("#keys")).to_be_hidden()
        expect(page.locator(".card-front")).to_contain_text(FIRST_PROMPT)
        page.get_by_role("button", name="Show answer").click()
        expect(page).to_have_url(re.compile(r"/study/\d+/answer\?card=\d+&shown=\d+&version=0$"))
        expect(page.locator("#card-answer")).to_contain_text("MS is a disease of the brain")
        page.get_by_role("button", name="Good, next review in 10m").click()
        expect(page).to_have_url(re.compile(r"/study/\d+$"))
        expect(page.locator(".card-front")).to_contain_text(SECOND_PROMPT)
        page.get_by_role("button", name="Undo the last grade").click()
        expect(page.locator(".card-front")).to_contain_text(FIRST_PROMPT)
        for _ in range(10):
            page.get_by_role("button", name="Show answer").click()
            page.get_by_role("button", name=re.compile(r"^Easy")).click()
        expect(page.get_by_role("heading", name="You are done with this deck for today")).to_be_visible()
    finally:
        context.close()


def test_the_study_page_fits_a_phone(phone_page, live_server, live_app):
    start(phone_page, live_server, live_app)
    phone_page.goto(live_server.url + "/decks")
    assert phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    phone_page.get_by_role("link", name="Study now").click()
    for step in ("front", "answer"):
        if step == "answer":
            phone_page.get_by_role("button", name="Show answer").click()
            expect(phone_page.locator("#card-answer")).to_be_visible()
        overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the {step} scrolls sideways by {overflow}px on a phone"
        assert_accessible(phone_page)


def test_the_decks_and_settings_pages_are_accessible(page, live_server, live_app):
    start(page, live_server, live_app)
    page.get_by_role("link", name="Your decks").click()
    expect(page.get_by_role("table")).to_contain_text("Every question type")
    expect(page.get_by_role("link", name="Study now: Every question type")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Scheduler settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scheduler settings")
    assert_accessible(page)
    expect(page.get_by_role("button", name="Optimise my scheduler")).to_be_disabled()
    page.get_by_label("Desired retention").fill("0.99")
    page.get_by_label("Learning steps", exact=True).fill("10m 1m")
    page.get_by_role("button", name="Save settings").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Desired retention must be between 0.70 and 0.97")
    expect(summary).to_contain_text("Learning steps steps must not get shorter")
    summary.get_by_role("link", name=re.compile("Desired retention")).click()
    expect(page.get_by_label("Desired retention")).to_be_focused()
    assert_accessible(page)
    page.get_by_label("Desired retention").fill("0.85")
    page.get_by_label("Learning steps", exact=True).fill("1m 10m")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".flash")).to_have_text("Your scheduler settings are saved.")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/London")
    page.goto(live_server.url + "/decks/new")
    expect(page.get_by_label("Question bank")).to_be_visible()
    assert_accessible(page)
