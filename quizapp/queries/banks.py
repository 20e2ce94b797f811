"""Read-side queries for question banks: the catalogue, a bank's questions, counts by type, exports."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..domain.banks import QUESTION_TYPES
from ..models import Bank, BankVersion, Question


def banks() -> Select[tuple[Bank]]:
    return select(Bank).order_by(Bank.title, Bank.slug)


def bank_by_slug(slug: str) -> Select[tuple[Bank]]:
    return select(Bank).where(Bank.slug == slug)


def current_questions(bank_id: int) -> Select[tuple[Question]]:
    return (
        select(Question).where(Question.bank_id == bank_id, Question.retired_at.is_(None)).order_by(Question.position)
    )


def type_counts(session: Session, bank_id: int | None = None) -> dict[int, dict[str, int]]:
    """Live questions per bank (or only ``bank_id``) and type, in the format's type order."""
    query = select(Question.bank_id, Question.type, func.count()).where(Question.retired_at.is_(None))
    if bank_id is not None:
        query = query.where(Question.bank_id == bank_id)
    rows = session.execute(query.group_by(Question.bank_id, Question.type))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for bank_id, qtype, n in rows:
        counts[bank_id][qtype] = n
    order = {t: i for i, t in enumerate(QUESTION_TYPES)}
    return {b: dict(sorted(c.items(), key=lambda kv: order.get(kv[0], 99))) for b, c in counts.items()}


def current_version(bank: Bank) -> Select[tuple[BankVersion]]:
    return select(BankVersion).where(BankVersion.bank_id == bank.id, BankVersion.number == bank.version_number)


def bank_export_data(session: Session, bank: Bank) -> dict[str, Any]:
    """The current version of a bank as plain data in the bank format."""
    version = session.scalars(current_version(bank)).one()
    questions = [json.loads(q.data) for q in session.scalars(current_questions(bank.id))]
    return {"format": 1, "id": bank.slug, **version.header, "questions": questions, "quizzes": version.quizzes}


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
