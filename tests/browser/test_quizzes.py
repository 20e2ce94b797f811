"""Taking quizzes in Chromium, with JavaScript on and off: a practice quiz and an exam with every question type,
ending on the results page and then in "My history"; the keyboard shortcuts; axe-core on every quiz page."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from ..conftest import BROWSER_TIMEOUT_MS, PASSWORD
from .test_accounts import make_user
from .test_browse import assert_accessible

pytestmark = pytest.mark.browser
_numbers = itertools.count(1)

# The right answer to each question of tests/data/banks/all-types.yaml, by question type.
CHOICES = {
    "single": ["The central nervous system"],
    "multiple": ["Oligodendrocytes", "Schwann cells"],
    "true_false": ["True"],
}
TYPED = {"short_answer": ["Oligodendrocyte"], "numeric": ["2,8"], "cloze": ["myelin", "Central"]}
SELECTS = {
    "matching": {"Oligodendrocyte": "Myelinates CNS axons", "Microglia": "Immune surveillance in the CNS"},
    "ordering": {"Mobilisation": "1", "Apheresis": "2", "Conditioning": "3", "Reinfusion": "4"},
}
TYPES = [*CHOICES, *TYPED, *SELECTS]


@pytest.fixture(params=["javascript", "no javascript"])
def any_page(request, browser_instance):
    """A desktop page with JavaScript on, and one with it off."""
    js = request.param == "javascript"
    context = browser_instance.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=js)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.js = js  # type: ignore[attr-defined]
    twin_context = None
    if not js:  # axe-core needs JavaScript: it checks each page again in a twin that shares the cookies
        twin_context = browser_instance.new_context(viewport={"width": 1280, "height": 900})
        page.twin = twin_context.new_page()  # type: ignore[attr-defined]
    yield page
    context.close()
    if twin_context is not None:
        twin_context.close()


def sign_in(page: Page, live_server, live_app) -> str:
    login = f"taker{next(_numbers)}"
    make_user(live_app, login)
    page.goto(live_server.url + "/login")
    page.get_by_label("Email address or username").fill(login)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".signed-in")).to_contain_text(login)
    return login


def check(page: Page) -> None:
    """axe-core finds nothing, and the page has one h1. Pages are only read (GET never changes anything), so
    a page shown without JavaScript is checked by loading it again in a twin with JavaScript."""
    expect(page.locator("h1")).to_have_count(1)
    if page.js:  # type: ignore[attr-defined]
        assert_accessible(page)
        return
    twin = page.twin  # type: ignore[attr-defined]
    twin.context.clear_cookies()
    twin.context.add_cookies(page.context.cookies())
    twin.goto(page.url)
    expect(twin.locator("h1")).to_have_text(page.locator("h1").inner_text())
    assert_accessible(twin)


def build_quiz(page: Page, live_server, mode: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Quizzes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quizzes")
    check(page)
    page.get_by_role("link", name="Build your own quiz").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Build your own quiz")
    check(page)
    build = page.locator("form.build")
    build.get_by_label("Every question type").check()
    build.get_by_label("Number of questions").fill("8")
    build.get_by_label(re.compile("^Exam:" if mode == "exam" else "^Practice:")).check()
    build.get_by_role("button", name="Start my quiz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 1 of 8")


def question_type(page: Page) -> str:
    classes = page.locator("fieldset.question").get_attribute("class") or ""
    return next(t for t in TYPES if f"question-{t}" in classes.split())


def answer(page: Page, keyboard: bool) -> str:
    """Answer the question on the page right, by keyboard where that is how a keyboard user would do it."""
    kind = question_type(page)
    if kind in CHOICES:
        role = "checkbox" if kind == "multiple" else "radio"
        labels = [t.strip() for t in page.locator(".choices label .choice-text").all_inner_texts()]
        for text in CHOICES[kind]:
            if keyboard:
                page.keyboard.press(str(labels.index(text) + 1))
            else:
                page.get_by_role(role, name=text, exact=True).check()
        for text in CHOICES[kind]:
            expect(page.get_by_role(role, name=text, exact=True)).to_be_checked()
        if keyboard:
            page.keyboard.press("Enter")
            return kind
    elif kind in TYPED:
        fields = page.locator("fieldset.question input[type=text]")
        for i, text in enumerate(TYPED[kind]):
            if keyboard:
                if i == 0:
                    expect(fields.nth(0)).to_be_focused()
                else:
                    page.keyboard.press("Tab")
                page.keyboard.type(text)
            else:
                fields.nth(i).fill(text)
        if keyboard:
            page.keyboard.press("Enter")
            return kind
    else:
        for label, value in SELECTS[kind].items():
            page.get_by_label(label, exact=True).select_option(label=value)
    page.locator(".question-form .buttons button").first.click()
    return kind


def finish_in_history(page: Page, title: str, percent: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My history").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My history")
    check(page)
    row = page.locator("tbody tr").first
    expect(row).to_contain_text(title)
    expect(row).to_contain_text(percent)
    row.get_by_role("link", name=re.compile("^Results")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results")
    expect(page.locator(".score .percent")).to_have_text(percent)


def test_a_practice_quiz_with_every_question_type(any_page, live_server, live_app):
    page = any_page
    sign_in(page, live_server, live_app)
    build_quiz(page, live_server, "practice")
    hint = page.locator(".keys-hint")  # the keyboard shortcuts need the script, and so does their hint
    if page.js:
        expect(hint).to_be_visible()
    else:
        expect(hint).to_be_hidden()
    seen = []
    for position in range(1, 9):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Question {position} of 8")
        check(page)
        seen.append(answer(page, keyboard=False))
        feedback = page.locator("#feedback")
        expect(feedback.get_by_role("heading", level=2)).to_have_text("Correct")
        expect(feedback).to_contain_text("1 of 1 point")
        expect(feedback).to_contain_text("Correct answer:")
        if page.js:
            expect(feedback).to_be_focused()
        check(page)
        page.locator("a[data-primary]").click()
    assert sorted(seen) == sorted(TYPES)
    expect(page.get_by_role("heading", level=1)).to_have_text("Results")
    expect(page.locator(".score .percent")).to_have_text("100%")
    expect(page.locator(".review-list > li")).to_have_count(8)
    expect(page.locator(".review-list")).to_contain_text("MS is a disease of the brain, spinal cord and optic nerves.")
    check(page)
    finish_in_history(page, "Custom quiz: Every question type", "100%")


def test_an_exam_with_every_question_type(any_page, live_server, live_app):
    page = any_page
    sign_in(page, live_server, live_app)
    build_quiz(page, live_server, "exam")
    seen = []
    for position in range(1, 9):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Question {position} of 8")
        check(page)
        if position == 3:  # leave one unanswered for now, then come back to it from the summary
            page.get_by_role("button", name="Save and continue").click()
            continue
        seen.append(answer(page, keyboard=False))
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and submit")
    expect(page.locator("main")).to_contain_text("You have answered 7 of 8 questions")
    check(page)
    page.get_by_role("link", name="Question 3", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 3 of 8")
    seen.append(answer(page, keyboard=False))
    assert sorted(seen) == sorted(TYPES)
    if page.get_by_role("heading", level=1).inner_text() != "Review and submit":
        page.get_by_role("link", name="Review and submit").click()
    expect(page.locator("main")).to_contain_text("You have answered 8 of 8 questions")
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results")
    expect(page.locator(".score .percent")).to_have_text("100%")
    expect(page.locator(".review-list .verdict")).to_have_text(["Correct"] * 8)
    check(page)
    finish_in_history(page, "Custom quiz: Every question type", "100%")


def test_keyboard_only_practice(page, live_server, live_app):
    """1 to 9 pick a choice and Enter sends the answer; Enter on the feedback goes on to the next question."""
    page.js = True  # type: ignore[attr-defined]
    sign_in(page, live_server, live_app)
    build_quiz(page, live_server, "practice")
    seen = []
    for position in range(1, 9):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Question {position} of 8")
        seen.append(answer(page, keyboard=True))
        expect(page.locator("#feedback")).to_be_focused()
        expect(page.locator("#feedback h2")).to_have_text("Correct")
        page.keyboard.press("Enter")
    assert sorted(seen) == sorted(TYPES)
    expect(page.get_by_role("heading", level=1)).to_have_text("Results")
    expect(page.locator(".score .percent")).to_have_text("100%")


def minutes_and_seconds(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def test_a_bank_exam_shows_the_time_left_and_counts_down(page, live_server, live_app):
    page.js = True  # type: ignore[attr-defined]
    sign_in(page, live_server, live_app)
    # The page's clock stands still unless the test moves it, so the countdown is checked step by step
    # however long the server takes to answer.
    page.clock.install()
    page.clock.pause_at(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    page.goto(live_server.url + "/quizzes")
    page.locator("summary", has_text="Every question type").click()
    page.get_by_role("button", name="Start Exam", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 1 of 3")
    clock = page.locator(".timer-clock")
    left = int(page.locator(".timer").get_attribute("data-remaining"))
    assert 9 * 60 < left <= 10 * 60  # a ten-minute exam, just begun
    expect(clock).to_have_text(minutes_and_seconds(left))
    page.clock.run_for(3_000)
    expect(clock).to_have_text(minutes_and_seconds(left - 3))
    page.clock.resume()
    check(page)
    page.get_by_role("link", name="Leave and resume later").click()
    expect(page.locator("section", has_text="Carry on where you left off")).to_contain_text("Exam")
    page.get_by_role("link", name="Exam", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 1 of 3")


def test_a_malformed_answer_is_explained_on_the_page(page, live_server, live_app):
    page.js = True  # type: ignore[attr-defined]
    sign_in(page, live_server, live_app)
    build_quiz(page, live_server, "exam")
    for _ in range(8):
        if question_type(page) == "numeric":
            break
        page.get_by_role("button", name=re.compile("^Save and")).first.click()
    page.get_by_label(re.compile("^Your answer")).fill("about three")
    page.get_by_role("button", name=re.compile("^Save and")).first.click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Your answer was not saved")
    expect(alert).to_contain_text("Enter a number")
    expect(alert).to_be_focused()
    expect(page.get_by_role("textbox", name=re.compile("^Your answer"))).to_have_value("about three")
    check(page)


def test_quiz_pages_fit_a_phone(phone_page, live_server, live_app):
    page = phone_page
    page.js = True  # type: ignore[attr-defined]
    sign_in(page, live_server, live_app)
    build_quiz(page, live_server, "exam")
    heading = page.get_by_role("heading", level=1)
    for position in range(1, 9):
        # Measured only once the page has come: answering starts a navigation and returns at once.
        expect(heading).to_have_text(f"Question {position} of 8")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"question {position} ({question_type(page)}) scrolls sideways by {overflow}px"
        check(page)
        answer(page, keyboard=False)
    expect(heading).to_have_text("Review and submit")
    page.get_by_role("button", name="Submit my answers").click()
    for path in ("", "/quizzes", "/history"):
        if path:
            page.goto(live_server.url + path)
        expect(heading).to_have_text({"": "Results", "/quizzes": "Quizzes", "/history": "My history"}[path])
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path or 'results'} scrolls sideways by {overflow}px"
        check(page)
