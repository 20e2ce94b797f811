"""Moodle XML and Anki packages through the teachers' upload and downloads: converted banks import like
hand-written ones; bombs, external entities, path tricks and damaged files are a clear 4xx and change nothing."""

from __future__ import annotations

import io
import zipfile

import pytest

from quizapp.domain.banks import parse_bank
from quizapp.domain.formats.moodle_xml import read_moodle_xml

from .apkg_samples import collection, every_construct, rezip
from .conftest import DATA, bank_yaml
from .domain.test_moodle_xml import BOMB, XXE
from .test_teach import counts, teacher, upload  # noqa: F401  # teacher is a fixture
from .test_teach_formats import upload_and_publish

FORMATS = DATA / "formats"


def test_a_moodle_xml_upload_converts_imports_and_lists_what_was_left_out(app, teacher):  # noqa: F811
    data = (FORMATS / "moodle-every-construct.xml").read_bytes()
    preview, response = upload_and_publish(teacher, data, "pharmacology.xml")
    assert "Discuss diuretics" in preview and "essay" in preview  # the preview lists what was left out
    assert response.status_code == 200 and "pharmacology.xml: bank added" in response.text
    assert counts(app) == (1, 1, 9)


def test_an_anki_upload_converts_and_imports(app, teacher):  # noqa: F811
    preview, response = upload_and_publish(teacher, every_construct(), "cardiology.apkg")
    assert "Image Occlusion" in preview
    assert response.status_code == 200 and "cardiology.apkg: bank added" in response.text
    assert counts(app) == (1, 1, 8)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (BOMB, "bomb.xml", "the file declares a DTD or entities, which are refused"),
        (XXE, "xxe.xml", "the file declares a DTD or entities, which are refused"),
        (b"<quiz><question>", "cut.xml", "this is not well-formed XML"),
        (rezip({"collection.anki2": b"x", "../evil": b"x"}), "evil.apkg", "unsafe path"),
        (rezip({"collection.anki2": b"\x00" * (8 * 1024 * 1024)}), "bomb.apkg", "zip bomb"),
        (rezip({"collection.anki2": b"SQLite format 3\x00" + b"\x17" * 2048}), "corrupt.apkg", "collection inside"),
        (b"PK\x03\x04 not really", "broken.apkg", "this is not an Anki package"),
    ],
)
def test_bad_files_are_a_clear_4xx_and_change_nothing(app, teacher, data, name, message):  # noqa: F811
    response = upload(teacher, data, name)
    assert response.status_code == 422
    assert f"{name} was not imported" in response.text and message in response.text
    assert counts(app) == (0, 0, 0)


def test_teachers_download_moodle_xml_and_anki_packages(app, teacher, make_bank):  # noqa: F811
    make_bank(bank_yaml())
    xml = teacher.get("/teach/banks/demo/export/moodle-xml")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert xml.headers["Content-Disposition"] == 'attachment; filename="demo.xml"'
    back = parse_bank(read_moodle_xml(xml.data, bank_id="demo").package.yaml_text)
    assert [q.id for q in back.questions] == ["q1", "q2"]  # the flashcard has no Moodle counterpart
    apkg = teacher.get("/teach/banks/demo/export/apkg")
    assert apkg.status_code == 200
    assert apkg.headers["Content-Disposition"] == 'attachment; filename="demo.apkg"'
    assert zipfile.ZipFile(io.BytesIO(apkg.data)).namelist()[0] == "collection.anki2"
    assert collection(apkg.data).execute("SELECT count(*) FROM notes").fetchone()[0] == 3
