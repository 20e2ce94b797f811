"""Uploading a bank in Chromium: the preview with its diff (major and minor labelled), publishing, the bank
page at its new version, and discarding — with JavaScript on and off; axe-core checks every new page in both
colour schemes and at phone width; and a large upload's progress page."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from quizapp.domain.jobs import JobKind
from quizapp.extensions import db
from quizapp.models import Job, User, utcnow
from quizapp.operations.jobs import advance, create_job, fail_job

from ..conftest import BROWSER_TIMEOUT_MS, bank_yaml
from ..test_publish import EDITED
from .test_accounts import fill_login, make_user
from .test_browse import assert_accessible

pytestmark = pytest.mark.browser
_numbers = itertools.count(1)
SHOTS = os.environ.get("QUIZAPP_SCREENSHOTS")  # a folder to save screenshots of the new pages in


@pytest.fixture(params=["javascript", "no javascript"])
def any_page(request, browser_instance):
    """A desktop page with JavaScript on, and one with it off (axe-core then checks a twin that has it)."""
    js = request.param == "javascript"
    context = browser_instance.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=js)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.js = js  # type: ignore[attr-defined]
    twin = browser_instance.new_context(viewport={"width": 1280, "height": 900}) if not js else None
    if twin is not None:
        page.twin = twin.new_page()  # type: ignore[attr-defined]
    yield page
    context.close()
    if twin is not None:
        twin.close()


def check(page: Page) -> None:
    """axe-core finds nothing (in a twin with JavaScript when the page has none; it only reads the page)."""
    expect(page.locator("h1")).to_have_count(1)
    if page.js:  # type: ignore[attr-defined]
        assert_accessible(page)
        return
    twin = page.twin  # type: ignore[attr-defined]
    twin.context.clear_cookies()
    twin.context.add_cookies(page.context.cookies())
    twin.goto(page.url)
    assert_accessible(twin)


def upload(page: Page, tmp_path: Path, text: str, name: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    page.get_by_label("Bank file").set_input_files(str(path))
    page.get_by_role("button", name="Check and preview").click()


def edited(bank: str) -> str:
    """The next version of ``bank``: one major change, one minor, one question retired and one added."""
    return EDITED.replace("id: demo", f"id: {bank}").replace("Bank demo", f"Bank {bank}")


def teacher_with_a_bank(page: Page, live_server, live_app, tmp_path: Path) -> str:
    """Log a new teacher in and publish a new bank of theirs; return its id."""
    n = next(_numbers)
    name, bank = f"publisher{n}{'js' if page.js else 'nojs'}", f"pub{n}{'js' if page.js else 'nojs'}"  # type: ignore[attr-defined]
    make_user(live_app, name, role="teacher")
    page.goto(live_server.url + "/teach/banks")
    fill_login(page, name)
    upload(page, tmp_path, bank_yaml(bank), f"{bank}.yaml")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Preview of {bank}.yaml")
    expect(page.locator(".lead")).to_contain_text(f"A new bank, Bank {bank}")
    page.get_by_role("button", name="Publish").first.click()
    expect(page.locator(".notice")).to_contain_text("bank added")
    return bank


def test_a_teacher_previews_the_diff_and_publishes(any_page, live_server, live_app, tmp_path):
    page = any_page
    bank = teacher_with_a_bank(page, live_server, live_app, tmp_path)
    upload(page, tmp_path, edited(bank), "v2.yaml")
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview of v2.yaml")
    counts = page.locator(".change-counts")
    expect(counts).to_contain_text("Changed2: 1 major, 1 minor")
    q1 = page.locator("article", has=page.locator("code", has_text="q1"))
    expect(q1.locator("h3 .severity")).to_have_text("Major")
    expect(q1.locator(".change-label").first).to_contain_text("Major choice a: correct")
    q2 = page.locator("article", has=page.locator("code", has_text="q2"))
    expect(q2.locator("h3 .severity")).to_have_text("Minor")
    expect(q2.locator("ins")).to_contain_text(", reworded")
    expect(q1.locator(".correct-answer")).to_have_text("Correct answer: Wrong")
    check(page)
    page.get_by_role("link", name="Added (1)").click()
    expect(page.locator(".preview-question")).to_contain_text("Accepted answers: it")
    check(page)
    page.get_by_role("button", name="Publish").first.click()
    expect(page.locator(".notice")).to_contain_text("new version published")
    expect(page.locator(".notice")).to_contain_text("Cards restartedq1")
    check(page)
    page.get_by_role("link", name=bank, exact=True).click()
    expect(page.locator(".facts")).to_contain_text("Version2")
    expect(page.locator(".question-list")).to_contain_text("Name it.")


def test_a_teacher_discards_an_upload(any_page, live_server, live_app, tmp_path):
    page = any_page
    bank = teacher_with_a_bank(page, live_server, live_app, tmp_path)
    upload(page, tmp_path, bank_yaml(bank).replace("First question?", "First question, edited?"), "v2.yaml")
    expect(page.locator(".change-counts")).to_contain_text("Changed1: 0 major, 1 minor")
    page.get_by_role("link", name="Manage banks").first.click()  # leave the preview: it waits on this page
    expect(page.locator(".waiting-list")).to_contain_text(f"v2.yaml → {bank}")
    check(page)
    page.locator(".waiting-list").get_by_role("link", name="v2.yaml").click()
    page.get_by_role("button", name="Discard").first.click()
    expect(page.locator(".notice")).to_contain_text("v2.yaml: discarded")
    page.goto(live_server.url + f"/banks/{bank}")
    expect(page.locator(".facts")).to_contain_text("Version1")


def test_a_large_upload_shows_its_progress_then_its_preview(any_page, live_server, live_app, tmp_path):
    page = any_page
    bank = teacher_with_a_bank(page, live_server, live_app, tmp_path)
    limit = live_app.config["IMPORT_JOB_BYTES"]
    live_app.config["IMPORT_JOB_BYTES"] = 100
    try:
        upload(page, tmp_path, bank_yaml(bank).replace("First question?", "First question, edited?"), "big.yaml")
        expect(page.get_by_role("heading", level=1)).to_have_text("Checking big.yaml")
        expect(page.locator(".job-status")).to_have_text("Done")
        check(page)
        page.get_by_role("link", name="See the preview and publish").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Preview of big.yaml")
        page.get_by_role("button", name="Publish").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Publishing big.yaml")
        expect(page.locator(".job")).to_contain_text("is now at version 2")
    finally:
        live_app.config["IMPORT_JOB_BYTES"] = limit


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_preview_in_both_schemes_and_at_phone_width(
    browser_instance, live_server, live_app, tmp_path, scheme, width
):
    context = browser_instance.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.js = True  # type: ignore[attr-defined]
    try:
        bank = teacher_with_a_bank(page, live_server, live_app, tmp_path)
        upload(page, tmp_path, edited(bank), "v2.yaml")
        expect(page.locator(".change-counts")).to_contain_text("1 major, 1 minor")
        assert_accessible(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the preview scrolls sideways by {overflow}px at {width}px"
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"preview-{width}-{scheme}.png"), full_page=True)
    finally:
        context.close()


def queued_job(live_app, login: str) -> int:
    with live_app.app_context():
        user = db.session.scalars(select(User).where(User.username == login)).one()
        job = create_job(db.session, JobKind.STAGE_IMPORT, user, {"filename": "big.yaml"}, 2, utcnow())
        advance(db.session, job, 1, "Comparing it with the live bank", utcnow())
        db.session.commit()
        return job.id


def test_a_job_page_follows_the_job_to_its_end(any_page, live_server, live_app):
    """The worker (here, the test) finishes the job while the page is open: the page shows it, by its script
    with JavaScript and by refreshing itself without."""
    page = any_page
    login = f"watcher{next(_numbers)}{'js' if page.js else 'nojs'}"  # type: ignore[attr-defined]
    make_user(live_app, login, role="teacher")
    job_id = queued_job(live_app, login)
    page.goto(live_server.url + f"/teach/jobs/{job_id}")
    fill_login(page, login)
    expect(page.get_by_role("heading", level=1)).to_have_text("Checking big.yaml")
    expect(page.locator(".job-status")).to_have_text("Working")
    expect(page.locator(".job-step")).to_have_text("Comparing it with the live bank")
    expect(page.get_by_role("link", name="Refresh now")).to_be_visible()
    check(page)
    with live_app.app_context():
        job = db.session.get(Job, job_id)
        fail_job(db.session, job, utcnow(), result={"filename": "big.yaml", "message": "The upload is gone."})
        db.session.commit()
    expect(page.locator(".job-status")).to_have_text("Not done", timeout=10_000)
    expect(page.get_by_role("alert")).to_contain_text("The upload is gone.")
    check(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_job_page_in_both_schemes_and_at_phone_width(browser_instance, live_server, live_app, scheme, width):
    context = browser_instance.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        login = f"jobshot{next(_numbers)}"
        make_user(live_app, login, role="teacher")
        job_id = queued_job(live_app, login)
        page.goto(live_server.url + f"/teach/jobs/{job_id}")
        fill_login(page, login)
        expect(page.locator(".job-status")).to_have_text("Working")
        assert_accessible(page)
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"job-{width}-{scheme}.png"), full_page=True)
    finally:
        context.close()
