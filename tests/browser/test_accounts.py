"""Accounts in Chromium, as people use them: register, log in and out, change the password, delete the account,
and a learner bounced from a teacher page. Every page is checked with axe-core."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect

from quizapp.extensions import db, passwords
from quizapp.models import utcnow
from quizapp.operations import create_user

from ..conftest import DATA, PASSWORD
from .test_browse import assert_accessible

pytestmark = pytest.mark.browser
_numbers = itertools.count(1)


def unique(name: str) -> str:
    return f"{name}{next(_numbers)}"


def make_user(live_app, login: str, role: str = "learner") -> None:
    with live_app.app_context():
        create_user(db.session, login, PASSWORD, role, passwords=passwords(), now=utcnow())
        db.session.commit()


def fill_login(page, login: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email address or username").fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.locator(".flash")).to_have_text("You are logged out.")


def test_register_log_out_and_log_in(page, live_server):
    name = unique("reader")
    page.goto(live_server.url + "/")
    expect(page.locator(".intro")).to_contain_text("Browse the banks below without an account")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_accessible(page)
    page.get_by_label("Email address or username").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".flash")).to_contain_text("Welcome! Your account is ready")
    expect(page.locator(".signed-in")).to_contain_text(f"{name} learner")
    assert_accessible(page)

    log_out(page)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Log in").click()
    assert_accessible(page)
    fill_login(page, name.upper())
    expect(page.locator(".flash")).to_have_text(f"You are logged in as {name}.")


def test_form_errors_are_summarised_and_linked_to_their_fields(page, live_server):
    page.goto(live_server.url + "/register")
    page.get_by_label("Email address or username").fill("new person")
    page.get_by_label("Password", exact=True).fill("password1")
    page.get_by_label("Type the password again").fill("password2")
    page.get_by_role("button", name="Create account").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_count(3)
    field = page.get_by_label("Email address or username")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("new person")
    summary.get_by_role("link", name=re.compile("A username has")).click()
    expect(field).to_be_focused()
    assert_accessible(page)


def test_wrong_password_message_and_login_redirects_back(page, live_server, live_app):
    name = unique("member")
    make_user(live_app, name)
    page.goto(live_server.url + "/account")
    expect(page).to_have_url(re.compile(r"/login\?next=/account$"))
    fill_login(page, name, "not my password")
    expect(page.get_by_role("alert")).to_contain_text("The email address or username, or the password, is not right.")
    assert_accessible(page)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + "/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    assert_accessible(page)


def test_change_password(page, live_server, live_app):
    name = unique("changer")
    make_user(live_app, name)
    page.goto(live_server.url + "/login")
    fill_login(page, name)
    page.get_by_role("link", name=name).click()
    page.get_by_role("link", name="Change your password").click()
    assert_accessible(page)
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill("a whole new phrase")
    page.get_by_label("Type the password again").fill("a whole new phrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".flash")).to_contain_text("Your password has been changed.")
    log_out(page)
    page.goto(live_server.url + "/login")
    fill_login(page, name, "a whole new phrase")
    expect(page.locator(".signed-in")).to_contain_text(name)


def test_download_data_and_delete_account(page, live_server, live_app):
    name = unique("leaver")
    make_user(live_app, name)
    page.goto(live_server.url + "/login")
    fill_login(page, name)
    page.goto(live_server.url + "/account")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all your data").click()
    assert download.value.suggested_filename.startswith("quizapp-account-")
    page.get_by_role("link", name="Delete your account").click()
    assert_accessible(page)
    page.get_by_label("Your password").fill("wrong one")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("alert")).to_contain_text("That password is not right.")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".flash")).to_have_text("Your account and all its data have been deleted.")
    page.goto(live_server.url + "/login")
    fill_login(page, name)
    expect(page.get_by_role("alert")).to_contain_text("is not right")


def test_learner_is_bounced_from_a_teacher_page(page, live_server, live_app):
    name = unique("pupil")
    make_user(live_app, name)
    page.goto(live_server.url + "/login")
    fill_login(page, name)
    expect(page.get_by_role("link", name="Teaching")).to_have_count(0)
    response = page.goto(live_server.url + "/teach/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Forbidden")
    assert_accessible(page)
    page.get_by_role("link", name="Back to the home page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")


def test_teacher_uploads_a_bank(page, live_server, live_app, tmp_path):
    name = unique("teacher")
    make_user(live_app, name, role="teacher")
    page.goto(live_server.url + "/teach/banks")
    expect(page).to_have_url(re.compile(r"/login\?next=/teach/banks$"))
    fill_login(page, name)
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage banks")
    assert_accessible(page)
    bad = tmp_path / "bad.yaml"
    bad.write_text((DATA / "banks" / "all-types.yaml").read_text().replace("type: single", "type: essay"))
    page.get_by_label("Bank file").set_input_files(str(bad))
    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_role("alert")).to_contain_text("bad.yaml was not imported: 1 problem")
    expect(page.get_by_role("alert")).to_contain_text("unknown question type 'essay'")
    assert_accessible(page)
    page.get_by_label("Bank file").set_input_files(str(DATA / "banks" / "all-types.yaml"))
    page.get_by_role("button", name="Check and preview").click()
    expect(page.locator(".publish-actions").first).to_contain_text("Nothing to publish")
    page.get_by_role("button", name="Discard").first.click()
    expect(page.locator(".notice")).to_contain_text("all-types.yaml: discarded")


def test_admin_pages(page, live_server, live_app):
    admin, learner = unique("admin"), unique("someone")
    make_user(live_app, admin, role="admin")
    make_user(live_app, learner)
    page.goto(live_server.url + "/login")
    fill_login(page, admin)
    page.get_by_role("link", name="Users").click()
    assert_accessible(page)
    page.get_by_label("Search by email address or username").fill(learner)
    page.get_by_role("main").get_by_role("button", name="Search").click()  # not the banks' search in the top bar
    page.get_by_role("link", name=learner).click()
    assert_accessible(page)
    page.get_by_role("combobox", name="Role").select_option("teacher")
    page.get_by_role("button", name="Change role").click()
    expect(page.locator(".flash")).to_have_text(f"{learner} is now a teacher.")
    page.get_by_role("button", name="Disable account").click()
    expect(page.locator(".flash")).to_contain_text("is disabled and logged out everywhere")
    page.get_by_role("button", name="Enable account").click()
    expect(page.locator(".flash")).to_contain_text("can log in again")


def test_account_pages_fit_a_phone(phone_page, live_server):
    for path in ("/login", "/register"):
        phone_page.goto(live_server.url + path)
        overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        assert_accessible(phone_page)
