"""Uploading GIFT, Aiken and CSV files on the teachers' page, and downloading banks in every format."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from quizapp.domain.banks import parse_bank
from quizapp.extensions import db
from quizapp.models import Bank, BankVersion, Question

from .conftest import DATA, bank_yaml, csrf_token, log_in, post_form

FORMATS = DATA / "formats"


@pytest.fixture
def teacher(client, make_user):
    make_user("teacher", role="teacher")
    log_in(client, "teacher")
    return client


def upload(client, data: bytes, name: str, source_format: str = ""):
    form = {"csrf_token": csrf_token(client), "bank": (io.BytesIO(data), name), "source_format": source_format}
    return client.post("/teach/banks", data=form)


def upload_and_publish(client, data: bytes, name: str, source_format: str = ""):
    """Upload, read the preview, press Publish: (the preview's HTML, the page after publishing)."""
    staged = upload(client, data, name, source_format)
    assert staged.status_code == 303, staged.text
    preview = client.get(staged.headers["Location"])
    assert preview.status_code == 200
    token = re.search(r"/teach/imports/([A-Za-z0-9_-]{32})", staged.headers["Location"])[1]
    return preview.text, post_form(client, f"/teach/imports/{token}/publish")


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Bank, BankVersion, Question))


def test_a_gift_upload_is_converted_previewed_with_what_was_left_out_and_published(app, teacher):
    preview, response = upload_and_publish(teacher, (FORMATS / "constructs.gift").read_bytes(), "constructs.gift")
    left_out = preview.split("Left out when converting</h3>", 1)[1].split("</ul>", 1)[0]
    assert left_out.count("<li>") == 8 and "<li>line 61: &#39;Essay&#39; an essay question" in left_out
    assert response.status_code == 200 and "constructs.gift: bank added" in response.text
    assert counts(app) == (1, 1, 17)
    _preview, again = upload_and_publish(teacher, (FORMATS / "constructs.gift").read_bytes(), "constructs.gift")
    assert "nothing changed" in again.text


def test_an_aiken_file_needs_the_format_chosen(app, teacher):
    data = (FORMATS / "sample.aiken.txt").read_bytes()
    as_gift = upload(teacher, data, "sample.txt")
    assert as_gift.status_code == 422 and "nothing in the file could be converted" in as_gift.text
    assert counts(app) == (0, 0, 0)
    preview, response = upload_and_publish(teacher, data, "sample.txt", "aiken")
    assert "Left out when converting" not in preview
    assert response.status_code == 200 and "sample.txt: bank added" in response.text
    assert counts(app) == (1, 1, 2)


def test_a_csv_upload_makes_flashcards(app, teacher):
    _preview, response = upload_and_publish(teacher, (FORMATS / "semicolon-bom.csv").read_bytes(), "cards.csv")
    assert response.status_code == 200 and "cards.csv: bank added" in response.text
    assert counts(app) == (1, 1, 2)


@pytest.mark.parametrize(
    ("data", "name", "source_format", "message"),
    [
        (b"::Fine::Yes?{T}\n\n::Broken::Open{=a ~b\n", "bad.gift", "", "line 3</span>: the answer block opened here"),
        (b"Fine?{T}\n\nBad \xff{T}\n", "bad.gift", "", "line 3, column 5</span>: the file is not valid UTF-8 text"),
        (b'front,back\n"unclosed,quote\n', "bad.csv", "", "line 2</span>: not valid CSV"),
        (b"Q?\nA. a\nANSWER: A\n", "bad.txt", "aiken", "line 3</span>: a question needs at least two options"),
        (b"Fine?{T}", "fine.gift", "pdf", "Not a valid choice"),
        (b"Fine?{T}", "fine.docx", "", "Choose a file ending in .yaml, .yml, .zip, .gift, .txt, .xml, .csv, .apkg."),
    ],
)
def test_bad_files_are_a_422_with_the_line_and_store_nothing(app, teacher, data, name, source_format, message):
    response = upload(teacher, data, name, source_format)
    assert response.status_code == 422
    assert message in response.text
    assert counts(app) == (0, 0, 0)


def test_a_file_over_the_size_limit_is_a_413_and_stores_nothing(app, teacher):
    token, boundary = csrf_token(teacher), "b0undary"
    big = b"Q?{T}\n\n" * (app.config["MAX_CONTENT_LENGTH"] // 7 + 10)
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="bank"; filename="big.gift"\r\n\r\n'
        ).encode()
        + big
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = teacher.post("/teach/banks", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413 and "The limit is 32 MiB." in response.text
    assert counts(app) == (0, 0, 0)


def test_the_upload_form_offers_the_formats(teacher):
    html = teacher.get("/teach/banks").text
    assert 'accept=".yaml,.yml,.zip,.gift,.txt,.xml,.csv,.apkg"' in html
    assert '<option selected value="">From the file name</option>' in html
    assert '<option value="aiken">Aiken</option>' in html


def test_downloads_in_every_format_from_the_teachers_page(app, teacher, make_bank):
    make_bank((DATA / "banks" / "all-types.yaml").read_text())
    html = teacher.get("/teach/banks").text
    assert 'href="/teach/banks/all-types/export"' in html  # YAML keeps its address
    for name in ("gift", "moodle-xml", "aiken", "csv", "apkg"):
        assert f'href="/teach/banks/all-types/export/{name}"' in html
    assert "/export/zip" not in html  # YAML comes as a .zip when a bank has pictures: not offered twice
    expected = {
        "yaml": ("application/yaml", "all-types.yaml"),
        "zip": ("application/zip", "all-types.zip"),
        "gift": ("text/plain", "all-types.gift"),
        "aiken": ("text/plain", "all-types.txt"),
        "csv": ("text/csv", "all-types.csv"),
    }
    for name, (mimetype, filename) in expected.items():
        response = teacher.get("/teach/banks/all-types/export" + ("" if name == "yaml" else f"/{name}"))
        assert response.status_code == 200 and response.mimetype == mimetype
        assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    gift = teacher.get("/teach/banks/all-types/export/gift")
    assert upload(teacher, gift.data, "all-types.gift").status_code == 303  # what is exported reads back in
    assert teacher.get("/teach/banks/all-types/export/nope").status_code == 404
    assert teacher.get("/teach/banks/nope/export/gift").status_code == 404


def test_the_bank_page_offers_downloads_to_teachers_only(app, client, make_user, make_bank):
    make_bank(bank_yaml())
    assert "Download this bank" not in client.get("/banks/demo").text
    make_user("learner")
    log_in(client, "learner")
    assert "Download this bank" not in client.get("/banks/demo").text
    assert client.get("/teach/banks/demo/export/gift").status_code == 403
    other = client.application.test_client()
    make_user("teacher", role="teacher")
    log_in(other, "teacher")
    html = other.get("/banks/demo").text
    assert "Download this bank" in html and 'href="/teach/banks/demo/export/csv"' in html
    assert parse_bank(other.get("/teach/banks/demo/export").text).id == "demo"
