"""Operations take the time as ``now`` and stamp their rows with it: nothing below the views reads the clock."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from quizapp.domain.accounts import ThrottlePolicy
from quizapp.domain.banks import parse_bank
from quizapp.extensions import db, passwords
from quizapp.models import Bank, BankVersion
from quizapp.operations import create_user, import_bank, register

from .conftest import PASSWORD, bank_yaml

PACKAGE = Path(__file__).resolve().parent.parent / "quizapp"
WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
LATER = WHEN + dt.timedelta(days=40)
CLOCKS = {"utcnow", "now", "today"}  # utcnow(), datetime.now(), date.today()
TIME_CLOCKS = {"time", "monotonic", "perf_counter"}  # time.time() and friends


def _clock_calls(path: Path) -> list[str]:
    calls = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func, name = node.func, ""
        on_time_module = isinstance(func, ast.Attribute) and getattr(func.value, "id", None) == "time"
        if isinstance(func, ast.Name) and func.id in CLOCKS:
            name = func.id
        elif isinstance(func, ast.Attribute) and (func.attr in CLOCKS or (on_time_module and func.attr in TIME_CLOCKS)):
            name = func.attr
        if name:
            calls.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}()")
    return calls


@pytest.mark.parametrize("layer", ["domain", "operations", "queries"])
def test_no_operation_query_or_domain_function_reads_the_clock(layer):
    found = [call for path in sorted((PACKAGE / layer).rglob("*.py")) for call in _clock_calls(path)]
    assert not found, found


def test_the_clock_check_sees_a_clock_call(tmp_path, monkeypatch):
    monkeypatch.setattr("tests.test_clock.PACKAGE", tmp_path)
    sample = tmp_path / "sample.py"
    sample.write_text("stamp = dt.datetime.now(dt.UTC)\nother = utcnow()\nfour = dt.time(4)\nt = time.time()\n")
    assert _clock_calls(sample) == ["sample.py:1 now()", "sample.py:2 utcnow()", "sample.py:4 time()"]


def test_a_new_account_is_stamped_with_the_time_given(app):
    with app.app_context():
        made = create_user(db.session, "stamped", PASSWORD, passwords=passwords(), now=WHEN)
        policy = ThrottlePolicy()
        joined = register(db.session, "joined", PASSWORD, None, passwords=passwords(), policy=policy, now=LATER)
        db.session.commit()
        assert (made.created_at, made.password_changed_at) == (WHEN, WHEN)
        assert (joined.created_at, joined.password_changed_at) == (LATER, LATER)


def test_an_import_is_stamped_with_the_time_given(app):
    first = bank_yaml().encode()
    second = bank_yaml(title='"Bank demo, retitled"').encode()
    with app.app_context():
        import_bank(db.session, parse_bank(first, "demo.yaml"), first, "demo.yaml", WHEN)
        import_bank(db.session, parse_bank(second, "demo.yaml"), second, "demo.yaml", LATER)
        db.session.commit()
        bank = db.session.scalars(db.select(Bank)).one()
        assert (bank.created_at, bank.updated_at) == (WHEN, LATER)
        assert [v.imported_at for v in db.session.scalars(db.select(BankVersion).order_by(BankVersion.number))] == [
            WHEN,
            LATER,
        ]
