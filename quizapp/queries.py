"""Read-only query helpers. They return ``select()`` statements or plain values; views paginate."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from . import card_queries
from .database import Prepared, reads_before_transaction
from .domain.accounts import SESSION_USER_FIELDS, Role, SessionUser
from .domain.banks import QUESTION_TYPES
from .models import Bank, BankVersion, Question, User, utcnow


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


# --- users ------------------------------------------------------------------------------------------------


def user_by_login(name: str) -> Select[tuple[User]]:
    """The user whose email address or username is ``name`` (already normalised)."""
    return select(User).where(or_(User.email == name, User.username == name))


_USERS = User.__table__
_SESSION_USER = Prepared(
    select(*(_USERS.c[name] for name in SESSION_USER_FIELDS)).where(
        _USERS.c.session_token == bindparam("token"), _USERS.c.disabled_at.is_(None)
    )
)


def user_by_session_token(session: Session, token: str) -> SessionUser | None:
    """The enabled user whose session token is ``token``, as the request sees them.

    Every request that needs a login asks this first, so it is one prepared statement, read before the
    request's own transaction begins, and gives a plain :class:`SessionUser` rather than an ORM object.
    """
    with reads_before_transaction(session) as reader:
        row = _SESSION_USER.first(reader, {"token": token})
    return SessionUser(*row) if row is not None else None


def users(search: str = "") -> Select[tuple[User]]:
    """Users, newest first; ``search`` matches part of an email address or username."""
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    if search:
        query = query.where(
            or_(
                User.email.contains(search.lower(), autoescape=True),
                User.username.contains(search.lower(), autoescape=True),
            )
        )
    return query


def active_admins() -> Select[tuple[User]]:
    return select(User).where(User.role == Role.ADMIN.value, User.disabled_at.is_(None))


def account_export_data(session: Session, user: User) -> dict[str, Any]:
    """Everything stored about ``user``, as plain data for their download. Later features add their rows."""
    from .quiz.queries import attempts_export

    return {
        "format": "quizapp-account-export",
        "version": 1,
        "exported_at": utcnow().isoformat(),
        "account": {
            "id": user.id,
            "email": user.email,
            "username": user.username,
            "role": user.role,
            "created_at": user.created_at.isoformat(),
            "password_changed_at": user.password_changed_at.isoformat(),
            "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
            "disabled_at": user.disabled_at.isoformat() if user.disabled_at else None,
        },
        **card_queries.account_data(session, user.id),
        "attempts": attempts_export(session, user.id),
    }
