"""Read-side queries for question banks: the catalogue, a bank's questions, counts by type, exports."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..domain.banks import QUESTION_TYPES, export_yaml
from ..domain.media import with_names
from ..domain.packages import BANK_FILE, BankPackage
from ..models import Bank, BankVersion, Question
from .media import bank_media, bank_media_names
from .paging import ListPage, page_of


def banks() -> Select[tuple[Bank]]:
    return select(Bank).order_by(Bank.title, Bank.slug)


def bank_by_slug(slug: str) -> Select[tuple[Bank]]:
    return select(Bank).where(Bank.slug == slug)


def current_questions(bank_id: int) -> Select[tuple[Question]]:
    return (
        select(Question).where(Question.bank_id == bank_id, Question.retired_at.is_(None)).order_by(Question.position)
    )


T = TypeVar("T")


def bank_versions(session: Session) -> tuple[Any, ...]:
    """What every bank's content is at now: the database, and each bank's id, version and content hash.

    Questions, their revisions and a bank's quizzes change only when a bank is imported, which makes a
    new version with a new content hash, so anything computed from them alone is still right while this
    stays the same. One small query.
    """
    return (session.get_bind().url, *(tuple(r) for r in session.execute(_VERSIONS)))


# Built once: every page that shows banks or quizzes runs it.
_VERSIONS = select(Bank.id, Bank.version_number, Bank.content_hash).order_by(Bank.id)


class PerVersion(Generic[T]):
    """A value computed from the banks' content, kept by each worker until a bank changes (see
    :func:`bank_versions`). The value is shared by every request: it must be plain, immutable data,
    never ORM objects."""

    def __init__(self, build: Callable[[Session], T]):
        self._build = build
        self._kept: tuple[tuple[Any, ...], T] | None = None  # (key, value): one attribute, swapped whole

    def get(self, session: Session, versions: tuple[Any, ...] | None = None) -> T:
        """The value for the banks as they are now; ``versions``, if given, is :func:`bank_versions` already
        read in this transaction (so a page that needs several kept values asks once)."""
        key = versions if versions is not None else bank_versions(session)
        kept = self._kept  # read once: a threaded server's other request may replace it meanwhile
        if kept is not None and kept[0] == key:
            return kept[1]
        value = self._build(session)
        self._kept = (key, value)
        return value


def type_counts(session: Session, bank_id: int | None = None) -> dict[int, dict[str, int]]:
    """Live questions per bank (or only ``bank_id``) and type, in the format's type order."""
    counts = _type_counts.get(session)
    return counts if bank_id is None else {b: c for b, c in counts.items() if b == bank_id}


def _count_types(session: Session) -> dict[int, dict[str, int]]:
    query = select(Question.bank_id, Question.type, func.count()).where(Question.retired_at.is_(None))
    rows = session.execute(query.group_by(Question.bank_id, Question.type))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for bank_id, qtype, n in rows:
        counts[bank_id][qtype] = n
    order = {t: i for i, t in enumerate(QUESTION_TYPES)}
    return {b: dict(sorted(c.items(), key=lambda kv: order.get(kv[0], 99))) for b, c in counts.items()}


_type_counts = PerVersion(_count_types)


@dataclass(frozen=True)
class ShownBank:
    """A bank as the public pages show it: plain data, shared by a worker's requests."""

    id: int
    slug: str
    title: str
    description: str
    license: str
    authors: tuple[str, ...]
    reviewed_on: dt.date
    tags: tuple[str, ...]
    version_number: int


@dataclass(frozen=True)
class ShownQuestion:
    key: str
    type: str


@dataclass(frozen=True)
class BankPage:
    """What a bank's page shows: the bank, its live questions in order with their stored JSON (read, never
    change), and its live questions per type."""

    bank: ShownBank
    questions: tuple[tuple[ShownQuestion, dict[str, Any]], ...]
    counts: dict[str, int]


@dataclass
class _Shown:
    banks: tuple[ShownBank, ...]
    counts: dict[int, dict[str, int]]  # as type_counts gives them
    pages: dict[str, BankPage] = field(default_factory=dict)  # by slug, filled as the pages are asked for


def shown_banks(session: Session) -> tuple[tuple[ShownBank, ...], dict[int, dict[str, int]]]:
    """Every bank, by title, and its live questions per type (as :func:`type_counts`): what the list of
    banks shows, kept by each worker until a bank changes."""
    shown = _shown.get(session)
    return shown.banks, shown.counts


def bank_page(session: Session, slug: str, versions: tuple[Any, ...] | None = None) -> BankPage | None:
    """The page of the bank ``slug`` (None if there is none), kept by each worker until a bank changes:
    its questions' JSON is read and parsed once per version, not on every visit. ``versions``: see
    :meth:`PerVersion.get`."""
    shown = _shown.get(session, versions)
    page = shown.pages.get(slug)
    if page is None:
        bank = next((b for b in shown.banks if b.slug == slug), None)
        if bank is None:
            return None  # not kept: any slug can be asked for
        questions = tuple(
            (ShownQuestion(q.key, q.type), json.loads(q.data)) for q in session.scalars(current_questions(bank.id))
        )
        page = shown.pages[slug] = BankPage(bank, questions, shown.counts.get(bank.id, {}))
    return page


@dataclass(frozen=True)
class BankListing:
    """One page of a bank's questions, all of them or those tagged ``tag``."""

    bank: ShownBank
    counts: dict[str, int]  # the bank's live questions per type
    total: int  # the bank's live questions
    tag: str | None
    page: ListPage[tuple[ShownQuestion, dict[str, Any]]]


def bank_listing(
    session: Session,
    slug: str,
    page: int,
    per_page: int,
    tag: str | None = None,
    versions: tuple[Any, ...] | None = None,
) -> BankListing | None:
    """Page ``page`` of the questions of the bank ``slug``, in the bank's order, only those tagged ``tag`` if
    one is given (a tag no question has gives an empty page 1). None if there is no such bank or page.
    ``versions``: see :meth:`PerVersion.get`."""
    shown = bank_page(session, slug, versions)
    if shown is None:
        return None
    questions = [q for q in shown.questions if tag is None or tag in (q[1].get("tags") or ())]
    listed = page_of(questions, page, per_page)
    if listed is None:
        return None
    return BankListing(shown.bank, shown.counts, len(shown.questions), tag, listed)


def _show_banks(session: Session) -> _Shown:
    return _Shown(
        tuple(
            ShownBank(
                b.id,
                b.slug,
                b.title,
                b.description,
                b.license,
                tuple(b.authors),
                b.reviewed_on,
                tuple(b.tags),
                b.version_number,
            )
            for b in session.scalars(banks())
        ),
        _count_types(session),
    )


_shown = PerVersion(_show_banks)


def current_version(bank: Bank) -> Select[tuple[BankVersion]]:
    return select(BankVersion).where(BankVersion.bank_id == bank.id, BankVersion.number == bank.version_number)


def bank_export_data(session: Session, bank: Bank) -> dict[str, Any]:
    """The current version of a bank as plain data in the bank format, its images named as in its package
    (``media/x.png``, the keys of :func:`~quizapp.queries.media.bank_media`)."""
    version = session.scalars(current_version(bank)).one()
    questions = [json.loads(q.data) for q in session.scalars(current_questions(bank.id))]
    questions = with_names(questions, bank_media_names(session, bank))  # media/x.png, as the author wrote
    return {"format": 1, "id": bank.slug, **version.header, "questions": questions, "quizzes": version.quizzes}


def bank_package(session: Session, bank: Bank) -> BankPackage:
    """A bank's current version as its author would write it: YAML, and its images if it has any."""
    text = export_yaml(bank_export_data(session, bank))
    return BankPackage(text, MappingProxyType(bank_media(session, bank)), f"{bank.slug}/{BANK_FILE}")


def bank_summaries() -> Select[tuple[Bank, int, int]]:
    """Every bank with its number of live and retired questions, for the teachers' list."""
    live = func.count(Question.id).filter(Question.retired_at.is_(None))
    retired = func.count(Question.id).filter(Question.retired_at.is_not(None))
    return (
        select(Bank, live.label("live"), retired.label("retired"))
        .outerjoin(Question, Question.bank_id == Bank.id)
        .group_by(Bank.id)
        .order_by(Bank.title, Bank.slug)
    )
