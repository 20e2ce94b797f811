"""`flask bank convert`, and `import`, `validate` and `export --format` with other formats."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from sqlalchemy import func, select

from quizapp.domain.banks import parse_bank
from quizapp.extensions import db
from quizapp.models import Bank, Question

from .conftest import DATA

GIFT = str(DATA / "formats" / "constructs.gift")
AIKEN = str(DATA / "formats" / "sample.aiken.txt")
ALL_TYPES = str(DATA / "banks" / "all-types.yaml")


def test_convert_to_stdout_lists_what_was_skipped_on_stderr(runner):
    result = runner.invoke(args=["bank", "convert", GIFT])
    assert result.exit_code == 0, result.output
    bank = parse_bank(result.stdout, "converted.yaml")
    assert bank.id == "constructs" and len(bank.questions) == 17
    assert f"{GIFT}: skipped: line 61: 'Essay' an essay question" in result.stderr
    assert f"{GIFT}: skipped: line 63: 'Description' a description" in result.stderr


def test_convert_to_a_file_with_header_options(runner, tmp_path):
    out = tmp_path / "out.yaml"
    result = runner.invoke(
        args=[
            "bank", "convert", GIFT, "-o", str(out), "--id", "neuro", "--title", "Neurology",
            "--author", "A. Teacher", "--author", "B. Teacher", "--license", "CC-BY-4.0", "--reviewed-on", "2026-10-01",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}: bank 'neuro' with 17 questions." in result.stderr
    bank = parse_bank(out.read_text(), str(out))
    assert (bank.id, bank.title, bank.authors, bank.license) == (
        "neuro",
        "Neurology",
        ["A. Teacher", "B. Teacher"],
        "CC-BY-4.0",
    )
    assert bank.reviewed_on.isoformat() == "2026-10-01"
    assert runner.invoke(args=["bank", "validate", str(out)]).exit_code == 0


def test_convert_aiken_needs_from(runner):
    result = runner.invoke(args=["bank", "convert", AIKEN, "--from", "aiken"])
    assert result.exit_code == 0 and len(parse_bank(result.stdout).questions) == 2
    as_gift = runner.invoke(args=["bank", "convert", AIKEN])
    assert as_gift.exit_code == 1 and "nothing in the file could be converted" in as_gift.stderr


def test_convert_bad_input_exits_1_with_the_line_and_usage_errors_exit_2(runner, tmp_path):
    bad = tmp_path / "bad.gift"
    bad.write_text("::Fine::Yes?{T}\n\n::Broken::Open{=a ~b\n")
    result = runner.invoke(args=["bank", "convert", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{bad}:3: the answer block opened here is not closed with }}",
        "Nothing converted.",
    ]
    assert "Traceback" not in result.output
    assert runner.invoke(args=["bank", "convert", str(tmp_path / "missing.gift")]).exit_code == 2
    assert runner.invoke(args=["bank", "convert", GIFT, "--from", "pdf"]).exit_code == 2
    unknown = tmp_path / "notes.pdf"
    unknown.write_bytes(b"%PDF")
    assert runner.invoke(args=["bank", "convert", str(unknown)]).exit_code == 1  # read as YAML: not a bank


def test_validate_checks_other_formats_too(runner):
    result = runner.invoke(args=["bank", "validate", GIFT, ALL_TYPES])
    assert result.exit_code == 0
    assert result.stdout == "2 files checked: 2 valid (26 questions).\n"


def test_import_a_gift_file_then_again_unchanged(runner, app):
    first = runner.invoke(args=["bank", "import", GIFT, "--reviewed-on", "2026-11-01"])
    assert first.exit_code == 0, first.output
    assert first.stdout == "constructs: created (version 1): 17 added, 0 changed, 0 retired\n"
    assert "skipped: line 61" in first.stderr
    again = runner.invoke(args=["bank", "import", GIFT, "--reviewed-on", "2026-11-01"])
    assert again.stdout == "constructs: unchanged (version 1)\n"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 17


def test_import_a_malformed_file_imports_nothing(runner, app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text('front,back\n"unclosed,quote\n')
    result = runner.invoke(args=["bank", "import", ALL_TYPES, str(bad)])
    assert result.exit_code == 1 and f"{bad}:2: not valid CSV" in result.stderr
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Bank)) == 0


def test_export_every_registered_format(runner, app, tmp_path):
    runner.invoke(args=["bank", "import", ALL_TYPES])
    gift = runner.invoke(args=["bank", "export", "all-types", "--format", "gift"])
    assert gift.exit_code == 0 and "::single-1::[markdown]" in gift.stdout
    assert "skipped: ordering-1: GIFT has no ordering questions" in gift.stderr
    aiken = tmp_path / "all.txt"
    result = runner.invoke(args=["bank", "export", "all-types", "--format", "aiken", "-o", str(aiken)])
    assert result.exit_code == 0 and aiken.read_text().endswith("ANSWER: A\n")
    cards = runner.invoke(args=["bank", "export", "all-types", "--format", "csv"])
    rows = list(csv.reader(io.StringIO(cards.stdout.split("\n", 3)[3])))
    assert len(rows) == 10
    yaml = runner.invoke(args=["bank", "export", "all-types", "--format", "yaml"])
    assert parse_bank(yaml.stdout) == parse_bank(Path(ALL_TYPES).read_text())


def test_export_binary_formats_to_a_file_and_refuse_an_unknown_one(runner, app, tmp_path):
    # Every format --format offers is registered now (tests/domain/test_formats_text.py checks it), so
    # the one refusal left is a format the command does not offer.
    runner.invoke(args=["bank", "import", ALL_TYPES])
    for name in ("apkg", "zip"):
        out = tmp_path / f"all-types.{name}"
        result = runner.invoke(args=["bank", "export", "all-types", "--format", name, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert zipfile.is_zipfile(out)
    assert "collection.anki2" in zipfile.ZipFile(tmp_path / "all-types.apkg").namelist()
    assert "all-types/bank.yaml" in zipfile.ZipFile(tmp_path / "all-types.zip").namelist()
    unknown = runner.invoke(args=["bank", "export", "all-types", "--format", "pdf"])
    assert unknown.exit_code == 2
    assert "'pdf' is not one of 'yaml', 'zip', 'gift', 'moodle-xml', 'aiken', 'csv', 'apkg'" in unknown.output
