"""In Chromium: results with the history of each question and Retry what I missed, a card's back with its
history, the grade bar and quiz timer that stay on a phone's screen, keyboard hints only with a mouse, My
history on a phone, and a grade sent again after the browser's Back button refused. At desktop size and
390 px wide, with JavaScript on and off; axe-core on every page and state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Bank, Card, Question, Review, User

from ..conftest import BROWSER_TIMEOUT_MS
from .test_browse import assert_accessible
from .test_quizzes import answer, build_quiz, question_type, sign_in

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
KEYS = {  # the question of each type in the all-types bank
    "single": "single-1",
    "multiple": "multiple-1",
    "true_false": "tf-1",
    "short_answer": "short-1",
    "numeric": "numeric-1",
    "cloze": "cloze-1",
    "matching": "matching-1",
    "ordering": "ordering-1",
}
AHSCT = "Autologous haematopoietic stem cell transplantation (aHSCT) for MS"


def new_page(browser_instance, viewport: dict, js: bool) -> Page:
    """A page of its own context; a phone one has touch and no mouse, as a phone does. Without JavaScript it
    has a twin with JavaScript, in which axe-core checks its pages (see :func:`check`)."""
    phone = viewport["width"] < 600
    options = {"viewport": viewport, "is_mobile": phone, "has_touch": phone}
    context = browser_instance.new_context(java_script_enabled=js, **options)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.js = js  # type: ignore[attr-defined]
    if not js:
        page.twin = browser_instance.new_context(**options).new_page()  # type: ignore[attr-defined]
    return page


def close(page: Page) -> None:
    if not page.js:  # type: ignore[attr-defined]
        page.twin.context.close()  # type: ignore[attr-defined]
    page.context.close()


WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)"""
SIZES_AND_SCRIPT = [(DESKTOP, True), (DESKTOP, False), (PHONE, True), (PHONE, False)]


@pytest.fixture(params=SIZES_AND_SCRIPT, ids=lambda p: f"{p[0]['width']}px-{'js' if p[1] else 'no-js'}")
def any_page(request, browser_instance):
    """A page at desktop size and 390 px wide, with JavaScript on and off."""
    viewport, js = request.param
    page = new_page(browser_instance, viewport, js)
    yield page
    close(page)


def check(page: Page, open_details: bool = False) -> None:
    """axe-core finds nothing and the page does not scroll sideways. A page shown without JavaScript is
    checked by loading it again in its twin with JavaScript (GET pages change nothing); ``open_details``
    opens every folded history first, so that what it holds is checked too."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px: {page.evaluate(WIDE)}"
    target = page
    if not page.js:  # type: ignore[attr-defined]
        target = page.twin  # type: ignore[attr-defined]
        target.context.clear_cookies()
        target.context.add_cookies(page.context.cookies())
        target.goto(page.url)
        expect(target.locator("h1")).to_have_text(page.locator("h1").inner_text())
    if open_details:
        target.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert_accessible(target)


def reviews_of(live_app, login: str) -> list[int]:
    with live_app.app_context():
        user = db.session.scalars(select(User).where(User.username == login)).one()
        query = select(Review.rating).where(Review.user_id == user.id).order_by(Review.id)
        return list(db.session.scalars(query))


def make_deck(page: Page, live_server, bank_title: str) -> None:
    page.goto(live_server.url + "/decks")
    page.get_by_role("link", name=bank_title, exact=True).click()
    page.get_by_role("button", name="Make the deck").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(bank_title)


# --- results, history and Retry what I missed ---------------------------------------------------------------


def test_results_then_retry_what_i_missed(any_page, live_server, live_app):
    page = any_page
    sign_in(page, live_server, live_app)
    build_quiz(page, live_server, "practice")
    for position in range(1, 9):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Question {position} of 8")
        if position <= 3:  # three left blank: not answered, so missed
            page.get_by_role("button", name="Check my answer").click()
        else:
            answer(page, keyboard=False)
        expect(page.locator("#feedback")).to_be_visible()
        page.locator("a[data-primary]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results")
    expect(page.locator(".score .percent")).to_have_text("62%")  # 5 of 8

    by_tag = page.get_by_role("table", name=re.compile("Your score on the questions of each tag"))
    expect(by_tag.get_by_role("row", name=re.compile("demo"))).to_contain_text("5 of 8")
    history = page.locator("details.history-details").first
    expect(history.locator(".history-body")).to_be_hidden()
    history.locator("summary").click()
    expect(history).to_contain_text("Practice quiz (this one)")
    expect(history).to_contain_text("Not answered, 0 of 1 point")
    expect(history).to_contain_text("Chance of recalling it now")  # the quiz answer fed its card
    check(page, open_details=True)

    retry = page.get_by_role("button", name="Retry what I missed")
    expect(retry).to_be_visible()
    expect(page.locator("#retry-hint")).to_contain_text("the 3 questions you did not get fully right")
    retry.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 1 of 3")
    expect(page.locator(".quiz-title")).to_contain_text("Retry what I missed: Custom quiz: Every question type")
    check(page)
    for position in range(1, 4):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Question {position} of 3")
        answer(page, keyboard=False)
        expect(page.locator("#feedback h2")).to_have_text("Correct")
        page.locator("a[data-primary]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results")
    expect(page.locator(".score .percent")).to_have_text("100%")
    expect(page.get_by_text("You got every question right, so there is nothing to retry.")).to_be_visible()
    expect(page.get_by_role("button", name="Retry what I missed")).to_have_count(0)
    check(page)


def test_a_cards_back_shows_its_history(any_page, live_server, live_app):
    page = any_page
    sign_in(page, live_server, live_app)
    build_quiz(page, live_server, "practice")
    key = KEYS[question_type(page)]
    answer(page, keyboard=False)  # the first question, right
    expect(page.locator("#feedback h2")).to_have_text("Correct")
    make_deck(page, live_server, "Every question type")
    deck = page.url.rsplit("/", 1)[1]
    with live_app.app_context():
        card = db.session.scalars(
            select(Card.id).join(Question).join(Bank).where(Bank.slug == "all-types", Question.key == key)
        ).first()
    page.goto(f"{live_server.url}/study/{deck}?card={card}")
    page.get_by_role("button", name="Show answer").click()
    expect(page.locator("#card-answer")).to_be_visible()
    history = page.locator("#card-history")
    expect(history.get_by_text("Your memory of it now")).to_be_hidden()  # folded until asked for
    history.get_by_text("Your history with this question").click()
    expect(history).to_contain_text("Practice quiz")
    expect(history).to_contain_text("Correct, 1 of 1 point")
    expect(history).to_contain_text("Chance of recalling it now")
    expect(history).to_contain_text("Times are in your time zone, UTC")
    check(page, open_details=True)
    page.get_by_role("button", name=re.compile("^Good")).click()
    expect(page.get_by_role("button", name="Show answer")).to_be_visible()


@pytest.mark.parametrize("width", [1280, 390])
def test_no_question_page_scrolls_sideways(browser_instance, live_server, live_app, width):
    """A visually hidden legend (a cloze question's) once stretched from where it starts to the page's width."""
    page = new_page(browser_instance, {"width": width, "height": 900}, False)
    try:
        sign_in(page, live_server, live_app)
        build_quiz(page, live_server, "exam")
        for position in range(1, 9):
            expect(page.get_by_role("heading", level=1)).to_have_text(f"Question {position} of 8")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{question_type(page)} scrolls sideways by {overflow}px: {page.evaluate(WIDE)}"
            page.get_by_role("button", name=re.compile("^Save and")).first.click()
    finally:
        close(page)


# --- a study session on a phone ---------------------------------------------------------------------------


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_grade_bar_stays_on_a_phones_screen_after_show_answer(browser_instance, live_server, live_app, js):
    page = new_page(browser_instance, PHONE, js)
    try:
        sign_in(page, live_server, live_app)
        make_deck(page, live_server, AHSCT)
        page.get_by_role("link", name="Study now").click()
        page.get_by_role("button", name="Show answer").click()
        grades = page.locator("form.grades")
        expect(grades).to_be_visible()
        box = page.evaluate(
            """() => { const g = document.querySelector('form.grades').getBoundingClientRect();
                       const a = document.getElementById('card-answer').getBoundingClientRect();
                       return {top: g.top, bottom: g.bottom, answerBottom: a.bottom, height: innerHeight,
                               position: getComputedStyle(document.querySelector('form.grades')).position}; }"""
        )
        assert box["position"] == "sticky"
        assert box["answerBottom"] > box["height"], "this card's answer should be longer than the screen"
        assert box["top"] >= 0 and box["bottom"] <= box["height"], box  # the buttons are on screen
        for name in ("Again", "Hard", "Good", "Easy"):
            expect(page.get_by_role("button", name=re.compile(f"^{name}"))).to_be_in_viewport()
        check(page)

        # At the end of the card the bar is in its place, below everything: it covers nothing.
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        end = page.evaluate(
            """() => ({grades: document.querySelector('form.grades').getBoundingClientRect().top,
                       above: document.getElementById('card-history').getBoundingClientRect().bottom})"""
        )
        assert end["grades"] >= end["above"] - 0.5, end
        page.get_by_role("button", name=re.compile("^Good")).click()
        expect(page.get_by_role("button", name="Show answer")).to_be_visible()
    finally:
        close(page)


def test_the_grade_bar_is_in_the_page_flow_on_a_desktop(page, live_server, live_app):
    sign_in(page, live_server, live_app)
    make_deck(page, live_server, AHSCT)
    page.get_by_role("link", name="Study now").click()
    page.get_by_role("button", name="Show answer").click()
    expect(page.locator("form.grades")).to_have_css("position", "static")


def test_the_quiz_timer_stays_in_view(browser_instance, live_server, live_app):
    page = new_page(browser_instance, {"width": 390, "height": 560}, True)
    try:
        sign_in(page, live_server, live_app)
        page.goto(live_server.url + "/quizzes")
        page.locator("summary", has_text="Every question type").click()
        page.get_by_role("button", name="Start Exam", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Question 1 of 3")
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        assert page.evaluate("window.scrollY") > 100, "the page should scroll at this height"
        top = page.evaluate("document.querySelector('.timer').getBoundingClientRect().top")
        assert -0.5 <= top <= 0.5, top  # stuck to the top of the screen
        expect(page.locator(".timer")).to_be_in_viewport()
        expect(page.get_by_role("timer")).to_have_text(re.compile(r"^\d+:\d\d$"))
        check(page)
    finally:
        close(page)


def test_keyboard_hints_only_where_a_keyboard_is_likely(browser_instance, live_server, live_app):
    """A phone (touch, no mouse) gets no key hints, even with the script that makes the keys work."""
    phone = new_page(browser_instance, PHONE, True)
    desktop = new_page(browser_instance, DESKTOP, True)
    try:
        sign_in(phone, live_server, live_app)
        desktop.context.add_cookies(phone.context.cookies())
        build_quiz(phone, live_server, "practice")
        url = phone.url
        for page in (phone, desktop):
            page.goto(url)
            expect(page.get_by_role("heading", level=1)).to_have_text("Question 1 of 8")
        expect(desktop.locator(".keys-hint")).to_be_visible()
        expect(phone.locator(".keys-hint")).to_be_hidden()
        if desktop.locator(".choices").count():
            expect(desktop.locator(".choice .key").first).to_be_visible()
            expect(phone.locator(".choice .key").first).to_be_hidden()
        make_deck(phone, live_server, "Every question type")
        for page in (phone, desktop):
            page.goto(phone.url.replace("/decks/", "/study/"))
            expect(page.get_by_role("button", name="Show answer")).to_be_visible()
        expect(desktop.locator("#keys")).to_be_visible()
        expect(phone.locator("#keys")).to_be_hidden()
    finally:
        close(phone)
        close(desktop)


# --- My history on a phone ---------------------------------------------------------------------------------


def test_my_history_fits_a_phone_with_its_links_in_reach(browser_instance, live_server, live_app):
    page = new_page(browser_instance, PHONE, True)
    try:
        sign_in(page, live_server, live_app)
        build_quiz(page, live_server, "exam")
        page.get_by_role("link", name="Leave and resume later").click()
        build_quiz(page, live_server, "practice")
        page.goto(live_server.url + "/history")
        expect(page.get_by_role("heading", level=1)).to_have_text("My history")
        for link in (page.get_by_role("link", name=re.compile("^In progress: resume")).first,):
            box = link.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
            assert box["height"] >= 44, box  # a target a finger can hit
        expect(page.get_by_role("table", name="Your quizzes, newest first")).to_be_visible()
        expect(page.get_by_role("columnheader", name="Score")).to_have_count(1)
        expect(page.get_by_role("row")).to_have_count(3)  # the header and two attempts, each a row still
        check(page)
    finally:
        close(page)


# --- a grade sent again after Back -------------------------------------------------------------------------


def test_back_then_grade_again_is_refused(browser_instance, live_server, live_app):
    """Without JavaScript every step is a page: Show answer, Good, then the browser's Back button shows the
    answer page again, and Easy on it is refused (409) with a message; the first grade alone is kept."""
    page = new_page(browser_instance, DESKTOP, False)
    try:
        login = sign_in(page, live_server, live_app)
        make_deck(page, live_server, "Every question type")
        page.get_by_role("link", name="Study now").click()
        page.get_by_role("button", name="Show answer").click()
        expect(page).to_have_url(re.compile(r"/study/\d+/answer\?card=\d+&shown=\d+&version=0$"))
        page.get_by_role("button", name=re.compile("^Good")).click()
        expect(page).to_have_url(re.compile(r"/study/\d+$"))
        expect(page.locator(".card-front")).to_contain_text("Which cells make myelin?")
        assert reviews_of(live_app, login) == [3]

        page.go_back()
        expect(page).to_have_url(re.compile(r"/answer\?card=\d+&shown=\d+&version=0$"))
        expect(page.locator("#card-answer")).to_contain_text("The central nervous system")
        with page.expect_response(re.compile(r"/grade$")) as refused:
            page.get_by_role("button", name=re.compile("^Easy")).click()
        assert refused.value.status == 409
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("This card has already been graded since this page was shown")
        expect(alert).to_contain_text("Back button")
        expect(page.locator(".card-front")).to_contain_text("Which cells make myelin?")  # the card due now
        assert reviews_of(live_app, login) == [3]
    finally:
        close(page)


def test_with_javascript_back_leaves_the_session_and_a_second_tab_is_refused(browser_instance, live_server, live_app):
    """With JavaScript the cards are swapped in place, so Back leaves the session rather than showing a card
    already graded; a grade from another tab that showed the same card is refused, with the message read out."""
    page = new_page(browser_instance, DESKTOP, True)
    try:
        login = sign_in(page, live_server, live_app)
        make_deck(page, live_server, "Every question type")
        deck_url = page.url
        page.get_by_role("link", name="Study now").click()
        page.get_by_role("button", name="Show answer").click()
        page.get_by_role("button", name=re.compile("^Good")).click()
        expect(page.locator(".card-front")).to_contain_text("Which cells make myelin?")
        page.go_back()
        expect(page).to_have_url(deck_url)
        page.go_forward()
        expect(page.locator(".card-front")).to_contain_text("Which cells make myelin?")

        other = page.context.new_page()
        other.goto(page.url)
        for tab in (page, other):
            tab.get_by_role("button", name="Show answer").click()
            expect(tab.locator("#card-answer")).to_contain_text("Oligodendrocytes")
        other.get_by_role("button", name=re.compile("^Hard")).click()
        expect(other.locator(".card-front")).not_to_contain_text("Which cells make myelin?")
        page.get_by_role("button", name=re.compile("^Easy")).click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("already been graded since this page was shown")
        expect(page.locator("#announcer")).to_contain_text("already been graded")
        assert_accessible(page)
        assert reviews_of(live_app, login) == [3, 2]
    finally:
        close(page)
