"""GIFT: every construct of the sample file, every escape, malformed input, round trips for every type."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain.banks import bank_to_data, parse_bank
from quizapp.domain.formats import FormatError, export_bank, read_bank_file
from quizapp.domain.formats.gift import gift_escape
from quizapp.domain.types import REGISTRY

DATA = Path(__file__).resolve().parent.parent / "data" / "formats"
TODAY = dt.date(2026, 12, 1)


def convert(text: str, name: str = "sample.gift", **kwargs):
    return read_bank_file(name, text.encode(), today=TODAY, **kwargs)


def questions(text: str, **kwargs) -> dict[str, dict]:
    """The converted questions by id, after the validator has read the converted YAML."""
    conversion = convert(text, **kwargs)
    bank = parse_bank(conversion.package.yaml_text, "converted.yaml")
    return {q["id"]: q for q in json.loads(json.dumps(bank_to_data(bank), default=str))["questions"]}


def one(text: str) -> dict:
    (question,) = questions(text).values()
    return question


@pytest.fixture(scope="module")
def sample() -> dict[str, dict]:
    return questions((DATA / "constructs.gift").read_text(), name="constructs.gift")


# --- the sample file, construct by construct ---------------------------------------------------------------


def test_the_sample_converts_to_a_valid_bank_with_a_documented_header():
    conversion = convert((DATA / "constructs.gift").read_text(), "constructs.gift")
    bank = parse_bank(conversion.package.yaml_text, "constructs.yaml")
    assert (bank.id, bank.title, bank.language, bank.reviewed_on) == ("constructs", "Constructs", "en", TODAY)
    assert bank.license == "Not stated in the source file (constructs.gift)."
    assert bank.authors == ["Not stated in the source file (constructs.gift)"]
    assert len(bank.questions) == 17
    skipped = {s.name: s for s in conversion.skipped}
    assert skipped["Essay"].line == 61 and "essay" in skipped["Essay"].reason
    assert skipped["Description"].line == 63 and "description" in skipped["Description"].reason


def test_single_choice_with_feedback_and_general_feedback(sample):
    q = sample["single-choice"]
    assert q["type"] == "single"
    assert [(c["text"], c.get("correct", False), c.get("feedback")) for c in q["choices"]] == [
        ("Oligodendrocytes", True, "Right: each one wraps several axons."),
        ("Schwann cells", False, "Those myelinate peripheral nerves."),
        ("Astrocytes", False, None),
    ]
    assert q["explanation"] == "Myelin in the brain and spinal cord comes from oligodendrocytes."


def test_moodles_own_categories_are_not_topics():
    q = one("$CATEGORY: $course$/top/Default for MS 101/Imaging\n\n::Q::Which?{T}")
    assert q["tags"] == ["imaging"]
    assert "tags" not in one("$CATEGORY: $system$/top/Default for System\n\n::Q::Which?{T}")


def test_category_path_becomes_tags_without_moodle_contexts(sample):
    assert sample["single-choice"]["tags"] == ["neurology", "myelin"]
    unnamed = next(q for q in sample.values() if q["id"].startswith("q-"))
    assert unnamed["tags"] == ["statistics"]


def test_weights_make_a_multiple_choice_question(sample):
    q = sample["multiple-choice"]
    assert q["type"] == "multiple" and q["prompt"] == "Which are **glial** cells?"
    assert [c.get("correct", False) for c in q["choices"]] == [True, True, False]
    assert q["choices"][2]["feedback"] == "No: neurons are not glia."


@pytest.mark.parametrize(
    ("qid", "answer"),
    [("true-statement", True), ("false-statement", False), ("long-true", True), ("short-false", False)],
)
def test_true_false_in_every_spelling(sample, qid, answer):
    assert sample[qid]["type"] == "true_false" and sample[qid]["answer"] is answer


def test_true_false_feedback_first_for_a_wrong_answer_then_for_a_right_one(sample):
    assert sample["true-statement"]["feedback"] == {"true": "Right.", "false": "No, it does speed it up."}


def test_short_answer_keeps_full_marks_answers_and_reports_partial_ones():
    conversion = convert("::Letters::Which letters?{=MS =M.S. =%50%M S#Nearly.}")
    assert one("::Letters::Which letters?{=MS =M.S. =%50%M S#Nearly.}")["answers"] == ["MS", "M.S."]
    reasons = [s.reason for s in conversion.skipped]
    assert any("'M S' worth 50 % was left out" in r for r in reasons)
    assert all(s.line == 1 and s.name == "Letters" for s in conversion.skipped)


@pytest.mark.parametrize(
    ("block", "answer", "tolerance"),
    [("{#12}", 12, 0), ("{#12:0}", 12, 0), ("{#2.8:0.1}", 2.8, 0.1), ("{#1..2}", 1.5, 0.5), ("{#-3:-1}", -3, 1)],
)
def test_numeric_answers(block, answer, tolerance):
    q = one(f"How many?{block}")
    assert (q["type"], q["answer"], q.get("tolerance", 0)) == ("numeric", answer, tolerance)


def test_several_numeric_answers_keep_the_first_worth_full_marks():
    text = "::Pi::Pi to two decimals?{#\n=%50%3.1:0.05#Close.\n=3.14:0.005#Right.\n}"
    q = one(text)
    assert (q["answer"], q["tolerance"]) == (3.14, 0.005)
    assert any("3.1 ± 0.05 was left out" in s.reason for s in convert(text).skipped)


def test_matching_pairs_and_a_distractor(sample):
    q = sample["matching"]
    assert q["pairs"] == [
        {"left": "Oligodendrocyte", "right": "central nervous system"},
        {"left": "Schwann cell", "right": "peripheral nervous system"},
    ]
    assert q["distractors"] == ["muscle"]


def test_missing_word_short_answers_become_a_cloze_gap(sample):
    assert sample["missing-word"]["type"] == "cloze"
    assert (
        sample["missing-word"]["prompt"] == "Myelin is made by {{c1::oligodendrocytes|oligodendroglia}} in the brain."
    )


def test_missing_word_choices_become_a_choice_question_with_a_blank(sample):
    q = sample["missing-word-choice"]
    assert q["type"] == "single" and q["prompt"] == "The brain's immune cells are _____ cells."


def test_html_is_sanitised_into_markdown(sample):
    assert sample["html"]["prompt"] == "Is this **bold** & safe?"
    html = one("[html]<p>A <i>list</i>:</p><ul><li>one</li><li><a href='javascript:x()'>two</a></li></ul>{T}")
    assert html["prompt"] == "A *list*:\n\n- one\n- two"  # the unsafe link keeps its text only


def test_plain_text_is_shown_as_typed(sample):
    assert sample["plain"]["prompt"] == "Is 2 \\* 3 = 6 written \\*plainly\\*?"


def test_text_without_a_format_is_moodles_default_html_allowed_and_shown_as_typed():
    q = one("What is 2*3 <b>here</b>?\\nline two & a \\\\ backslash{=2*3 =six}")
    # Markdown showing the text, the line break a hard break as Moodle shows it
    assert q["prompt"] == "What is 2\\*3 **here**?\\\nline two & a \\\\ backslash"
    assert q["answers"] == ["2*3", "six"]  # typed answers stay as typed
    assert one("[moodle]Is *this* emphasised?{T}")["prompt"] == "Is \\*this\\* emphasised?"


def test_typed_answers_and_matching_options_are_plain_text_in_every_format():
    assert one("[html]Which?{=<b>a&amp;b</b> =c*d}")["answers"] == ["a&b", "c*d"]
    assert one("[plain]Which?{=c*d}")["answers"] == ["c*d"]
    pairs = one("[html]Match{=<i>x</i> -> <b>1*</b> =y -> 2}")["pairs"]
    assert pairs == [{"left": "*x*", "right": "1*"}, {"left": "y", "right": "2"}]


def test_comments_are_ignored_but_lines_still_count():
    with pytest.raises(FormatError) as info:
        convert("// one\n// two\n\n::E::Essay{}\n")
    assert "nothing in the file could be converted" in info.value.problems[0].message
    assert "line 4: 'E'" in info.value.problems[0].message


def test_a_comment_line_inside_a_question_does_not_end_it():
    q = one("::Q::Which?{\n// the right one first\n=yes\n~no\n}")
    assert [c["text"] for c in q["choices"]] == ["yes", "no"]


# --- escapes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "meant"),
    [("\\:", ":"), ("\\#", "#"), ("\\=", "="), ("\\{", "{"), ("\\}", "}"), ("\\~", "~"), ("\\\\", "\\"), ("\\n", "\n")],
)
def test_every_escape_in_prompt_answers_feedback_and_title(written, meant):
    text = (
        f"::Title {written} end::[markdown]Prompt {written} end{{=Right {written} end#Feedback {written} end ~Wrong}}"
    )
    q = one(text)
    assert q["prompt"] == f"Prompt {meant} end"
    assert q["choices"][0]["text"] == f"Right {meant} end"
    assert q["choices"][0]["feedback"] == f"Feedback {meant} end"


def test_the_escapes_sample(sample):
    q = sample["escapes"]
    assert q["prompt"] == (
        "Escaped characters: a colon, a hash #, an equals =, braces { }, a tilde ~ and a backslash \\.\nA second line."
    )
    assert [c["text"] for c in q["choices"]] == ["Answer with = and ~ and # inside", "Another {choice}"]


def test_a_backslash_before_another_character_is_kept():
    assert one("[markdown]C\\d and \\x{T}")["prompt"] == "C\\d and \\x"


@pytest.mark.parametrize("text", ["a ~ b = c # d { e } f : g \\ h\nline", "\\n is not a newline", "::x::", "%50% off"])
def test_gift_escape_reads_back_as_written(text):
    escaped = gift_escape(text)
    assert "\n" not in escaped
    q = one(f"::T::[markdown]Prompt{{={escaped} ~other}}") if not text.startswith("%") else None
    if q is not None:
        assert q["choices"][0]["text"] == text.strip()


# --- ids ---------------------------------------------------------------------------------------------------


def test_ids_come_from_titles_slugified_and_unique():
    ids = list(questions("::Ünïcode Title!::A?{T}\n\n::Ünïcode Title!::B?{T}\n\n::valid-id_1::C?{T}\n\n::!!!::D?{T}"))
    assert ids[:3] == ["unicode-title", "unicode-title-2", "valid-id_1"]
    assert ids[3].startswith("q-")  # a title with nothing to keep: from the text, like an untitled question


def test_untitled_ids_are_stable_from_the_text_and_the_bank_id_from_the_file_name():
    first = convert("What?{T}\n\nWhy?{F}", "My Quiz_File.gift")
    again = convert("Another?{T}\n\nWhat?{T}\n\nWhy?{F}", "My Quiz_File.gift")
    ids = list(questions("What?{T}\n\nWhy?{F}"))
    assert ids == list(questions("Another?{T}\n\nWhat?{T}\n\nWhy?{F}"))[1:]
    assert parse_bank(first.package.yaml_text).id == "my-quiz_file"
    assert parse_bank(again.package.yaml_text).title == "My Quiz File"
    assert parse_bank(convert("What?{T}", bank_id="chosen").package.yaml_text).id == "chosen"


def test_header_overrides():
    header = {"title": "Neuro", "authors": ["A. Teacher"], "license": "CC-BY-4.0", "language": "fr"}
    bank = parse_bank(convert("What?{T}", header=header).package.yaml_text)
    assert (bank.title, bank.authors, bank.license, bank.language) == ("Neuro", ["A. Teacher"], "CC-BY-4.0", "fr")


# --- what cannot be mapped, and bad input ------------------------------------------------------------------


def test_unmappable_questions_are_skipped_with_name_and_line_and_the_rest_converts():
    text = (
        "::Two right::Pick?{=a =b ~c}\n\n::Fine::Pick?{=a ~b}\n\n::None right::Pick?{~a ~b}\n\n"
        "::Too few::Pair?{=a -> b}"
    )
    conversion = convert(text)
    assert [q.id for q in parse_bank(conversion.package.yaml_text).questions] == ["fine"]
    reasons = {s.name: (s.line, s.reason) for s in conversion.skipped}
    assert reasons["Two right"][0] == 1 and "2 answers are right" in reasons["Two right"][1]
    assert reasons["None right"][0] == 5 and "no question type" in reasons["None right"][1]
    assert reasons["Too few"][0] == 7 and "pairs: needs at least 2 items" in reasons["Too few"][1]
    assert str(conversion.skipped[0]).startswith("line 1: 'Two right' ")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("::Q::Open{=a ~b", 1, "not closed with }"),
        ("\n\n::Q::Two\n{=a {~b}", 4, "a { inside an answer block"),
        ("::Q::Stray } brace{T}", 1, "} before the answer block"),
        ("::Q::Only a brace }", 1, "} without an opening {"),
        ("::Q::A{T} and {F}", 1, "a second answer block"),
        ("::Q::Untitled{T}\n\n::Broken title{T}", 3, "title is not closed"),
        ("Q{=a ~%abc%b}", 1, "a weight is written %50%"),
        ("Q{=a ~%150%b}", 1, "not between -100% and 100%"),
        ("Q{#abc}", 1, "'abc' is not a number"),
        ("Q{#inf}", 1, "is not a number"),
        ("Q{#3..1}", 1, "runs backwards"),
        ("Q{T#a#b#c}", 1, "at most two feedbacks"),
        ("Q{junk =a}", 1, "found 'junk'"),
        ("Q{~a -> b ~c}", 1, "written =left -> right"),
        ("Q{=a -> b =c}", 1, "mixes matching pairs"),
        ("Q\ufdd0{T}", 1, "noncharacter"),
    ],
)
def test_malformed_gift_is_an_error_with_its_line(text, line, message):
    with pytest.raises(FormatError) as info:
        convert(text)
    problem = info.value.problems[0]
    assert (problem.file, problem.line) == ("sample.gift", line)
    assert message in problem.message


def test_not_utf8_and_too_large():
    with pytest.raises(FormatError) as info:
        read_bank_file("x.gift", b"Fine?{T}\n\nBad \xff here{T}", today=TODAY)
    assert (info.value.problems[0].line, info.value.problems[0].message) == (3, "the file is not valid UTF-8 text")
    with pytest.raises(FormatError) as info:
        read_bank_file("x.gift", b"x" * (16 * 1024 * 1024 + 1), today=TODAY)
    assert "larger than 16 MiB" in info.value.problems[0].message


def test_a_byte_order_mark_and_windows_newlines_are_fine():
    assert one("\ufeff::A::First?\r\n{T}").get("prompt") == "First?"


_GIFT_ALPHABET = st.sampled_from([*"{}=~#:\\->%[]/$\n T F1.ab", "::", "####", "//", "$CATEGORY:", "[html]"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_GIFT_ALPHABET, max_size=60).map("".join))
def test_the_reader_never_raises_anything_but_its_error(text):
    try:
        conversion = convert(text)
    except FormatError:
        return
    parse_bank(conversion.package.yaml_text, "fuzzed.yaml")  # what converts always validates


@pytest.mark.parametrize(
    "text",
    [
        "{" * 50_000,
        "::" * 50_000,
        "Q{" + "=" * 50_000 + "}",
        "Q{" + "~%" * 25_000 + "}",
        "Q{#" + "1." * 25_000 + "}",
        "\\" * 50_001 + "{T}",
        "Q{T}\n\n" * 5_000,  # the same text: ids q-…, q-…-2, … without rescanning the ones taken
    ],
)
def test_adversarial_input_is_read_in_one_pass(text):
    """Inputs that make backtracking parsers take quadratic or exponential time finish here at once."""
    with contextlib.suppress(FormatError):
        convert(text)


# --- round trips -------------------------------------------------------------------------------------------

ROUNDTRIP = parse_bank((DATA / "roundtrip.yaml").read_text(), "roundtrip.yaml")
NOT_CARRIED = ("difficulty", "points", "references", "as_of", "shuffle", "scoring", "strict", "unit")


def _data(bank) -> list[dict]:
    return json.loads(json.dumps(bank_to_data(bank), default=str))["questions"]


def carried(question: dict) -> dict:
    """What GIFT carries of a question: everything but the fields it has no place for (docs/formats.md)."""
    return {k: v for k, v in question.items() if k not in NOT_CARRIED}


@pytest.fixture(scope="module")
def round_trip():
    exported = export_bank("gift", json.loads(json.dumps(bank_to_data(ROUNDTRIP), default=str)))
    back = parse_bank(read_bank_file("roundtrip.gift", exported.content, today=TODAY).package.yaml_text)
    return {q["id"]: q for q in _data(back)}, {s.name: s.reason for s in exported.skipped}


@pytest.mark.parametrize("kind", list(REGISTRY))
def test_yaml_to_gift_to_yaml_keeps_what_gift_carries(round_trip, kind):
    back, skipped = round_trip
    originals = [q for q in _data(ROUNDTRIP) if q["type"] == kind]
    assert originals, f"roundtrip.yaml needs a {kind} question"
    for original in originals:
        if original["id"] in skipped:
            assert original["id"] not in back
            continue
        assert back[original["id"]] == carried(original)
    if kind in ("ordering", "flashcard"):
        assert all(q["id"] in skipped for q in originals)


def test_what_gift_cannot_carry_is_reported(round_trip):
    _, skipped = round_trip
    assert skipped == {
        "cloze-two-gaps": "GIFT has one gap per question; this cloze question has 2",
        "ordering-1": "GIFT has no ordering questions",
        "card-1": "GIFT has no flashcard questions",
    }


def test_multiple_choice_weights_score_as_partial_scoring_does():
    text = export_bank("gift", json.loads(json.dumps(bank_to_data(ROUNDTRIP), default=str))).content.decode()
    assert "~%50%Oligodendrocytes#In the CNS." in text and "~%-50%Astrocytes" in text
    assert "~%33.33333%One" in text and "~%-33.33333%Four" in text


def test_the_all_types_bank_exports_to_gift_that_reads_back():
    bank = parse_bank((DATA.parent / "banks" / "all-types.yaml").read_text(), "all-types.yaml")
    exported = export_bank("gift", json.loads(json.dumps(bank_to_data(bank), default=str)))
    back = parse_bank(read_bank_file("all-types.gift", exported.content, today=TODAY).package.yaml_text)
    assert {q.id for q in back.questions} == {q.id for q in bank.questions} - {s.name for s in exported.skipped}


def test_a_markdown_image_skips_its_question_since_gift_carries_no_pictures():
    # The bank validator refuses an image with no file; the converter skips that question so the rest imports.
    conversion = convert(
        "::Heart::[markdown]Which chamber? ![A heart](media/heart.png){=left ~right}\n\n::Sky::Blue?{T}\n"
    )
    assert [(s.name, s.line, s.reason) for s in conversion.skipped] == [
        (
            "Heart",
            1,
            "the image 'media/heart.png' is not a file in what was converted: add the picture to the bank's media/"
            " after converting (a bank .zip)",
        )
    ]
    assert [q.id for q in parse_bank(conversion.package.yaml_text).questions] == ["sky"]


def test_a_picture_in_html_text_skips_its_question_with_the_line_and_the_rest_converts():
    pictured = "::Pictured::[html]<p>Which cell?</p><img src='x.png' alt='a cell'>{T}"
    text = f"::Kept:: Myelin is made by oligodendrocytes.{{T}}\n\n{pictured}\n"
    conversion = convert(text)
    (skipped,) = conversion.skipped
    assert (skipped.name, skipped.line) == ("Pictured", 3) and "image" in skipped.reason
    assert [q["prompt"] for q in questions(text).values()] == ["Myelin is made by oligodendrocytes."]
