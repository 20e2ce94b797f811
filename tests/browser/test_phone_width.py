"""No page scrolls sideways on a phone: every main page, 390 CSS pixels wide, in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from quizapp.domain.types import QUIZ_TYPES
from quizapp.extensions import db
from quizapp.models import Bank, Question, QuestionRevision, User, utcnow
from quizapp.operations.cards import create_deck
from quizapp.operations.quizzes import CustomQuiz, save_answer, start_attempt

from ..conftest import BROWSER_TIMEOUT_MS
from ..domain.test_quizzes import RIGHT
from .test_accounts import fill_login, make_user, unique

pytestmark = pytest.mark.browser
WIDTH = 390


def ready(live_app, login: str) -> tuple[int, int, int, list[str]]:
    """The learner's id, a practice attempt at every quiz question of the all-types bank (with the key of
    each question, by position) and a deck of that bank."""
    with live_app.app_context():
        user = db.session.scalars(select(User).where(User.username == login)).one()
        bank_id = db.session.scalar(select(Bank.id).where(Bank.slug == "all-types"))
        attempt = start_attempt(db.session, user, CustomQuiz(["all-types"], count=len(QUIZ_TYPES)), utcnow(), seed=1)
        deck = create_deck(db.session, user, bank_id, [], utcnow())
        db.session.commit()
        keys = dict(db.session.execute(select(QuestionRevision.id, Question.key).join(Question)).all())
        result = (user.id, attempt.id, deck.id, [keys[r] for r in attempt.question_revision_ids])
        db.session.rollback()
    return result


def answer(live_app, user_id: int, attempt_id: int, position: int, key: str) -> None:
    with live_app.app_context():
        save_answer(db.session, user_id, attempt_id, position, RIGHT[key], utcnow())
        db.session.commit()


def test_no_main_page_scrolls_sideways_at_390_pixels(browser_instance, live_server, live_app):
    context = browser_instance.new_context(viewport={"width": WIDTH, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    wide: list[str] = []

    def measure(path: str | None, what: str | None = None) -> None:
        if path is not None:
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > WIDTH:
            wide.append(f"{what or path}: {width}px")

    try:
        login = unique("narrow")
        make_user(live_app, login)
        page.goto(live_server.url + "/login")
        fill_login(page, login)
        expect(page.locator(".signed-in")).to_contain_text(login)
        user_id, attempt, deck, keys = ready(live_app, login)

        for path in ("/", "/banks/all-types", "/banks/ms-immunology-pathology", "/search?q=myelin", "/quizzes"):
            measure(path)
        types_seen = set()
        for position, key in enumerate(keys, 1):  # each question, then its feedback
            measure(f"/attempts/{attempt}/questions/{position}")
            types_seen |= {t for t in QUIZ_TYPES if page.locator(f"fieldset.question-{t}").count()}
            answer(live_app, user_id, attempt, position, key)
            measure(f"/attempts/{attempt}/questions/{position}", f"the feedback on question {position}")
        assert types_seen == set(QUIZ_TYPES)  # a question page of every type was measured
        for path in (f"/attempts/{attempt}/results", "/history", "/decks", f"/decks/{deck}", f"/study/{deck}"):
            measure(path)
        page.get_by_role("button", name="Show answer").click()
        expect(page.locator(".card-back")).to_be_visible()
        measure(None, "a card's answer")
        for path in ("/settings/scheduler", "/account"):
            measure(path)
        assert not wide, wide
    finally:
        context.close()
