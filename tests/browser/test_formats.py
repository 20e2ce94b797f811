"""A teacher uploads GIFT and Aiken files and downloads a bank in other formats, in Chromium, with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..conftest import DATA
from .test_accounts import fill_login, make_user, unique
from .test_browse import assert_accessible

pytestmark = pytest.mark.browser
FORMATS = DATA / "formats"


def test_teacher_uploads_gift_and_aiken_and_downloads_gift(page, live_server, live_app, tmp_path):
    name = unique("teacher")
    make_user(live_app, name, role="teacher")
    page.goto(live_server.url + "/login?next=/teach/banks")
    fill_login(page, name)
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage banks")

    broken = tmp_path / "broken.gift"
    broken.write_text("::Fine::Yes?{T}\n\n::Broken::Open{=a ~b\n")
    page.get_by_label("Bank file").set_input_files(str(broken))
    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_role("alert")).to_contain_text("broken.gift was not imported: 1 problem")
    expect(page.get_by_role("alert")).to_contain_text("line 3: the answer block opened here is not closed with }")
    assert_accessible(page)

    page.get_by_label("Bank file").set_input_files(str(FORMATS / "constructs.gift"))
    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview of constructs.gift")
    left_out = page.get_by_role("heading", name="Left out when converting").locator("xpath=following-sibling::ul[1]")
    expect(left_out.get_by_role("listitem")).to_have_count(8)
    expect(left_out).to_contain_text("line 61")
    expect(left_out).to_contain_text("an essay question")
    assert_accessible(page)
    page.get_by_role("button", name="Publish").first.click()
    expect(page.locator(".notice")).to_contain_text("constructs.gift: bank added")

    page.get_by_label("Bank file").set_input_files(str(FORMATS / "sample.aiken.txt"))
    page.get_by_label("Format").select_option("aiken")
    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview of sample.aiken.txt")
    expect(page.get_by_role("heading", name="Left out when converting")).to_have_count(0)
    page.get_by_role("button", name="Publish").first.click()
    expect(page.locator(".notice")).to_contain_text("sample.aiken.txt: bank added")

    page.goto(live_server.url + "/banks/constructs")
    downloads = page.get_by_role("list", name="Download Constructs")
    expect(downloads.get_by_role("link")).to_have_text(["YAML", "GIFT", "Moodle XML", "Aiken", "CSV", "Anki package"])
    assert_accessible(page)
    with page.expect_download() as info:
        downloads.get_by_role("link", name="Download Constructs as GIFT").click()
    download = info.value
    assert download.suggested_filename == "constructs.gift"
    assert "::single-choice::[markdown]" in download.path().read_text()
