"""The teacher's pages in Chromium: the teacher's home, item analysis (of an assignment and of a bank's quiz)
and what a class has forgotten, on a desktop and at 390 px wide, in light and dark mode, with JavaScript on and
off; axe-core finds nothing and no page scrolls sideways. Each page is also saved as a screenshot in the
test's temporary folder, to look at."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from quizapp.domain.banks import parse_bank
from quizapp.extensions import db
from quizapp.models import Attempt, Bank, Question, User, utcnow
from quizapp.operations import import_bank
from quizapp.operations.cards import record_quiz_outcome

from ..analysis_data import add_attempts, make_class
from ..conftest import bank_yaml
from ..test_item_analysis_pages import QUESTIONS, picks
from .test_accounts import fill_login, make_user, unique
from .test_stats import accessible, no_sideways_scroll
from .test_stats import make_page as make_page  # a fixture, made available here

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def school(live_app) -> dict:
    """A teacher, twelve learners in their class, a bank of three questions with a quiz, homework due two days
    ago that every learner took (one late, one still open), and quiz answers that fed the learners' cards."""
    slug, teacher = unique("france"), unique("teacher")
    make_user(live_app, teacher, role="teacher")
    logins = [unique("pupil") for _ in range(12)]
    for login in logins:
        make_user(live_app, login)
    now = utcnow()
    with live_app.app_context():
        source = bank_yaml(slug, QUESTIONS).encode()
        import_bank(db.session, parse_bank(source, "france.yaml"), source, "france.yaml", now)
        ids = [db.session.scalar(select(User.id).where(User.username == login)) for login in logins]
        db.session.commit()
    class_id, homework = make_class(live_app, teacher, ids, slug, due=now - dt.timedelta(days=2))
    make_class(live_app, teacher, [], slug, due=now + dt.timedelta(days=3), title="France test")
    with live_app.app_context():
        attempts = add_attempts(
            db.session, slug, ids, picks, now - dt.timedelta(days=4), quiz_key="final", assignment_id=homework
        )
        db.session.get(Attempt, attempts[0]).finished_at = now - dt.timedelta(days=1)
        questions = db.session.scalars(select(Question).join(Bank).where(Bank.slug == slug)).all()
        for n, uid in enumerate(ids):  # the first six remember, the others forgot
            user = db.session.get(User, uid)
            for question in questions:
                when = now - dt.timedelta(days=3)
                record_quiz_outcome(db.session, user, question, n < 6, when, token=f"{slug}-{n}-{question.key}")
        db.session.commit()
    return {"teacher": teacher, "slug": slug, "class_id": class_id, "homework": homework}


def pages(school: dict) -> list[tuple[str, str, str]]:
    """(name, path, heading) of each page."""
    return [
        ("home", "/teach/", "Teaching"),
        ("assignment-analysis", f"/teach/assignments/{school['homework']}/analysis", "Item analysis: France homework"),
        ("quiz-analysis", f"/teach/banks/{school['slug']}/analysis?quiz=final", "Item analysis: France: final"),
        ("forgotten", f"/teach/classes/{school['class_id']}/forgotten", "What Year 9 geography has forgotten"),
    ]


def log_in_as(page: Page, live_server, login: str) -> None:
    page.goto(live_server.url + "/login")
    fill_login(page, login)
    expect(page.locator(".signed-in")).to_contain_text(login)


@pytest.mark.parametrize(
    ("width", "scheme", "javascript"),
    [(1280, "light", True), (1280, "dark", False), (390, "light", False), (390, "dark", True)],
)
def test_the_teacher_pages_everywhere(make_page, live_server, school, tmp_path, width, scheme, javascript):
    page = make_page(width, scheme, javascript)
    log_in_as(page, live_server, school["teacher"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Teaching").click()
    for name, path, heading in pages(school):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        page.screenshot(path=str(tmp_path / f"{name}-{width}-{scheme}.png"), full_page=True)
        no_sideways_scroll(page)
        accessible(page)


def test_the_teacher_follows_the_home_page_to_the_analysis_and_the_csv(page, live_server, school):
    log_in_as(page, live_server, school["teacher"])
    page.goto(live_server.url + "/teach/")
    expect(page.locator("#attention")).to_contain_text("Handed in late")
    page.locator("#flagged").get_by_role("link", name="France homework").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Item analysis: France homework")
    expect(page.locator("#flagged")).to_contain_text("Nobody picked the distractor “Nice”")
    page.get_by_label("Attempts").select_option("all")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"attempts=all"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this table as CSV").click()
    text = download.value.path().read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("Bank id,Question id,Question,Type,Attempts,Facility index (%)")
    page.locator("#flagged").get_by_role("link", name=re.compile("Review question")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bank {school['slug']}")
    expect(page.locator("#q-capital")).to_be_visible()
