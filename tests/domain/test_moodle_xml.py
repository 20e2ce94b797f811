"""Moodle XML: every construct of the sample export, round trips for every type, and bad files."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
import yaml

from quizapp.domain.banks import bank_to_data, parse_bank, prepare_media
from quizapp.domain.formats.moodle_xml import MoodleXmlError, read_moodle_xml, write_moodle_xml
from quizapp.domain.packages import BankPackage
from quizapp.domain.types import QUESTION_TYPES

DATA = Path(__file__).resolve().parent.parent / "data" / "formats"
TODAY = dt.date(2026, 12, 1)
PNG = (DATA / "pixel.png").read_bytes()


def checked(package: BankPackage):
    """The converted bank through the same validator as a hand-written one, pictures included."""
    return parse_bank(package.yaml_text, package.source_name, prepare_media(package.media))


@pytest.fixture(scope="module")
def sample():
    conversion = read_moodle_xml((DATA / "moodle-every-construct.xml").read_bytes(), name="pharm.xml", today=TODAY)
    bank = checked(conversion.package)  # converted banks pass the same validator
    return conversion, {q.id: q for q in bank.questions}


def test_the_header_says_what_the_file_did_not(sample):
    conversion, _ = sample
    header = yaml.safe_load(conversion.package.yaml_text)
    assert header["id"] == "pharm"
    assert header["license"] == "Not stated in the source file (pharm.xml)."
    assert header["authors"] == ["Not stated in the source file (pharm.xml)"]
    assert header["reviewed_on"] == TODAY
    assert header["description"] == "Converted from pharm.xml (Moodle XML)."


def test_single_choice_with_html_image_feedback_grade_and_category(sample):
    _, questions = sample
    q = questions["loop-diuretic-site"]
    assert q.type == "single"
    assert q.prompt == (
        "Where does **furosemide** act?\n\n![A nephron with its segments labelled](media/nephron-diagram.png)"
    )
    assert [(c.id, c.text, c.correct, c.feedback) for c in q.choices] == [
        ("a", "Thick ascending limb", True, "Right."),
        ("b", "Loop of Henle, descending", False, "Close."),
        ("c", "Collecting duct", False, None),
    ]
    assert q.shuffle is False
    assert q.explanation == "It blocks NKCC2 in the *thick ascending limb*."
    assert q.points == 2.0
    # The category path (less its context and Moodle's default category) and the question's own tags.
    assert q.tags == ["pharmacology", "renal-dosing", "diuretics"]


def test_embedded_files_become_package_media(sample):
    conversion, _ = sample
    assert dict(conversion.package.media) == {"media/nephron-diagram.png": PNG}


def test_multiple_choice_with_negative_fractions_and_all_or_nothing(sample):
    _, questions = sample
    partial, strict = questions["potassium-sparing"], questions["all-or-nothing"]
    assert [c.correct for c in partial.choices] == [True, True, False]
    assert partial.scoring == "partial"
    assert partial.choices[2].feedback == "It wastes potassium."
    assert strict.scoring == "all_or_nothing"
    assert strict.prompt == "Pick both thiazides"


def test_true_false_short_answer_numeric(sample):
    _, questions = sample
    tf = questions["mannitol-osmotic"]
    assert (tf.answer, tf.feedback.true, tf.feedback.false) == (True, "Yes.", "It is.")
    short = questions["antidote"]
    assert short.answers == ["carbonic anhydrase", "CA"]
    assert short.strict is False
    dose = questions["dose"]
    assert (dose.answer, dose.tolerance, dose.unit) == (40.0, 5.0, "mg")


def test_matching_ordering_and_cloze(sample):
    _, questions = sample
    match = questions["match-drugs"]
    assert [(p.left, p.right) for p in match.pairs] == [("Furosemide", "Loop"), ("Bendroflumethiazide", "Thiazide")]
    assert match.distractors == ["Osmotic"]
    assert questions["nephron-order"].items == ["Proximal tubule", "Loop of Henle", "Distal tubule"]
    cloze = questions["cloze-gaps"]
    assert cloze.prompt == "Furosemide is a {{c1::loop}} diuretic; its usual oral dose is {{c2::40}} mg."


def test_what_cannot_be_mapped_is_reported_with_name_and_line(sample):
    conversion, questions = sample
    skipped = {(s.name, s.line): s.reason for s in conversion.skipped}
    assert "MULTICHOICE gap" in skipped[("Cloze with choice", 82)]
    assert "essay" in skipped[("Discuss diuretics", 86)]
    assert "calculated" in skipped[("Clearance", 90)]
    assert "description" in skipped[("Intro", 94)]
    assert "no alt text" in skipped[("No alt", 98)]
    assert not {"cloze-with-choice", "discuss-diuretics", "clearance", "intro", "no-alt"} & set(questions)
    # What a converted question lost is reported too.
    assert "worth 50%" in skipped[("Loop diuretic site", 6)]
    assert "units other than the main one" in skipped[("Dose", 53)]
    notes = [s.reason for s in conversion.skipped if s.name == "Antidote"]
    assert any("wildcard" in n for n in notes) and any("partly right" in n for n in notes)


# --- round trips --------------------------------------------------------------------------------------

COMMON = {"explanation": "Because *this*.", "tags": ["renal", "drugs"], "points": 2.5}
EXAMPLES = {
    "single": {
        "prompt": "Pick one ![A chart](media/chart.png)",
        "choices": [
            {"id": "a", "text": "One", "correct": True, "feedback": "Yes"},
            {"id": "b", "text": "Two", "feedback": "No"},
        ],
        "shuffle": False,
    },
    "multiple": {
        "prompt": "Pick some",
        "choices": [
            {"id": "a", "text": "One", "correct": True},
            {"id": "b", "text": "Two", "correct": True, "feedback": "Also"},
            {"id": "c", "text": "Three"},
        ],
    },
    "true_false": {"prompt": "The sky is **blue**.", "answer": False, "feedback": {"true": "No", "false": "Right"}},
    "short_answer": {"prompt": "Name it", "answers": ["Loop", "Henle's loop"], "strict": True},
    "numeric": {"prompt": "How much?", "answer": 1.5, "tolerance": 0.25, "unit": "mmol/L"},
    "matching": {
        "prompt": "Match",
        "pairs": [{"left": "A", "right": "1"}, {"left": "B", "right": "2"}],
        "distractors": ["3"],
    },
    "ordering": {"prompt": "Order", "items": ["First", "Second", "Third"]},
    "cloze": {"prompt": "A {{c1::loop|Loop of Henle}} and {{c2::x\\}y}}.", "strict": True},
}
VARIANTS = {
    "multiple-all-or-nothing": ("multiple", {**EXAMPLES["multiple"], "scoring": "all_or_nothing"}),
    "single-shuffled": ("single", {**EXAMPLES["single"], "shuffle": True}),
    "cloze-lenient": ("cloze", {"prompt": "{{c1::a}} and {{c2::b}}"}),
    "numeric-bare": ("numeric", {"prompt": "How many?", "answer": 3}),
}


def _bank(questions):
    return {
        "format": 1,
        "id": "round",
        "title": "Round trip",
        "description": "d",
        "language": "en",
        "license": "CC-BY-4.0",
        "authors": ["A"],
        "reviewed_on": "2026-01-01",
        "questions": questions,
    }


CHART = {"media/chart.png": PNG}


def _source(questions):
    """The bank as an export gets it: its pictures by their file names, given only when a question uses
    them (a package's unused file is refused)."""
    text = yaml.safe_dump(_bank(questions))
    return checked(BankPackage(text, CHART if "media/chart.png" in text else {}))


def _round_trip(question):
    source = _source([question])
    xml = write_moodle_xml(bank_to_data(source), CHART)
    back = read_moodle_xml(xml, bank_id="round", today=TODAY)
    returned = checked(back.package)
    return source.questions[0], returned.questions[0], back


CASES = {name: (name, fields) for name, fields in EXAMPLES.items()} | VARIANTS


@pytest.mark.parametrize("case", sorted(CASES))
def test_yaml_to_moodle_xml_to_yaml_keeps_every_field_moodle_carries(case):
    kind, fields = CASES[case]
    original, returned, back = _round_trip({"id": "q-1", "type": kind, **fields, **COMMON})
    assert returned == original
    assert back.skipped == ()


def test_every_quiz_type_has_a_round_trip_case():
    assert {kind for kind, _ in CASES.values()} == set(QUESTION_TYPES) - {"flashcard"}


def test_images_travel_as_embedded_files():
    _, returned, back = _round_trip({"id": "q", "type": "single", **EXAMPLES["single"]})
    assert dict(back.package.media) == CHART
    assert returned.prompt == "Pick one ![A chart](media/chart.png)"


def test_a_flashcard_is_left_out_with_a_comment_saying_so():
    flash = {"id": "card", "type": "flashcard", "front": "F", "back": "B"}
    single = {"id": "q", "type": "single", **EXAMPLES["single"]}
    xml = write_moodle_xml(bank_to_data(_source([flash, single])), CHART)
    assert b"<!-- card left out: Moodle has no counterpart for a flashcard -->" in xml
    assert [q.id for q in checked(read_moodle_xml(xml, today=TODAY).package).questions] == ["q"]


def test_export_writes_markdown_texts_and_moodle_types():
    questions = [{"id": f"q-{kind}", "type": kind, **fields} for kind, fields in EXAMPLES.items()]
    xml = write_moodle_xml(bank_to_data(_source(questions)), CHART)
    text = xml.decode()
    for qtype in ("multichoice", "truefalse", "shortanswer", "numerical", "match", "ordering", "multianswer"):
        assert f'<question type="{qtype}">' in text
    assert '<questiontext format="markdown">' in text
    assert "{1:SHORTANSWER_C:=loop~=Loop of Henle}" in text
    assert '<file name="chart.png" path="/" encoding="base64">' in text
    assert "@@PLUGINFILE@@/chart.png" in text


# --- bad files ----------------------------------------------------------------------------------------

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<quiz><question type="truefalse"><name><text>&lol3;</text></name></question></quiz>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<quiz><question type="shortanswer"><name><text>&xxe;</text></name></question></quiz>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE quiz SYSTEM "http://example.invalid/quiz.dtd">
<quiz/>"""


@pytest.mark.parametrize("data", [BOMB, XXE, EXTERNAL_DTD], ids=["billion-laughs", "external-entity", "dtd"])
def test_a_dtd_or_entity_is_refused(data):
    with pytest.raises(MoodleXmlError, match=r"evil\.xml:\d+: the file declares a DTD or entities, which are refused"):
        read_moodle_xml(data, name="evil.xml")


def test_malformed_xml_names_its_line_and_column():
    data = b'<?xml version="1.0"?>\n<quiz>\n  <question type="truefalse">\n  </quiz>\n'
    with pytest.raises(MoodleXmlError, match=r"bad\.xml:4:5: this is not well-formed XML"):
        read_moodle_xml(data, name="bad.xml")


def test_not_moodle_xml():
    with pytest.raises(MoodleXmlError, match="starts with <quiz>, not <html>"):
        read_moodle_xml(b"<html><body/></html>", name="page.xml")
    with pytest.raises(MoodleXmlError, match="not well-formed"):
        read_moodle_xml(b"\x89PNG\r\n", name="image.xml")


def test_a_file_where_nothing_converts_is_refused_with_the_reasons():
    data = b'<quiz>\n<question type="essay"><name><text>E</text></name></question></quiz>'
    with pytest.raises(
        MoodleXmlError, match=r"essays\.xml: nothing in the file could be converted \(line 2: 'E' Moodle essay"
    ):
        read_moodle_xml(data, name="essays.xml")


def test_a_broken_embedded_file_skips_its_question_only():
    data = b"""<quiz>
<question type="truefalse"><name><text>Bad file</text></name>
<questiontext format="html"><text>x</text><file name="a.png" encoding="base64">!!!</file></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>
<question type="truefalse"><name><text>Good</text></name>
<questiontext format="html"><text>y</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>
</quiz>"""
    conversion = read_moodle_xml(data, today=TODAY)
    assert [(s.name, s.line, s.reason) for s in conversion.skipped] == [
        ("Bad file", 2, "the file 'a.png' is not valid base64")
    ]
    assert [q.id for q in checked(conversion.package).questions] == ["good"]


def test_html_is_sanitised():
    data = b"""<quiz><question type="truefalse"><name><text>X</text></name>
<questiontext format="html"><text><![CDATA[<p onclick="x()">Safe<script>alert(1)</script>
 <a href="javascript:x()">link</a></p>]]></text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question></quiz>"""
    prompt = checked(read_moodle_xml(data, today=TODAY).package).questions[0].prompt
    assert prompt == "Safe link"


def test_a_file_over_the_size_limit_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr("quizapp.domain.formats.moodle_xml.MAX_XML_BYTES", 100)
    with pytest.raises(MoodleXmlError, match=r"big\.xml: the file is larger than 0 MiB"):
        read_moodle_xml(b"<quiz>" + b" " * 200 + b"</quiz>", name="big.xml")


def test_an_image_whose_alt_text_only_names_it_skips_its_question_and_its_file():
    # The bank validator refuses such alt text; the converter skips the question so the rest still imports.
    embedded = f'<file name="chart.png" path="/" encoding="base64">{base64.b64encode(PNG).decode()}</file>'

    def question(name, alt, file_name):
        return f"""<question type="truefalse"><name><text>{name}</text></name>
<questiontext format="html"><text><![CDATA[<p>Look <img src="@@PLUGINFILE@@/{file_name}" alt="{alt}"></p>]]></text>
{embedded.replace("chart.png", file_name)}</questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>
"""

    data = "<quiz>\n" + question("Vague", "chart.png", "chart.png") + question("Good", "A bar chart", "bars.png")
    conversion = read_moodle_xml((data + "</quiz>").encode(), today=TODAY)
    assert [(s.name, s.reason) for s in conversion.skipped] == [
        (
            "Vague",
            "the image 'chart.png' has the alt text 'chart.png', which does not say what it shows:"
            " describe it in Moodle",
        )
    ]
    assert dict(conversion.package.media) == {"media/bars.png": PNG}
    assert [q.prompt for q in checked(conversion.package).questions] == ["Look ![A bar chart](media/bars.png)"]
