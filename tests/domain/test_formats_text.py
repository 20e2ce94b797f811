"""Aiken and CSV, the dispatcher that picks a format, and cells made safe for spreadsheets."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain.banks import bank_to_data, parse_bank
from quizapp.domain.formats import (
    EXPORT_FORMATS,
    FORMATS,
    FormatError,
    export_bank,
    format_for,
    read_bank_file,
    writable,
    write_bank,
)
from quizapp.domain.spreadsheets import safe_cell, unsafe_cell

DATA = Path(__file__).resolve().parent.parent / "data" / "formats"
TODAY = dt.date(2026, 12, 1)
ALL_TYPES = parse_bank((DATA.parent / "banks" / "all-types.yaml").read_text(), "all-types.yaml")


def bank_data(bank) -> dict:
    return json.loads(json.dumps(bank_to_data(bank), default=str))


def convert(name: str, data: bytes, **kwargs):
    return read_bank_file(name, data, today=TODAY, **kwargs)


def questions(name: str, data: bytes, **kwargs) -> list[dict]:
    return bank_data(parse_bank(convert(name, data, **kwargs).package.yaml_text))["questions"]


# --- Aiken -------------------------------------------------------------------------------------------------


def test_aiken_with_both_option_styles_and_a_two_line_prompt():
    found = questions("sample.txt", (DATA / "sample.aiken.txt").read_bytes(), from_format="aiken")
    assert [q["type"] for q in found] == ["single", "single"]
    assert [c["text"] for c in found[0]["choices"]] == ["Oligodendrocytes", "Schwann cells", "Astrocytes"]
    assert [c.get("correct", False) for c in found[0]["choices"]] == [True, False, False]
    assert found[1]["prompt"] == "Which of these is an immune cell\nof the brain?"
    assert all(q["id"].startswith("q-") for q in found)


def test_a_txt_file_is_gift_unless_aiken_is_named():
    assert format_for("x.txt").name == "gift"
    assert format_for("x.txt", "aiken").name == "aiken"
    with pytest.raises(FormatError):  # read as GIFT, an Aiken file is descriptions: nothing converts
        convert("sample.txt", (DATA / "sample.aiken.txt").read_bytes())


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Q?\nA. one\nC. two\nANSWER: A\n", 3, "expected option B. here, found C."),
        ("Q?\nA. one\nB. two\nANSWER: D\n", 4, "ANSWER: D is not one of the options A to B"),
        ("Q?\nA. one\nANSWER: A\n", 3, "at least two options"),
        ("Q?\nA. one\nB. two\nstray text\n", 4, "expected the next option"),
        ("\n\nQ?\nA. one\nB. two\n", 3, "no ANSWER: line"),
        ("ANSWER: A\n", 1, "expected the next option"),
        ("Q?\nA. one\nB. \xff\nANSWER: A\n", 3, "not valid UTF-8"),
    ],
)
def test_malformed_aiken_is_an_error_with_its_line(text, line, message):
    with pytest.raises(FormatError) as info:
        convert("bad.txt", text.encode("latin-1") if "\xff" in text else text.encode(), from_format="aiken")
    assert (info.value.problems[0].line, message in info.value.problems[0].message) == (line, True)


def test_aiken_export_keeps_single_choice_and_reports_the_rest():
    exported = export_bank("aiken", bank_data(ALL_TYPES))
    text = exported.content.decode()
    assert text.startswith("Which organ does multiple sclerosis affect?\nA. The central nervous system\n")
    assert "ANSWER: A\n" in text
    assert {s.name for s in exported.skipped} == {q.id for q in ALL_TYPES.questions} - {"single-1"}
    assert all("Aiken has only single-choice questions" in s.reason for s in exported.skipped)
    back = questions("back.txt", exported.content, from_format="aiken")
    assert [(c["text"], c.get("correct", False)) for c in back[0]["choices"]] == [
        ("The central nervous system", True),
        ("The peripheral nervous system", False),
    ]


def test_aiken_export_skips_prompts_that_would_read_as_options():
    data = bank_data(ALL_TYPES)
    data["questions"][0]["prompt"] = "Pick one:\nA. is not an option line"
    exported = export_bank("aiken", data)
    assert "single-1" in {s.name for s in exported.skipped} and exported.content == b""


# --- CSV ---------------------------------------------------------------------------------------------------


def test_csv_with_a_header_row_tabs_quotes_and_a_row_without_a_back():
    conversion = convert("cards.csv", (DATA / "anki-header.tsv").read_bytes())
    found = bank_data(parse_bank(conversion.package.yaml_text))["questions"]
    assert [(q["type"], q["front"], q["back"], q.get("tags")) for q in found] == [
        ("flashcard", "What does CIS stand for?", "Clinically isolated syndrome", ["ms", "acronyms"]),
        ("flashcard", 'A card, with "quotes"\nover two lines', "Its back", None),
    ]
    assert [(s.line, s.reason) for s in conversion.skipped] == [(6, "a card needs a front and a back")]


def test_csv_with_semicolons_a_byte_order_mark_and_no_header():
    found = questions("semicolon-bom.csv", (DATA / "semicolon-bom.csv").read_bytes())
    assert [(q["front"], q["back"], q.get("tags")) for q in found] == [
        ("What is MS?", "Multiple sclerosis", ["ms"]),
        ("What is CNS?", "Central nervous system", None),
    ]


def test_csv_with_commas():
    found = questions("c.csv", b'front,back\n"Hello, world",A greeting\n')
    assert (found[0]["front"], found[0]["back"]) == ("Hello, world", "A greeting")


def test_anki_header_lines_and_html_cells():
    found = questions("anki.csv", (DATA / "anki-export.txt").read_bytes(), from_format="csv")
    assert (found[0]["front"], found[0]["back"], found[0]["tags"]) == (
        "**Bold** front",
        "Back\\\nline two",  # <br> as a hard line break
        ["neuro-cells", "other"],
    )


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b'front,back\nok,fine\n"unclosed,quote\n', 3, "not valid CSV"),
        (b"front,back\nfine,ok\n\xff,bad\n", 3, "not valid UTF-8"),
        (b"only one column\nanother\n", 0, "nothing in the file could be converted"),
        (b"", 0, "nothing in the file could be converted"),
        (b"a,b\x00c\n", 1, "NUL character"),
    ],
)
def test_malformed_csv_is_an_error_with_its_line(data, line, message):
    with pytest.raises(FormatError) as info:
        convert("bad.csv", data)
    problem = info.value.problems[0]
    assert (problem.line, message in problem.message) == (line, True), problem


def test_csv_export_writes_every_card_face_and_reads_back():
    exported = export_bank("csv", bank_data(ALL_TYPES))
    text = exported.content.decode()
    assert text.startswith("#separator:Comma\n#html:false\n#tags column:3\n")
    rows = list(csv.reader(io.StringIO(text.split("\n", 3)[3])))
    assert len(rows) == len(ALL_TYPES.questions) + 1  # the cloze question has two gaps: two cards
    assert rows[-1] == ["What does CIS stand for?", "Clinically isolated syndrome.", "demo"]
    back = questions("all-types.csv", exported.content)
    assert len(back) == len(rows) and all(q["type"] == "flashcard" for q in back)


def test_csv_export_neutralises_formulas_and_reads_back_without_the_apostrophe():
    data = bank_data(ALL_TYPES)
    data["questions"][-1] |= {"front": '=HYPERLINK("http://x")', "back": "+1", "tags": ["demo"]}
    content = write_bank("csv", data)
    rows = list(csv.reader(io.StringIO(content.decode().split("\n", 3)[3])))
    assert rows[-1][:2] == ['\'=HYPERLINK("http://x")', "'+1"]
    card = questions("back.csv", content)[-1]
    assert (card["front"], card["back"]) == ('=HYPERLINK("http://x")', "+1")


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain", "plain"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_safe_cell(text, safe):
    assert safe_cell(text) == safe
    assert unsafe_cell(safe) == text


# --- the dispatcher ----------------------------------------------------------------------------------------


def test_formats_by_extension_and_name():
    assert [format_for(n).name for n in ("a.yaml", "a.YML", "a.gift", "a.txt", "a.csv")] == [
        "yaml",
        "yaml",
        "gift",
        "gift",
        "csv",
    ]
    with pytest.raises(FormatError, match="cannot tell the format"):
        format_for("a.pdf")
    with pytest.raises(FormatError, match="cannot read the format 'nope'"):
        format_for("a.gift", "nope")
    assert format_for("a.pdf", default="yaml").name == "yaml"


def test_yaml_passes_through_unchanged():
    source = (DATA.parent / "banks" / "all-types.yaml").read_bytes()
    conversion = read_bank_file("all-types.yaml", source, today=TODAY)
    assert conversion.package.yaml_text.encode() == source and conversion.skipped == ()


def test_an_unknown_export_format_is_refused_clearly():
    with pytest.raises(FormatError) as info:
        export_bank("docx", bank_data(ALL_TYPES))
    assert info.value.problems[0].message == (
        "this version cannot export 'docx' yet; it exports yaml, zip, gift, moodle-xml, aiken, csv, apkg"
    )
    assert set(FORMATS) == {"yaml", "zip", "gift", "moodle-xml", "aiken", "csv", "apkg"}


def test_every_format_the_command_line_offers_writes_banks():
    # `flask bank export --format` offers EXPORT_FORMATS: each must be registered and write, or the
    # command would offer a choice it then refuses.
    assert [f.name for f in writable()] == list(EXPORT_FORMATS)
    for name in EXPORT_FORMATS:
        assert export_bank(name, bank_data(ALL_TYPES)).content


def test_yaml_export_is_the_existing_yaml_export():
    assert parse_bank(write_bank("yaml", bank_data(ALL_TYPES))) == ALL_TYPES


_TEXT_ALPHABET = st.sampled_from(
    [*"ABC.)\t,;\"'\n \r#:=x", "ANSWER:", "ANSWER: A", "A. ", "B) ", "#separator:", "\ufeff"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT_ALPHABET, max_size=60).map("".join), st.sampled_from([("x.txt", "aiken"), ("x.csv", None)]))
def test_the_aiken_and_csv_readers_never_raise_anything_but_their_error(text, where):
    name, from_format = where
    try:
        conversion = convert(name, text.encode(), from_format=from_format)
    except FormatError:
        return
    parse_bank(conversion.package.yaml_text, "fuzzed.yaml")  # what converts always validates


def test_a_csv_card_showing_an_image_is_skipped_as_the_file_carries_none():
    data = b"![A heart with the left ventricle in red](media/heart.png),Left ventricle\nAorta,Main artery\n"
    conversion = read_bank_file("cards.csv", data, today=dt.date(2026, 12, 1))
    assert [(s.line, s.reason.split(":")[0]) for s in conversion.skipped] == [
        (1, "the image 'media/heart.png' is not a file in what was converted")
    ]
    assert [q.front for q in parse_bank(conversion.package.yaml_text).questions] == ["Aorta"]


def test_a_picture_in_an_html_cell_skips_its_row_with_the_line():
    data = b"#separator:Tab\n#html:true\nMyelin<br>sheath\tfatty layer\n<img src='a.png'> cell\tback\n"
    conversion = convert("cards.txt", data, from_format="csv")
    (skipped,) = conversion.skipped
    assert skipped.line == 4 and "image" in skipped.reason
    assert [q["front"] for q in questions("cards.txt", data, from_format="csv")] == ["Myelin\\\nsheath"]
