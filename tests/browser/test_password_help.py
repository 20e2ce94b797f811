"""Password help and the audit log in Chromium: a learner asks for a link by email, reads it from the tests'
SMTP server, follows it and logs in with the new password; an administrator makes a link that a learner
uses; the administrator reads and filters the audit log. Every new page at desktop and phone width, in light
and dark, with JavaScript on and off, checked with axe-core."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from quizapp.extensions import db, passwords
from quizapp.mail import mailer
from quizapp.models import User, utcnow
from quizapp.operations import create_user, make_reset_link

from ..conftest import BROWSER_TIMEOUT_MS, PASSWORD, LiveServer, make_app
from ..smtp import SMTPServer
from .test_browse import assert_accessible

pytestmark = pytest.mark.browser
NEW_PASSWORD = "a brand new long passphrase"
_numbers = itertools.count(1)
SHOTS = os.environ.get("QUIZAPP_SCREENSHOTS")  # a folder to save each page's screenshot in, when set


class Site:
    def __init__(self, app: Flask, server: LiveServer, smtp: SMTPServer):
        self.app, self.server, self.smtp = app, server, smtp
        self.url = server.url

    def user(self, prefix: str, role: str = "learner") -> str:
        login = f"{prefix}{next(_numbers)}@example.org"
        with self.app.app_context():
            create_user(db.session, login, PASSWORD, role, passwords=passwords(), now=utcnow())
            db.session.commit()
        return login

    def emails_to(self, login: str, count: int = 1) -> list:
        with self.app.app_context():
            mailer().wait()
        return [m for m in self.smtp.inbox.messages if m["To"] == login][:count]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """A live server that sends email through an SMTP server of the tests' own."""
    smtp = SMTPServer()
    smtp.controller.start()
    tmp = tmp_path_factory.mktemp("mail-site")
    app = make_app(f"sqlite:///{tmp / 'site.sqlite'}", tmp, **smtp.config())
    with LiveServer(app) as server:
        yield Site(app, server, smtp)
    smtp.controller.stop()
    with app.app_context():
        db.engine.dispose()


def new_page(browser_instance, width: int = 1280, scheme: str = "light", javascript: bool = True) -> Page:
    context = browser_instance.new_context(
        viewport={"width": width, "height": 900 if width > 600 else 844},
        color_scheme=scheme,
        java_script_enabled=javascript,
        is_mobile=width < 600,
        has_touch=width < 600,
    )
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    return page


def log_in(page: Page, site: Site, login: str, password: str = PASSWORD) -> None:
    page.goto(site.url + "/login")
    page.get_by_label("Email address or username").fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".signed-in")).to_contain_text(login)


def shoot(page: Page, name: str) -> None:
    """Save a screenshot of the whole page to look at, when QUIZAPP_SCREENSHOTS names a folder."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_forgot_password_by_email_then_log_in_with_the_new_one(browser_instance, site):
    login = site.user("forgetful")
    elsewhere = new_page(browser_instance)
    log_in(elsewhere, site, login)
    page = new_page(browser_instance)
    page.goto(site.url + "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    heading(page, "Forgot your password?")
    assert_accessible(page)
    page.get_by_label("Email address").fill(login.upper())
    page.get_by_role("button", name="Send me a link").click()
    heading(page, "Check your email")
    assert_accessible(page)
    (mail,) = site.emails_to(login)
    link = next(w for w in mail.get_content().split() if "/password/reset/" in w)
    assert link.startswith(site.url + "/password/reset/")
    page.goto(link)
    heading(page, "Choose a new password")
    expect(page.locator("main")).to_contain_text(login)
    assert_accessible(page)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    heading(page, "Log in")
    expect(page.locator(".flash")).to_contain_text("Your password has been changed")
    log_in(page, site, login, NEW_PASSWORD)
    elsewhere.reload()  # the other browser's session ended with the reset
    expect(elsewhere.locator(".signed-in")).to_have_count(0)
    page.goto(link)  # used: it no longer works
    heading(page, "This link does not work")
    assert_accessible(page)
    for p in (page, elsewhere):
        p.context.close()


def test_form_errors_on_the_new_password_are_summarised(browser_instance, site):
    login = site.user("typo")
    page = new_page(browser_instance)
    page.goto(site.url + "/password/forgot")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the email address of your account.")
    assert_accessible(page)
    page.get_by_label("Email address").fill(login)
    page.get_by_role("button", name="Send me a link").click()
    (mail,) = site.emails_to(login)
    page.goto(next(w for w in mail.get_content().split() if "/password/reset/" in w))
    page.get_by_label("New password").fill("short")
    page.get_by_label("Type the password again").fill("shorter")
    page.get_by_role("button", name="Save the new password").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Use at least 8 characters")
    expect(summary).to_contain_text("The two passwords are not the same.")
    assert_accessible(page)
    page.context.close()


def test_an_admin_makes_a_link_and_the_learner_uses_it(browser_instance, site):
    admin, learner = site.user("chief", "admin"), site.user("pupil")
    page = new_page(browser_instance)
    log_in(page, site, admin)
    page.goto(site.url + "/admin/users")
    page.get_by_role("link", name=learner).click()
    page.get_by_role("button", name="Make a password-reset link").click()
    heading(page, f"Password-reset link for {learner}")
    assert_accessible(page)
    shoot(page, "reset-link-1280-light")
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the link page scrolls sideways by {overflow}px"
    assert_accessible(page)
    shoot(page, "reset-link-390-dark")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 900})
    link = page.locator("#reset-link").inner_text()
    visitor = new_page(browser_instance, width=390)
    visitor.goto(link)
    heading(visitor, "Choose a new password")
    visitor.get_by_label("New password").fill(NEW_PASSWORD)
    visitor.get_by_label("Type the password again").fill(NEW_PASSWORD)
    visitor.get_by_role("button", name="Save the new password").click()
    log_in(visitor, site, learner, NEW_PASSWORD)

    page.goto(site.url + "/admin/users")
    page.get_by_role("link", name="audit log").click()
    heading(page, "Audit log")
    page.get_by_label("Action").select_option(label="Password reset with a link")
    page.get_by_role("button", name="Show entries").click()
    rows = page.locator(".audit-table tbody tr")
    expect(rows.filter(has_text=learner)).to_have_count(1)
    expect(page.locator(".audit-table tbody")).not_to_contain_text("Password-reset link made")
    assert_accessible(page)
    page.get_by_label("From (UTC)").fill("2026-02-01")
    page.get_by_label("To (UTC)").fill("2026-01-01")
    page.get_by_role("button", name="Show entries").click()
    expect(page.get_by_role("alert")).to_contain_text("The “To” day is before the “From” day")
    assert_accessible(page)
    for p in (page, visitor):
        p.context.close()


def pages_to_look_at(site: Site) -> Iterator[tuple[str, str]]:
    """(name, path) of every new page, with the state each needs: a reset link, audit entries."""
    admin, learner = site.user("look-admin", "admin"), site.user("look")
    with site.app.app_context():
        user = db.session.scalars(db.select(User).where(User.email == learner)).one()
        token, _ = make_reset_link(db.session, user, acting=None, now=utcnow())
        user_id = user.id
        db.session.commit()
    yield "forgot", "/password/forgot"
    yield "reset", f"/password/reset/{token}"
    yield "reset-invalid", "/password/reset/no-such-link"
    yield "login", "/login"
    yield ("as-admin", admin)
    yield "user", f"/admin/users/{user_id}"
    yield "audit", f"/admin/audit?target={learner.split('@')[0]}"
    yield "audit-errors", "/admin/audit?since=2026-02-30"


@pytest.mark.parametrize(
    ("width", "scheme", "javascript"),
    [(1280, "light", True), (390, "light", True), (1280, "dark", True), (390, "dark", True), (390, "light", False)],
    ids=["desktop-light", "phone-light", "desktop-dark", "phone-dark", "phone-no-javascript"],
)
def test_every_new_page_fits_and_is_accessible(browser_instance, site, width, scheme, javascript):
    page = new_page(browser_instance, width, scheme, javascript)
    twin = new_page(browser_instance, width, scheme) if not javascript else page  # axe-core needs JavaScript
    for name, path in pages_to_look_at(site):
        if name == "as-admin":
            log_in(twin, site, path)
            if twin is not page:
                page.context.add_cookies(twin.context.cookies())
            continue
        page.goto(site.url + path)
        expect(page.locator("h1")).to_have_count(1)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
        shoot(page, f"{name}-{width}-{scheme}-{'js' if javascript else 'nojs'}")
        if twin is not page:
            twin.goto(site.url + path)
        assert_accessible(twin)
    page.context.close()
    if twin is not page:
        twin.context.close()
