"""A learner takes a quiz whose question has a picture, in Chromium: the picture loads (from the app, under
the strict Content-Security-Policy), keeps its place, fits a phone's width, shows again on the results page,
and axe-core finds nothing on either page."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from quizapp.domain.packages import BankPackage, write_zip

from ..conftest import PASSWORD, LiveServer, make_app
from ..media_data import image_bank, image_media, write_folder
from .test_accounts import fill_login, log_out, make_user
from .test_browse import assert_accessible

pytestmark = pytest.mark.browser

QUIZ = "\nquizzes:\n  - id: look\n    title: Look closely\n    questions: [heart]\n"


def diagram() -> bytes:
    """A wide drawing, bigger than a phone's screen: four chambers, the left ventricle filled in red."""
    picture = Image.new("RGB", (900, 560), (250, 250, 250))
    draw = ImageDraw.Draw(picture)
    for x, y in ((100, 60), (470, 60), (100, 300), (470, 300)):
        draw.rectangle((x, y, x + 330, y + 200), outline=(40, 40, 40), width=6)
    draw.rectangle((476, 306, 794, 494), fill=(200, 30, 30))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def picture_app(tmp_path_factory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("pictures")
    app = make_app(f"sqlite:///{tmp / 'live.sqlite'}", tmp)
    folder = write_folder(tmp / "pictures", image_bank() + QUIZ)
    (folder / "media" / "heart.png").write_bytes(diagram())
    result = app.test_cli_runner().invoke(args=["bank", "import", str(folder)])
    assert result.exit_code == 0, result.output
    make_user(app, "looker")
    yield app


@pytest.fixture(scope="module")
def picture_server(picture_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(picture_app) as server:
        yield server


def start_quiz(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Email address or username").fill("looker")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(server.url + "/banks/pictures")
    page.get_by_role("button", name="Start a quiz: Look closely").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 1 of 1")


def loaded(page: Page, alt: str) -> dict:
    picture = page.get_by_role("img", name=alt).first
    expect(picture).to_be_visible()
    picture.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    return picture.evaluate("img => ({natural: img.naturalWidth, shown: img.getBoundingClientRect().width})")


def test_a_learner_sees_the_picture_in_the_question_and_the_results(page, picture_server):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    start_quiz(page, picture_server)
    size = loaded(page, "A heart with its left ventricle in red")
    assert size == {"natural": 900, "shown": 900}
    assert_accessible(page)
    page.get_by_label("Left ventricle").check()
    page.get_by_role("button", name="Check my answer").click()
    page.get_by_role("link", name="See your results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results")
    assert loaded(page, "A heart with its left ventricle in red")["natural"] == 900
    assert_accessible(page)
    assert errors == []  # no image or policy refused


def test_on_a_phone_the_picture_fits_the_screen(browser_instance, picture_server):
    context = browser_instance.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        start_quiz(page, picture_server)
        size = loaded(page, "A heart with its left ventricle in red")
        assert size["natural"] == 900 and size["shown"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the screen
        assert_accessible(page)
    finally:
        context.close()


def test_a_teacher_publishes_a_zip_with_a_picture_and_a_learner_takes_it(page, live_server, live_app, tmp_path):
    """The whole path: upload a bank .zip, see the picture in the preview, publish, and a learner answers the
    question with its picture."""
    make_user(live_app, "zipteacher", role="teacher")
    make_user(live_app, "ziplearner")
    package = BankPackage(image_bank("zipped").replace("Bank zipped", "Zipped pictures") + QUIZ, image_media())
    archive = tmp_path / "zipped.zip"
    archive.write_bytes(write_zip(package, "zipped"))

    page.goto(live_server.url + "/login?next=/teach/banks")
    fill_login(page, "zipteacher")
    page.get_by_label("Bank file").set_input_files(str(archive))
    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview of zipped.zip")
    assert loaded(page, "A heart with its left ventricle in red")["natural"] == 120
    assert_accessible(page)
    page.get_by_role("button", name="Publish").first.click()
    expect(page.locator(".notice")).to_contain_text("zipped.zip: bank added")
    log_out(page)

    page.goto(live_server.url + "/login")
    fill_login(page, "ziplearner")
    page.goto(live_server.url + "/banks/zipped")
    page.get_by_role("button", name="Start a quiz: Look closely").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 1 of 1")
    assert loaded(page, "A heart with its left ventricle in red")["natural"] == 120
    page.get_by_label("Left ventricle").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("region", name="Correct")).to_be_visible()
    assert_accessible(page)
