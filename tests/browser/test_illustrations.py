"""The diagrams in Chromium: a bank's diagram quiz shows each picture, loaded, at its size, with its alt text,
on a desktop and a phone, and axe-core finds nothing on the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .test_quizzes import check, sign_in

pytestmark = pytest.mark.browser


def start_diagram_quiz(page: Page, live_server, bank_title: str, quiz_title: str) -> None:
    page.goto(live_server.url + "/quizzes")
    page.locator("summary", has_text=bank_title).first.click()
    page.get_by_role("button", name=f"Start {quiz_title}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Question 1 of \d+$"))


def loaded_width(page: Page) -> int:
    """The width of the question's picture as decoded by the browser (0 if it did not load)."""
    picture = page.locator("main img")
    expect(picture).to_have_count(1)
    return picture.evaluate("img => img.complete ? img.naturalWidth : 0")


def test_a_diagram_question_shows_its_picture_with_its_alt_text(page, live_server, live_app):
    page.js = True  # type: ignore[attr-defined]
    sign_in(page, live_server, live_app)
    start_diagram_quiz(page, live_server, "Stem-cell biology", "Stem-cell biology: diagrams")
    picture = page.locator("main img")
    expect(picture).to_have_attribute("alt", re.compile("^Four stacked bars, each narrower than the one above"))
    assert loaded_width(page) == 1000
    box = picture.bounding_box()
    assert box is not None and box["width"] <= 1280
    check(page)
    page.get_by_role("radio").first.check()  # the three questions come in any order: any answer will do
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_text("Explanation", exact=True)).to_be_visible()
    assert loaded_width(page) == 1000  # the picture stays with its question when the feedback is shown
    check(page)


def test_a_diagram_fits_a_phone(phone_page, live_server, live_app):
    page = phone_page
    page.js = True  # type: ignore[attr-defined]
    sign_in(page, live_server, live_app)
    start_diagram_quiz(page, live_server, "(aHSCT) for MS", "aHSCT for MS: diagrams")
    assert loaded_width(page) == 1000
    box = page.locator("main img").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
