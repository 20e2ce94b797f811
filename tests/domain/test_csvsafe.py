"""CSV cells a spreadsheet cannot run as formulas."""

from __future__ import annotations

import csv
import io

import pytest

from quizapp.domain.csvsafe import csv_text, response_text, safe_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-3, -3),
        (2.5, 2.5),
        (True, "yes"),
    ],
)
def test_a_cell_that_could_start_a_formula_gets_an_apostrophe(value, cell):
    assert safe_cell(value) == cell


def test_a_document_reads_back_with_every_cell_safe():
    text = csv_text(["learner", "=bad header"], [['=HYPERLINK("x")', -1.5], ['quote "and", comma', None]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["learner", "'=bad header"], ['\'=HYPERLINK("x")', "-1.5"], ['quote "and", comma', ""]]
    assert text.endswith("\r\n")


def test_a_response_as_text():
    assert response_text({"choice": ["a", "c"]}) == "a; c"
    assert response_text({"text": "myelin"}) == "myelin"
    assert response_text({"gaps": ["x", None]}) == "x; "
    assert response_text({"choice": False}) == "false"
    assert response_text({"pairs": {"a": 1}}) == '{"a": 1}'
    assert response_text(None) == "" and response_text({}) == ""
