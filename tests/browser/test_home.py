"""The home page in Chromium, at desktop and phone widths, with JavaScript on and off: a brand-new learner is
shown where to start; a learner with due cards and an unfinished quiz logs in, lands on home, presses Continue,
comes back and discards the quiz, and Continue then studies the due cards. axe-core checks every state."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Bank, Question, QuestionRevision, User, utcnow
from quizapp.operations.cards import create_deck
from quizapp.operations.quizzes import BankQuiz, CustomQuiz, save_answer, start_attempt

from ..conftest import BROWSER_TIMEOUT_MS, PASSWORD
from ..test_quizzes import WRONG
from .test_accounts import make_user
from .test_browse import assert_accessible

pytestmark = pytest.mark.browser
_numbers = itertools.count(1)
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(itertools.product(SIZES, ["javascript", "no javascript"])), ids="-".join)
def home_page(request, browser_instance):
    """A page at desktop or phone size, with JavaScript on or off; without it, axe-core (which needs
    JavaScript) checks each page again in a twin that shares the cookies."""
    size, js = request.param[0], request.param[1] == "javascript"
    phone = size == "phone"
    options = {"viewport": SIZES[size], "is_mobile": phone, "has_touch": phone}
    context = browser_instance.new_context(java_script_enabled=js, **options)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.js = js  # type: ignore[attr-defined]
    twin_context = None
    if not js:
        twin_context = browser_instance.new_context(**options)
        page.twin = twin_context.new_page()  # type: ignore[attr-defined]
    yield page
    context.close()
    if twin_context is not None:
        twin_context.close()


def check(page: Page) -> None:
    """One h1, no sideways scrolling, and axe-core finds nothing (in the twin when JavaScript is off)."""
    expect(page.locator("h1")).to_have_count(1)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    if page.js:  # type: ignore[attr-defined]
        assert_accessible(page)
        return
    twin = page.twin  # type: ignore[attr-defined]
    twin.context.clear_cookies()
    twin.context.add_cookies(page.context.cookies())
    twin.goto(page.url)
    expect(twin.locator("h1")).to_have_text(page.locator("h1").inner_text())
    assert_accessible(twin)


def log_in(page: Page, live_server, login: str) -> None:
    page.goto(live_server.url + "/login")
    page.get_by_label("Email address or username").fill(login)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    assert page.url == live_server.url + "/"


def with_due_cards_and_an_unfinished_quiz(live_app, login: str) -> None:
    """A deck of the all-types bank whose single-choice card is due (a wrong practice answer made it
    Again), and the bank's exam started with one question answered."""
    with live_app.app_context():
        user = db.session.scalars(select(User).where(User.username == login)).one()
        bank = db.session.scalars(select(Bank).where(Bank.slug == "all-types")).one()
        create_deck(db.session, user, bank.id, [], utcnow())
        practice = start_attempt(db.session, user, CustomQuiz(["all-types"], count=8), utcnow())
        for position in range(1, 9):
            save_answer(db.session, user.id, practice.id, position, WRONG[key_at(practice, position)], utcnow())
        exam = start_attempt(db.session, user, BankQuiz("all-types", "exam"), utcnow())
        save_answer(db.session, user.id, exam.id, 1, WRONG[key_at(exam, 1)], utcnow())
        db.session.commit()


def key_at(attempt, position: int) -> str:
    revision = db.session.get(QuestionRevision, attempt.question_revision_ids[position - 1])
    return db.session.get(Question, revision.question_id).key


def test_a_brand_new_learner_lands_on_home_and_is_shown_where_to_start(home_page, live_server, live_app):
    page = home_page
    login = f"newcomer{next(_numbers)}"
    make_user(live_app, login)
    log_in(page, live_server, login)
    expect(page.get_by_role("heading", name="Where to start")).to_be_visible()
    expect(page.get_by_text("You have no deck yet")).to_be_visible()
    expect(page.get_by_role("heading", name="Unfinished quizzes")).to_have_count(0)
    check(page)
    page.get_by_role("link", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quizzes")
    check(page)


def test_continue_then_discard_the_quiz_then_continue_to_the_due_cards(home_page, live_server, live_app):
    page = home_page
    login = f"regular{next(_numbers)}"
    make_user(live_app, login)
    with_due_cards_and_an_unfinished_quiz(live_app, login)
    log_in(page, live_server, login)
    expect(page.get_by_role("heading", name="Carry on with your quiz")).to_be_visible()
    expect(page.locator("#continue-text")).to_have_text(re.compile(r"^“Exam”: 1 of 3 answered, \d:\d\d left\.$"))
    deck_row = page.get_by_role("row", name="Every question type")
    expect(deck_row.get_by_role("link", name="Study now: Every question type")).to_be_visible()
    expect(page.locator(".unfinished-list")).to_contain_text("1 of 3 answered")
    check(page)

    page.get_by_role("link", name="Continue", exact=True).click()  # the quiz, at its first unanswered question
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 2 of 3")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()

    page.get_by_role("link", name="Discard Exam").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Discard this quiz?")
    check(page)
    page.get_by_role("link", name="Keep it").click()  # changing one's mind changes nothing
    expect(page.locator(".unfinished-list")).to_contain_text("1 of 3 answered")
    page.get_by_role("link", name="Discard Exam").click()
    page.get_by_role("button", name="Discard this quiz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    expect(page.locator(".flash")).to_have_text("You discarded “Exam”.")
    expect(page.get_by_role("heading", name="Unfinished quizzes")).to_have_count(0)
    expect(page.get_by_role("heading", name="Cards are due")).to_be_visible()
    check(page)

    page.get_by_role("link", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Study: Every question type")
    page.goto(live_server.url + "/history")
    expect(page.get_by_role("row", name="Exam")).to_contain_text("Discarded")


def test_the_quiz_builders_errors_take_the_focus(home_page, live_server, live_app):
    """Nothing ticked and 0 questions: the page comes back with the error summary on screen and focused."""
    page = home_page
    login = f"builder{next(_numbers)}"
    make_user(live_app, login)
    log_in(page, live_server, login)
    page.goto(live_server.url + "/quizzes/build")
    page.get_by_label("Number of questions").fill("0")
    page.get_by_role("button", name="Start my quiz").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Choose at least one bank.")
    expect(summary).to_be_focused()
    assert page.evaluate("document.getElementById('error-summary').getBoundingClientRect().top") < 400
    check(page)
    summary.get_by_role("link", name="Choose at least one bank.").click()
    expect(page.locator("#build-banks")).to_be_focused()


def test_start_on_a_quiz_in_progress_offers_it_back(home_page, live_server, live_app):
    page = home_page
    login = f"again{next(_numbers)}"
    make_user(live_app, login)
    log_in(page, live_server, login)
    for _ in range(2):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Quizzes").click()
        page.locator("summary", has_text="Every question type").click()
        page.get_by_role("button", name="Start Practice", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have already started this quiz")
    expect(page.locator(".confirm")).to_contain_text("0 of 5 answered")
    check(page)
    page.get_by_role("button", name="Start afresh").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 1 of 5")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My history").click()
    expect(page.get_by_role("row", name="Practice")).to_have_count(2)
    expect(page.locator("tbody")).to_contain_text("Discarded")
