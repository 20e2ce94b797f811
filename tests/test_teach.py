"""Teachers' pages: the list of banks, uploading a bank (validated, imported in one transaction), exporting."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from quizapp import operations
from quizapp.domain.banks import BankError
from quizapp.domain.refusals import Refused
from quizapp.extensions import db
from quizapp.models import Bank, BankVersion, Question

from .conftest import bank_yaml, csrf_token, log_in


@pytest.fixture
def teacher(client, make_user):
    make_user("teacher", role="teacher")
    log_in(client, "teacher")
    return client


def upload(client, text: str | bytes, name: str = "demo.yaml"):
    """Upload a bank and, when it is valid, publish its preview at once; the response shows the outcome."""
    data = text.encode() if isinstance(text, str) else text
    staged = client.post("/teach/banks", data={"csrf_token": csrf_token(client), "bank": (io.BytesIO(data), name)})
    if staged.status_code != 303:
        return staged
    return client.post(staged.headers["Location"] + "/publish", data={"csrf_token": csrf_token(client)})


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Bank, BankVersion, Question))


def test_upload_adds_then_versions_a_bank(app, teacher):
    first = upload(teacher, bank_yaml())
    assert first.status_code == 200
    assert "demo.yaml: bank added" in first.text
    assert "is now at version 1:\n    3 added, 0 changed, 0 retired." in first.text
    again = upload(teacher, bank_yaml())
    assert "nothing changed" in again.text and "already at version 1" in again.text
    edited = upload(teacher, bank_yaml().replace("Second question?", "Second question, edited?"))
    assert "new version published" in edited.text and "0 added, 1 changed, 0 retired" in edited.text
    assert "<dt>Changed</dt><dd>q2</dd>" in edited.text
    assert counts(app) == (1, 2, 3)


def test_the_page_lists_banks_with_versions_and_counts(app, teacher, make_bank):
    make_bank(bank_yaml())
    make_bank(bank_yaml().split("  - id: q3")[0])  # version 2 retires q3
    html = teacher.get("/teach/banks").text
    assert "<h1>Manage banks</h1>" in html
    row = html.split("<code>demo</code>", 1)[1].split("</tr>", 1)[0]
    assert [cell.split("</td>")[0] for cell in row.split("<td>")[1:4]] == ["2", "2", "1"]  # version, live, retired
    assert 'href="/teach/banks/demo/export"' in html


def test_an_invalid_bank_shows_every_problem_and_changes_nothing(app, teacher, make_bank):
    make_bank(bank_yaml())
    bad = bank_yaml().replace("answer: false", "answer: nope").replace("type: single", "type: essay")
    before = counts(app)
    response = upload(teacher, bad, "bad.yaml")
    assert response.status_code == 422
    html = response.text
    assert "bad.yaml was not imported: 2 problems" in html and "Nothing was changed." in html
    assert "line 12, column 11</span> <code>questions[0].type</code>: unknown question type" in html
    assert "line 21, column 13</span> <code>questions[1].answer</code>: expected true or false, got text" in html
    assert counts(app) == before


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"format: 1\n", "bank.pdf", "Choose a file ending in .yaml, .yml, .zip, .gift, .txt, .xml, .csv, .apkg."),
        (b"", "", "Choose a bank file to upload."),
        (b"\xff\xfe\x00garbage", "binary.yaml", "was not imported"),
        (b"id: [unclosed\n", "broken.yaml", "not valid YAML"),
        (b"- just\n- a list\n", "list.yaml", "a bank must be a mapping"),
    ],
)
def test_bad_uploads_are_a_clear_4xx(app, teacher, data, name, message):
    response = upload(teacher, data, name)
    assert response.status_code == 422
    assert message in response.text
    assert counts(app) == (0, 0, 0)


def test_upload_and_cli_share_one_import(app, teacher, runner, tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(bank_yaml())
    upload(teacher, bank_yaml())
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.stdout == "demo: unchanged (version 1)\n"


def test_export_downloads_yaml_that_reimports_unchanged(app, teacher, make_bank):
    make_bank(bank_yaml())
    response = teacher.get("/teach/banks/demo/export")
    assert response.status_code == 200 and response.mimetype == "application/yaml"
    assert response.headers["Content-Disposition"] == 'attachment; filename="demo.yaml"'
    again = upload(teacher, response.data, "demo.yaml")
    assert "nothing changed" in again.text
    assert teacher.get("/teach/banks/nope/export").status_code == 404


def test_teachers_see_the_teaching_link_and_learners_do_not(client, make_user):
    make_user("teacher", role="teacher")
    make_user("learner")
    log_in(client, "learner")
    assert 'href="/teach/"' not in client.get("/").text
    assert client.get("/teach/").status_code == 403
    other = client.application.test_client()
    log_in(other, "teacher")
    assert 'href="/teach/"' in other.get("/").text
    home = other.get("/teach/").text
    assert "<h1>Teaching</h1>" in home and 'href="/teach/banks"' in home  # bank management is one click away


def test_upload_and_cli_dry_run_see_the_same_changes(app, teacher, runner, tmp_path, make_bank):
    make_bank(bank_yaml())
    edited = bank_yaml().replace("Second question?", "Second question, edited?")
    path = tmp_path / "demo.yaml"
    path.write_text(edited)
    dry = runner.invoke(args=["bank", "import", "--dry-run", str(path)])
    assert dry.stdout.startswith("demo: version 1 → 2: 0 added, 0 retired, 1 changed (1 minor, 0 major)\n")
    staged = teacher.post(
        "/teach/banks", data={"csrf_token": csrf_token(teacher), "bank": (io.BytesIO(edited.encode()), "demo.yaml")}
    )
    preview = teacher.get(staged.headers["Location"]).text
    assert "<dt>Changed</dt><dd>1: 0 major, 1 minor</dd>" in preview


def test_import_bank_source_skips_known_bytes_and_refuses_a_bad_bank(app):
    source = bank_yaml().encode()
    now = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    with app.app_context():
        created = operations.import_bank_source(db.session, source, "demo.yaml", now)
        db.session.commit()
        again = operations.import_bank_source(db.session, source, "demo.yaml", now)
        assert (created.status, again.status, again.version) == ("created", "unchanged", 1)
        with pytest.raises(Refused) as info:
            operations.import_bank_source(db.session, b"format: 1\nid: bad\n", "bad.yaml", now)
        assert isinstance(info.value, BankError) and info.value.status == 422
        assert any("title" in p.message for p in info.value.problems)
