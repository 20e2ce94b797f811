"""The statistics page in Chromium: with a learner's history and with none, on a desktop and at 390 px wide, in
light and dark mode, with JavaScript on and off; axe-core finds nothing, the page never scrolls sideways, the
filter works from the keyboard, and every chart's numbers open beside it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from quizapp.domain import scheduling
from quizapp.extensions import db
from quizapp.models import Bank, Card, Question, QuestionRevision, User
from quizapp.operations.cards import create_deck, grade, save_settings
from quizapp.operations.quizzes import CustomQuiz, finish_attempt, save_answer, start_attempt

from ..conftest import BROWSER_TIMEOUT_MS
from .test_accounts import fill_login, make_user, unique
from .test_browse import assert_accessible

pytestmark = pytest.mark.browser
CHARTS = 11
ANSWERS = {  # an answer the form accepts, for each question of the all-types bank
    "single-1": {"choice": "a"},
    "multiple-1": {"choice": ["a", "b"]},
    "tf-1": {"choice": "true"},
    "short-1": {"answer": "oligodendrocyte"},
    "numeric-1": {"answer": "2.8"},
    "cloze-1": {"gap-1": "myelin", "gap-2": "central"},
    "matching-1": {"match-1": "1", "match-2": "2"},
    "ordering-1": {"position-1": "1", "position-2": "2", "position-3": "3", "position-4": "4"},
}


def seed(live_app, login: str) -> None:
    """Six weeks of grades on the all-types deck (a few days off), and a practice and an exam quiz finished."""
    now = dt.datetime.now(dt.UTC)
    with live_app.app_context():
        user = db.session.scalars(select(User).where(User.username == login)).one()
        save_settings(db.session, user, scheduling.Settings(enable_fuzzing=False), now - dt.timedelta(days=50))
        bank_id = db.session.scalar(select(Bank.id).where(Bank.slug == "all-types"))
        create_deck(db.session, user, bank_id, [], now - dt.timedelta(days=45))
        cards = db.session.scalars(select(Card).where(Card.bank_id == bank_id).order_by(Card.id)).all()
        for k, card in enumerate(cards):
            for days in (42, 40, 30, 12, 3, 1, 0):
                if (days + k) % 5 == 4:
                    continue  # a day off now and then
                rating = 1 if (days + k) % 7 == 0 else 3
                when = now - dt.timedelta(days=days, minutes=5 + k)
                grade(db.session, user, card, rating, when, token=f"{login}-{k}-{days}", duration_ms=7000)
        for days, mode in ((10, "practice"), (2, "exam")):
            when = now - dt.timedelta(days=days)
            attempt = start_attempt(db.session, user, CustomQuiz(["all-types"], count=4, mode=mode), when, seed=days)
            for position in range(1, attempt.question_count + 1):
                key = db.session.scalar(
                    select(Question.key)
                    .join(QuestionRevision, QuestionRevision.question_id == Question.id)
                    .where(QuestionRevision.id == attempt.question_revision_ids[position - 1])
                )
                moment = when + dt.timedelta(minutes=position)
                save_answer(db.session, user.id, attempt.id, position, ANSWERS[key], moment)
            db.session.refresh(attempt)
            if attempt.in_progress:
                finish_attempt(db.session, attempt, when + dt.timedelta(minutes=3))
        db.session.commit()


@pytest.fixture(scope="module")
def learners(live_app) -> dict[str, str]:
    """A learner with history and one with none."""
    studied, fresh = unique("studied"), unique("fresh")
    make_user(live_app, studied)
    make_user(live_app, fresh)
    seed(live_app, studied)
    return {"data": studied, "empty": fresh}


@pytest.fixture
def make_page(browser_instance) -> Iterator:
    contexts = []

    def make(width: int, scheme: str, javascript: bool) -> Page:
        height = 900 if width > 600 else 800
        pages = []
        for js in (True,) if javascript else (False, True):  # axe-core needs JavaScript: a twin that has it
            context = browser_instance.new_context(
                viewport={"width": width, "height": height}, color_scheme=scheme, java_script_enabled=js
            )
            contexts.append(context)
            pages.append(context.new_page())
            pages[-1].set_default_timeout(BROWSER_TIMEOUT_MS)
        page = pages[0]
        page.twin = pages[-1]  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        context.close()


def open_statistics(page: Page, live_server, login: str) -> None:
    page.goto(live_server.url + "/login")
    fill_login(page, login)
    expect(page.locator(".signed-in")).to_contain_text(login)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Statistics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistics")


def accessible(page: Page, open_numbers: bool = False) -> None:
    """axe-core finds nothing on the page, checked on its twin with JavaScript (the same address, cookies, size
    and colour scheme) when the page has none: the page is only read, and runs no script of its own."""
    twin = page.twin  # type: ignore[attr-defined]
    if twin is not page:
        twin.context.clear_cookies()
        twin.context.add_cookies(page.context.cookies())
        twin.goto(page.url)
        expect(twin.locator("h1")).to_have_text(page.locator("h1").inner_text())
        if open_numbers:
            for summary in twin.locator("details.chart-numbers > summary").all():
                summary.click()
    assert_accessible(twin)


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


@pytest.mark.parametrize(
    ("history", "width", "scheme", "javascript"),
    [
        ("data", 1280, "light", True),
        ("data", 1280, "dark", False),
        ("data", 390, "light", False),
        ("data", 390, "dark", True),
        ("empty", 1280, "dark", True),
        ("empty", 390, "light", False),
    ],
)
def test_the_statistics_page_everywhere(make_page, live_server, learners, history, width, scheme, javascript):
    page = make_page(width, scheme, javascript)
    open_statistics(page, live_server, learners[history])
    charts = page.locator("figure.chart")
    expect(charts).to_have_count(CHARTS)
    if history == "data":
        expect(page.locator("figure.chart svg[role=img]")).to_have_count(CHARTS)
        expect(page.locator("#today .stat-counts")).to_contain_text("cards studied")
        expect(page.locator("#retention table")).to_be_visible()
        expect(page.locator("#mastery table")).to_contain_text("demo")
    else:
        expect(page.locator(".chart-empty")).to_have_count(CHARTS)
        expect(page.locator(".intro")).to_contain_text("Your statistics fill in as you study")
    no_sideways_scroll(page)
    accessible(page)
    if history == "data":  # every chart's numbers, opened: still accessible, still no sideways scroll
        for summary in page.locator("details.chart-numbers > summary").all():
            summary.click()
        expect(page.locator("details.chart-numbers[open]")).to_have_count(CHARTS)
        expect(page.locator("#chart-forecast table.chart-table tbody tr")).to_have_count(30)
        no_sideways_scroll(page)
        accessible(page, open_numbers=True)


def test_the_filter_from_the_keyboard(make_page, live_server, learners):
    page = make_page(1280, "light", True)
    open_statistics(page, live_server, learners["data"])
    page.get_by_label("Deck or bank").focus()
    page.keyboard.press("ArrowDown")  # the learner's deck, first after "All my cards and quizzes"
    page.get_by_label("Period").select_option(label="The last year")
    page.get_by_label("Topic", exact=True).focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Show")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/stats\?scope=deck-\d+&tag=&period=1y$"))
    expect(page.get_by_role("heading", name="Reviews over the last year")).to_be_visible()
    expect(page.get_by_label("Deck or bank")).to_have_value(re.compile(r"^deck-\d+$"))
    accessible(page)


def test_a_bad_filter_is_explained(make_page, live_server, learners):
    page = make_page(390, "dark", False)
    open_statistics(page, live_server, learners["data"])
    response = page.goto(live_server.url + "/stats?period=fortnight&tag=no-such-topic")
    assert response.status == 400
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("These statistics cannot be shown")
    expect(summary).to_contain_text("Choose a topic from the list")
    expect(summary).to_contain_text("Choose a period from the list")
    summary.get_by_role("link", name=re.compile("Choose a period")).click()
    expect(page.get_by_label("Period")).to_be_focused()
    no_sideways_scroll(page)
    accessible(page)
