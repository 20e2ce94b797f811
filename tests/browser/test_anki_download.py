"""The decks page's *Download for Anki* link downloads the deck as an .apkg; the page stays accessible."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Bank, User, utcnow
from quizapp.operations.cards import create_deck

from .test_accounts import make_user
from .test_browse import assert_accessible
from .test_home import log_in

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("QUIZAPP_SCREENSHOTS")  # a folder to keep screenshots in while working on the page


def test_a_learner_downloads_a_deck_for_anki(page: Page, live_server, live_app):
    make_user(live_app, "anki-learner")
    with live_app.app_context():
        user = db.session.scalars(select(User).where(User.username == "anki-learner")).one()
        bank = db.session.scalars(select(Bank).where(Bank.slug == "all-types")).one()
        create_deck(db.session, user, bank.id, [], utcnow())
        db.session.commit()
    log_in(page, live_server, "anki-learner")
    page.goto(live_server.url + "/decks")
    link = page.get_by_role("link", name="Download for Anki: Every question type")
    expect(link).to_be_visible()
    assert_accessible(page)
    for width, scheme in ((1280, "light"), (1280, "dark"), (390, "light"), (390, "dark")):
        page.set_viewport_size({"width": width, "height": 700})
        page.emulate_media(color_scheme=scheme)
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/decks-{width}-{scheme}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "all-types.apkg"
    assert download.value.path().read_bytes()[:2] == b"PK"
