"""Searching banks and questions (the rule is in :mod:`quizapp.domain.search`).

Questions are found through the search index (:mod:`quizapp.models.search`: FTS5 on SQLite, ``tsvector``
on PostgreSQL), which holds only current questions; banks, few and kept by each worker, are matched here
against their title, description and tags. Both databases give the same rows in the same order: the words
are made in Python, and the order uses nothing a database collates its own way (titles compare by code
point, as Python does).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..domain.search import matches, words
from ..models import Bank, Question
from ..models.search import search_index
from .banks import PerVersion, ShownBank, shown_banks


def question_hits(session: Session, query: Sequence[str], tag: str | None = None) -> Select[Any]:
    """Current questions with every word of ``query`` (and the tag ``tag``, if given; every question with it
    when ``query`` is empty), grouped by bank: banks with more of them first, then by title; in a bank,
    those whose prompt alone has every word first, then in the bank's order.

    Each row: ``id, key, type, data, position, slug, title, tier, bank_hits`` (``bank_hits``: how many of
    the bank's questions match)."""
    dialect = session.get_bind().dialect.name
    index = search_index(dialect)
    tier = index.tier(query).label("tier")
    bank_hits = func.count().over(partition_by=Question.bank_id).label("bank_hits")
    title = Bank.title.collate("C") if dialect == "postgresql" else Bank.title  # SQLite compares code points
    statement = (
        select(
            Question.id,
            Question.key,
            Question.type,
            Question.data,
            Question.position,
            Bank.slug,
            Bank.title,
            tier,
            bank_hits,
        )
        .select_from(index.table)
        .join(Question, Question.id == index.key)
        .join(Bank, Bank.id == Question.bank_id)
        .where(Question.retired_at.is_(None))
    )
    if query:
        statement = statement.where(index.match(query))
    if tag is not None:
        statement = statement.where(index.has_tag(tag))
    return statement.order_by(bank_hits.desc(), title, Bank.slug, tier, Question.position)


@dataclass(frozen=True)
class BankGroup:
    """A bank's matching questions on one page of results; ``total`` counts them on every page."""

    slug: str
    title: str
    total: int
    hits: tuple[Any, ...]


def grouped(rows: Iterable[Any]) -> list[BankGroup]:
    """Rows of :func:`question_hits` (one page of them) as consecutive groups, one per bank."""
    return [
        BankGroup(slug, title, total, tuple(hits))
        for (slug, title, total), hits in groupby(rows, key=lambda r: (r.slug, r.title, r.bank_hits))
    ]


def _bank_words(session: Session) -> tuple[tuple[ShownBank, frozenset[str]], ...]:
    banks, _counts = shown_banks(session)
    return tuple((b, frozenset(words(" ".join([b.title, b.description, *b.tags])))) for b in banks)


_kept_bank_words = PerVersion(_bank_words)


def matching_banks(session: Session, query: Sequence[str], versions: tuple[Any, ...] | None = None) -> list[ShownBank]:
    """The banks whose title, description or tags have every word of ``query``, by title (by code point, as
    :func:`question_hits` orders them), then slug. ``versions``: see :meth:`PerVersion.get`."""
    if not query:
        return []
    found = _kept_bank_words.get(session, versions)
    return sorted((b for b, have in found if matches(query, have)), key=lambda b: (b.title, b.slug))


def _tags(session: Session) -> tuple[str, ...]:
    index = search_index(session.get_bind().dialect.name)
    found = {t for (field,) in session.execute(select(index.table.c.tags).distinct()) for t in field.split("|") if t}
    return tuple(sorted(found))


_kept_tags = PerVersion(_tags)


def search_tags(session: Session, versions: tuple[Any, ...] | None = None) -> tuple[str, ...]:
    """Every tag of a current question, sorted: what the search's tag filter offers. ``versions``: see
    :meth:`PerVersion.get`."""
    return _kept_tags.get(session, versions)
