"""A bank overdue for review and dated facts, as a learner and a teacher see them in Chromium, on a desktop
and a phone screen, with axe-core on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ..conftest import LiveServer, bank_yaml, make_app
from ..test_freshness_pages import DATED
from .test_accounts import fill_login, make_user
from .test_browse import assert_accessible

pytestmark = pytest.mark.browser
NOTICE = "Not reviewed for over a year"


@pytest.fixture
def stale_server(tmp_path):
    """A server of its own with one bank reviewed long ago, so the shared live server's banks stay as they are."""
    app = make_app(f"sqlite:///{tmp_path / 'stale.sqlite'}", tmp_path)
    path = tmp_path / "old.yaml"
    path.write_text(bank_yaml("old", questions=DATED, reviewed_on="2025-06-30", title='"An old bank"'))
    result = app.test_cli_runner().invoke(args=["bank", "import", str(path)])
    assert result.exit_code == 0, result.output
    make_user(app, "reader")
    make_user(app, "keeper", role="teacher")
    with LiveServer(app) as server:
        yield server


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert_accessible(page)


def test_a_learner_is_told_a_bank_is_overdue_and_when_its_facts_are_dated(page, phone_page, stale_server):
    for shown in (page, phone_page):
        shown.goto(stale_server.url + "/banks/old")
        notice = shown.get_by_role("note", name="Content not recently reviewed")
        expect(notice).to_contain_text("An old bank was last checked against its sources on 30 June 2025")
        expect(shown.locator(".question-list")).to_contain_text("Facts as of September 2020")
        expect(shown.locator(".question-list")).to_contain_text("Facts as of 14 January 2025")
        fits(shown)

    page.goto(stale_server.url + "/login")
    fill_login(page, "reader")
    page.goto(stale_server.url + "/quizzes/build")
    build = page.get_by_role("main")
    build.get_by_label("An old bank").check()
    build.get_by_label("Number of questions").fill("2")
    build.get_by_role("button", name="Start my quiz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 1 of 2")
    expect(page.get_by_role("note", name="Content not recently reviewed")).to_contain_text("An old bank")
    fits(page)


def test_a_teacher_sees_the_overdue_flag(page, stale_server):
    page.goto(stale_server.url + "/login")
    fill_login(page, "keeper")
    page.goto(stale_server.url + "/teach/banks")
    row = page.get_by_role("row", name="An old bank")
    expect(row).to_contain_text("Review overdue")
    fits(page)
