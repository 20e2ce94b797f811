"""The `flask bank` commands: exit codes, reports on stderr, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from quizapp.domain.banks import parse_bank
from quizapp.extensions import db
from quizapp.models import Bank, Question

from .conftest import DATA, ROOT, bank_yaml

ALL_TYPES = str(DATA / "banks" / "all-types.yaml")


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_validate_valid_bank_exits_0(runner):
    result = runner.invoke(args=["bank", "validate", ALL_TYPES])
    assert result.exit_code == 0
    assert result.stdout == "1 file checked: 1 valid (9 questions).\n"


def test_validate_reports_every_problem_in_every_file_and_exits_1(runner, tmp_path):
    bad1 = write(tmp_path, "bad1.yaml", bank_yaml("one").replace("answer: false", "answer: nope"))
    bad2 = write(tmp_path, "bad2.yaml", bank_yaml("two").replace("type: single", "type: essay"))
    result = runner.invoke(args=["bank", "validate", ALL_TYPES, bad1, bad2])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"{bad1}:21:13: questions[1].answer: expected true or false, got text"
    assert lines[1].startswith(f"{bad2}:12:11: questions[0].type: unknown question type 'essay'")
    assert lines[2] == "3 files checked: 1 valid, 2 with 2 problems."
    assert "Traceback" not in result.output


def test_validate_a_folder(runner):
    result = runner.invoke(args=["bank", "validate", str(DATA / "banks")])
    assert result.exit_code == 0 and "1 valid" in result.stdout


def test_validate_missing_path_is_a_usage_error(runner):
    result = runner.invoke(args=["bank", "validate", "no/such/file.yaml"])
    assert result.exit_code == 2
    assert "no/such/file.yaml: no such file or folder" in result.output


def test_validate_same_bank_id_in_two_files(runner, tmp_path):
    a = write(tmp_path, "a.yaml", bank_yaml("same"))
    b = write(tmp_path, "b.yaml", bank_yaml("same"))
    result = runner.invoke(args=["bank", "validate", a, b])
    assert result.exit_code == 1
    assert f"{b}: id: bank id 'same' is also used by {a}" in result.stderr


def test_import_then_reimport_then_edit(runner, app, tmp_path):
    path = write(tmp_path, "demo.yaml", bank_yaml())
    first = runner.invoke(args=["bank", "import", path])
    assert first.exit_code == 0
    assert first.stdout == "demo: created (version 1): 3 added, 0 changed, 0 retired\n"
    again = runner.invoke(args=["bank", "import", path])
    assert again.exit_code == 0 and again.stdout == "demo: unchanged (version 1)\n"
    Path(path).write_text(bank_yaml().replace("Second question?", "Second question, edited?"))
    edited = runner.invoke(args=["bank", "import", path])
    assert edited.stdout == "demo: updated (version 2): 0 added, 1 changed, 0 retired\n"


def test_import_with_any_invalid_bank_imports_nothing(runner, app, tmp_path):
    good = write(tmp_path, "good.yaml", bank_yaml("good"))
    bad = write(tmp_path, "bad.yaml", bank_yaml("bad").replace("prompt:", "promt:", 1))
    result = runner.invoke(args=["bank", "import", good, bad])
    assert result.exit_code == 1
    assert "unknown field 'promt'" in result.stderr
    assert "Nothing imported: 2 problem(s) found." in result.stderr
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Bank)) == 0


def test_list(runner, make_bank):
    assert runner.invoke(args=["bank", "list"]).stdout == "No banks imported yet.\n"
    make_bank(bank_yaml())
    out = runner.invoke(args=["bank", "list"]).stdout
    assert out.startswith("demo  v1")
    assert "3 questions" in out and "reviewed 2026-11-25" in out and "Bank demo" in out


def test_export_writes_yaml_that_validates_and_reimports_unchanged(runner, app, tmp_path):
    runner.invoke(args=["bank", "import", ALL_TYPES])
    result = runner.invoke(args=["bank", "export", "all-types"])
    assert result.exit_code == 0
    exported = parse_bank(result.stdout, "exported.yaml")
    assert exported == parse_bank(Path(ALL_TYPES).read_text(), "all-types.yaml")
    out = str(tmp_path / "out.yaml")
    assert runner.invoke(args=["bank", "export", "all-types", "-o", out]).exit_code == 0
    again = runner.invoke(args=["bank", "import", out])
    assert again.stdout == "all-types: unchanged (version 1)\n"


def test_export_unknown_bank(runner):
    result = runner.invoke(args=["bank", "export", "nope"])
    assert result.exit_code == 2 and "no bank with the id 'nope'" in result.output


def test_schema_is_json(runner):
    result = runner.invoke(args=["bank", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "quizapp question bank, format 1"


def test_retired_questions_are_reported(runner, app, tmp_path):
    path = write(tmp_path, "demo.yaml", bank_yaml())
    runner.invoke(args=["bank", "import", path])
    Path(path).write_text(bank_yaml().split("  - id: q2")[0])
    result = runner.invoke(args=["bank", "import", path])
    assert result.stdout == "demo: updated (version 2): 0 added, 0 changed, 2 retired\n"
    with app.app_context():
        retired = db.session.scalar(select(func.count()).select_from(Question).where(Question.retired_at.isnot(None)))
        assert retired == 2


def test_real_flask_command_exit_codes_and_no_traceback(tmp_path):
    """The commands as a teacher types them, in a separate process."""
    env = {**os.environ, "QUIZAPP_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cli.sqlite'}"}
    env.pop("QUIZAPP_DEVELOPMENT", None)  # production mode: CLI commands still work without a secret key
    flask = [sys.executable, "-m", "flask", "--app", "quizapp"]
    bad = write(tmp_path, "bad.yaml", "id: [unclosed\n")
    ok = subprocess.run([*flask, "bank", "validate", ALL_TYPES], env=env, capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    fail = subprocess.run([*flask, "bank", "validate", bad], env=env, capture_output=True, text=True, cwd=ROOT)
    assert fail.returncode == 1
    assert fail.stderr.startswith(f"{bad}:2:1: not valid YAML:")
    assert "Traceback" not in fail.stderr
    up = subprocess.run([*flask, "db", "upgrade"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert up.returncode == 0, up.stderr
    imp = subprocess.run([*flask, "bank", "import", ALL_TYPES], env=env, capture_output=True, text=True, cwd=ROOT)
    assert imp.returncode == 0 and imp.stdout.startswith("all-types: created (version 1)")
