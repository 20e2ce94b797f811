"""The search rule: what a word is, what a query asks, what a question is found by (never its answers), and
how a result's snippet is cut and marked."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from quizapp.domain.banks import question_json
from quizapp.domain.search import (
    MAX_QUERY_WORDS,
    MAX_WORD_CHARS,
    NotATag,
    Piece,
    checked_tag,
    matches,
    parse_query,
    question_document,
    snippet,
    tag_field,
    word_text,
    words,
)
from quizapp.domain.types import get
from quizapp.domain.types.base import BLANK

from .test_quizzes import BANK

DATA = {q.id: json.loads(question_json(q)) for q in BANK.questions}


def document_words(key: str) -> set[str]:
    doc = question_document(DATA[key])
    return set(doc.prompt.split()) | set(doc.other.split())


# --- words and queries -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Oligodendrocytes make MYELIN.", ["oligodendrocytes", "make", "myelin"]),
        ("Ménière's disease", ["meniere", "s", "disease"]),
        ("CD4+ T-cells, CD8+", ["cd4", "t", "cells", "cd8"]),
        ("Straße", ["strasse"]),
        ("ﬁbrosis", ["fibrosis"]),  # a ligature, in compatibility form
        ("½ dose", ["1", "2", "dose"]),
        ("٣ doses", ["3", "doses"]),  # Arabic-Indic three
        ('"*NEAR(a b) AND :* & !|', ["near", "a", "b", "and"]),
        ("   ", []),
        ("İstanbul", ["istanbul"]),
        ("αβ-crystallin", ["αβ", "crystallin"]),
    ],
)
def test_words_are_folded_letters_and_digits(text, expected):
    assert words(text) == expected


def test_a_very_long_word_is_cut():
    assert words("x" * 500) == ["x" * MAX_WORD_CHARS]


def test_word_text_keeps_each_word_once_in_order():
    assert word_text(["B a", "b C"]) == "b a c"


def test_a_query_is_its_distinct_words_and_never_fails():
    assert parse_query("Myelin  myelin, OLIGO").words == ("myelin", "oligo")
    assert parse_query('" * NEAR( )').words == ("near",)
    assert not parse_query("?!… ;-)")
    assert not parse_query(None) and not parse_query("")
    many = parse_query(" ".join(f"w{i}" for i in range(30)))
    assert len(many.words) == MAX_QUERY_WORDS and many.cut
    assert not parse_query("a b c").cut


@given(st.text(max_size=400))
@example('"')
@example("*")
@example("NEAR(")
@example("a:* & b | !c")
@example("'\\")
def test_every_query_is_safe_for_both_engines(text):
    """Whatever is typed, the words are letters and digits only: nothing an FTS5 or tsquery parser reads as
    syntax, nothing to escape, nothing empty, nothing too long."""
    query = parse_query(text)
    assert len(query.words) <= MAX_QUERY_WORDS
    for word in query.words:
        assert word and len(word) <= MAX_WORD_CHARS
        assert all(c.isalpha() or c in "0123456789" for c in word), word
        assert not set(word) & set("\"'*:&|!()\\ ")


def test_matches_needs_every_word_to_begin_a_word():
    have = words("Oligodendrocytes make myelin")
    assert matches(("myel", "oligo"), have)
    assert not matches(("myelin", "axon"), have)
    assert not matches(("yelin",), have)  # the start of a word only
    assert matches((), have)


# --- what a question is found by ----------------------------------------------------------------------------

# The answers of the all-types bank that are not also shown before answering.
ANSWERS = {
    "short-1": {"oligodendrocyte", "oligodendrocytes"},
    "numeric-1": {"2", "8"},
    "cloze-1": {"myelin", "central", "cns", "pns"},  # the gaps' answers and hint
    "card-1": {"clinically", "isolated", "syndrome"},  # the back
    "single-1": {"ms", "spinal", "schwann", "spares"},  # explanation and feedback
}


@pytest.mark.parametrize("key", sorted(DATA))
def test_a_question_is_never_found_by_its_answers(key):
    found = document_words(key)
    assert not (ANSWERS.get(key, set()) & found), key


def test_a_question_is_found_by_what_its_page_shows():
    assert {"which", "cells", "make", "myelin", "oligodendrocytes", "astrocytes", "demo"} <= document_words(
        "multiple-1"
    )
    assert {"oligodendrocyte", "microglia", "cerebrospinal", "surveillance"} <= document_words("matching-1")
    assert {"mobilisation", "reinfusion"} <= document_words("ordering-1")
    assert {"what", "does", "cis"} <= document_words("card-1")
    assert question_document(DATA["cloze-1"]).prompt == "ms damages in the nervous system"


def test_every_type_lists_its_prompt_without_answers():
    cloze = get("cloze").listing_prompt(DATA["cloze-1"])
    assert cloze == f"MS damages {BLANK} in the {BLANK} nervous system."
    assert get("flashcard").listing_prompt(DATA["card-1"]) == "What does CIS stand for?"
    assert get("single").listing_prompt(DATA["single-1"]) == "Which organ does multiple sclerosis affect?"


def test_ordering_items_are_searched_in_an_order_that_gives_nothing_away():
    items = ("Apheresis", "Conditioning", "Mobilisation", "Reinfusion")  # sorted, not in the right order
    assert get("ordering").search_texts(DATA["ordering-1"]) == items


def test_tags_are_kept_so_one_tag_is_found_exactly():
    assert tag_field(["b", "a", "a"]) == "|a|b|"
    assert tag_field([]) == "||"
    assert "|ms|" not in tag_field(["ms-disease"])


def test_checked_tag():
    assert checked_tag(None) is None and checked_tag("") is None
    assert checked_tag("ms-disease") == "ms-disease"
    for bad in ("MS", "a b", "x" * 65, "-a", "a--b", "<script>"):
        with pytest.raises(NotATag) as refused:
            checked_tag(bad)
        assert refused.value.status == 400 and "is not a tag" in refused.value.message


# --- snippets -----------------------------------------------------------------------------------------------


def test_a_snippet_marks_matched_words_and_numbers_blanks():
    pieces = snippet(f"MS damages {BLANK} in the {BLANK} nervous system.", ("nerv", "ms"))
    assert pieces == (
        Piece("match", "MS"),
        Piece("text", " damages "),
        Piece("blank", "1"),
        Piece("text", " in the "),
        Piece("blank", "2"),
        Piece("text", " "),
        Piece("match", "nervous"),
        Piece("text", " system."),
    )


def test_a_snippet_matches_case_and_accents_aside():
    assert Piece("match", "Ménière") in snippet("Ménière's disease", ("meni",))


def test_a_long_text_is_cut_around_the_first_match():
    text = " ".join(f"word{i}" for i in range(100)) + " myelin " + " ".join(f"more{i}" for i in range(100))
    pieces = snippet(text, ("myelin",), limit=120)
    shown = "".join(p.text for p in pieces)
    assert Piece("match", "myelin") in pieces
    assert shown.startswith("… ") and shown.endswith(" …")
    assert len(shown) <= 130


def test_a_short_text_is_shown_whole():
    assert "".join(p.text for p in snippet("Which cells make myelin?", ("zzz",))) == "Which cells make myelin?"
