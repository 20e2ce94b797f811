"""Searching banks and questions: what a word is, what a query means, and what a question is found by.

The rule, the same on every database: **every word of the query must begin a word of the question** (or of
the bank, for banks), case and accents aside. "myel oligo" finds "Oligodendrocytes make myelin"; "myelin"
does not find "demyelination" (a word is matched from its start).

A *word* is a run of letters and digits once the text is in Unicode compatibility form, case-folded, with
its accents (combining marks) dropped: "Ménière's" gives ``menière`` → ``meniere`` and ``s``; "CD4+"
gives ``cd4``; "½" gives ``1`` and ``2``. Anything else (punctuation, symbols, the quote marks and stars
that full-text engines read as operators) only separates words, so no query is malformed: one made only
of punctuation has no words and finds nothing. Decimal digits of any script count as 0 to 9.

Each database gets the words already made here, so its own tokenizer has nothing left to decide: SQLite's
FTS5 ``ascii`` tokenizer and PostgreSQL's ``tsvector`` input both split them on spaces alone, and their
prefix queries (``"word"*``, ``'word':*``) then agree on what matches.

A question is found by its prompt as lists show it (a cloze gap is a blank: its answers never count),
the texts its quiz page shows everyone (choices, items to match or order), and its tags — never its
answers, feedback or explanation (see ``listing_prompt`` and ``search_texts`` of each question type).
Results come grouped by bank: banks with more matching questions first, then by title; within a bank,
questions whose prompt alone has every word first, then in the bank's order.

Pure: no Flask, no database.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .fields import TAG_RE
from .media import alt_texts
from .refusals import Refused
from .types import get
from .types.base import BLANK

MAX_QUERY_CHARS = 200  # what the search box takes; anything longer is cut here
MAX_QUERY_WORDS = 10  # words after these are left out, and the page says so
MAX_WORD_CHARS = 60  # longer words are cut to this (so they fit every engine's limit on a term)


class NotATag(Refused):
    """A tag asked for in an address that no bank could have: not written as tags are."""

    status = 400

    def __init__(self, text: str):
        shown = text if len(text) <= 64 else text[:64] + "…"
        super().__init__(f"“{shown}” is not a tag: tags are lowercase letters and digits, joined by - or _.")


def checked_tag(text: str | None) -> str | None:
    """``text`` as a tag to filter by (None for none), or :class:`NotATag`."""
    if not text:
        return None
    if len(text) > 64 or not TAG_RE.match(text):
        raise NotATag(text)
    return text


def _word_char(char: str) -> str | None:
    """``char`` (already folded) as it stands in a word: itself for a letter, 0 to 9 for a decimal digit of any
    script, None for anything that separates words."""
    category = unicodedata.category(char)
    if category[0] == "L":
        return char
    if category == "Nd":
        return str(unicodedata.decimal(char))
    return None


def _fold(text: str) -> str:
    """Compatibility form, case-folded, accents dropped."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of ``text``, in order, as search compares them."""
    found: list[str] = []
    current: list[str] = []
    for char in _fold(text):
        kept = _word_char(char)
        if kept is not None:
            current.append(kept)
        elif current:
            found.append("".join(current)[:MAX_WORD_CHARS])
            current = []
    if current:
        found.append("".join(current)[:MAX_WORD_CHARS])
    return found


def word_text(texts: Iterable[str]) -> str:
    """The words of ``texts``, each once, in first-seen order, joined by spaces: what an index stores."""
    return " ".join(dict.fromkeys(w for text in texts for w in words(text)))


@dataclass(frozen=True)
class SearchQuery:
    """A query as searched: its distinct words in order (at most :data:`MAX_QUERY_WORDS`), and whether
    any were left out."""

    words: tuple[str, ...]
    cut: bool = False

    def __bool__(self) -> bool:
        return bool(self.words)


def parse_query(text: str | None) -> SearchQuery:
    """What a search box's text asks for. Never fails: operators and punctuation are only separators."""
    found = list(dict.fromkeys(words((text or "")[:MAX_QUERY_CHARS])))
    cut = len(found) > MAX_QUERY_WORDS or len(text or "") > MAX_QUERY_CHARS
    return SearchQuery(tuple(found[:MAX_QUERY_WORDS]), cut)


def matches(query: Sequence[str], document_words: Iterable[str]) -> bool:
    """Whether every word of ``query`` begins one of ``document_words`` (all already made by :func:`words`)."""
    have = set(document_words)
    return all(any(w.startswith(q) for w in have) for q in query)


# --- what a question is found by ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionDocument:
    """What the index keeps of one question: the words of its listed prompt, of everything else it is found
    by (choices, items, tags), and its tags as ``|tag|tag|`` (for the tag filter)."""

    prompt: str
    other: str
    tags: str


def tag_field(tags: Iterable[str]) -> str:
    """Tags as the index keeps them, so that one tag is found by looking for ``|tag|``."""
    return "|" + "|".join(sorted(set(tags))) + "|"


def question_document(data: Mapping[str, Any]) -> QuestionDocument:
    """The index entry of a question, from its stored JSON ``data``."""
    kind = get(data["type"])
    tags = tuple(data.get("tags") or ())
    return QuestionDocument(
        prompt=word_text([alt_texts(kind.listing_prompt(data))]),
        other=word_text([*map(alt_texts, kind.search_texts(data)), *tags]),
        tags=tag_field(tags),
    )


# --- showing a result ----------------------------------------------------------------------------------------

Kind = Literal["text", "match", "blank"]


@dataclass(frozen=True)
class Piece:
    """A piece of a snippet: plain text, a word the query matched, or a gap (``text`` is its number)."""

    kind: Kind
    text: str


def _runs(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into runs of word characters and of the rest, as (is a word, run)."""
    runs: list[tuple[bool, str]] = []
    for char in text:
        is_word = char != BLANK and any(_word_char(c) is not None for c in _fold(char))
        if runs and runs[-1][0] == is_word and char != BLANK and not runs[-1][1].endswith(BLANK):
            runs[-1] = (is_word, runs[-1][1] + char)
        else:
            runs.append((is_word, char))
    return runs


def snippet(text: str, query: Sequence[str], limit: int = 240) -> tuple[Piece, ...]:
    """``text`` (plain, with :data:`BLANK` for gaps) cut to about ``limit`` characters around the first
    match, with each word the query matches marked and each blank numbered."""
    runs = _runs(" ".join(text.split()))
    marked = [is_word and any(w.startswith(q) for w in words(run) for q in query) for is_word, run in runs]
    offsets, total = [], 0
    for _is_word, run in runs:
        offsets.append(total)
        total += len(run)
    first = next((offsets[i] for i, m in enumerate(marked) if m), 0)
    start = 0 if first < limit // 3 or total <= limit else min(first - limit // 6, total - limit)
    pieces: list[Piece] = []
    gap = 0
    if start > 0:
        pieces.append(Piece("text", "… "))
    for i, (_is_word, run) in enumerate(runs):
        if run == BLANK:
            gap += 1
        if offsets[i] < start or (offsets[i] + len(run) > start + limit and offsets[i] > start):
            continue
        if run == BLANK:
            pieces.append(Piece("blank", str(gap)))
        else:
            pieces.append(Piece("match" if marked[i] else "text", run))
    if offsets and start + limit < total:
        pieces.append(Piece("text", " …"))
    return _joined(pieces)


def _joined(pieces: list[Piece]) -> tuple[Piece, ...]:
    """Neighbouring plain pieces as one."""
    out: list[Piece] = []
    for piece in pieces:
        if out and piece.kind == "text" and out[-1].kind == "text":
            out[-1] = Piece("text", out[-1].text + piece.text)
        else:
            out.append(piece)
    return tuple(out)
