"""The read side of uploads: the live bank an upload is compared with, who has studied its questions, staged
uploads and background jobs."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import Session

from ..domain import types as question_types
from ..domain.banks import question_from_data
from ..domain.diff import BankDiff, LiveQuestion, QuestionDiff, Status, diff_bank
from ..domain.uploads import Upload
from ..models import Answer, Bank, BankVersion, Card, CardState, Job, Question, StagedImport
from .paging import ListPage, page_of


def compare(session: Session, upload: Upload) -> BankDiff:
    """What publishing ``upload`` would change in the live bank with the same id (or that it adds a bank)."""
    bank = upload.bank
    row = session.scalars(select(Bank).where(Bank.slug == bank.id)).first()
    live_header, live = None, []
    if row is not None:
        version = session.scalars(
            select(BankVersion).where(BankVersion.bank_id == row.id, BankVersion.number == row.version_number)
        ).one()
        live_header = {**version.header, "quizzes": version.quizzes}
        live = [
            LiveQuestion(key, kind, json.loads(data), retired is not None)
            for key, kind, data, retired in session.execute(
                select(Question.key, Question.type, Question.data, Question.retired_at)
                .where(Question.bank_id == row.id)
                .order_by(Question.position, Question.id)
            )
        ]
    return diff_bank(
        bank.id,
        bank.title,
        row.version_number if row is not None else 0,
        live_header,
        live,
        upload.header,
        upload.question_data(),
        upload.skipped,
    )


def live_version(session: Session, slug: str) -> int:
    """The bank's current version number; 0 when there is no such bank."""
    return session.scalar(select(Bank.version_number).where(Bank.slug == slug)) or 0


def learners_by_question(session: Session, slug: str) -> dict[str, int]:
    """How many learners have answered each question of the bank in a quiz or have a memory state of one of
    its cards, by question id (the bank's ``id`` for it); questions nobody has studied are left out. One
    statement."""
    bank_questions = select(Question.id).join(Bank, Bank.id == Question.bank_id).where(Bank.slug == slug)
    studied = union(
        select(Answer.question_id.label("question_id"), Answer.user_id.label("user_id")).where(
            Answer.question_id.in_(bank_questions)
        ),
        select(Card.question_id.label("question_id"), CardState.user_id.label("user_id"))
        .join(Card, Card.id == CardState.card_id)
        .where(Card.question_id.in_(bank_questions)),
    ).subquery()
    rows = session.execute(
        select(Question.key, func.count(func.distinct(studied.c.user_id)))
        .join(studied, studied.c.question_id == Question.id)
        .group_by(Question.key)
    )
    return {key: count for key, count in rows}


def staged_by_token(token: str) -> Select[tuple[StagedImport]]:
    """The staged upload this token names."""
    return select(StagedImport).where(StagedImport.token == token)


def waiting_uploads(user_id: int, now: dt.datetime) -> Select[tuple[StagedImport]]:
    """The uploads a teacher has checked but neither published nor discarded, newest first."""
    return (
        select(StagedImport)
        .where(StagedImport.user_id == user_id, StagedImport.report.is_not(None), StagedImport.expires_at > now)
        .order_by(StagedImport.created_at.desc(), StagedImport.id.desc())
    )


def job_by_id(job_id: int) -> Select[tuple[Job]]:
    return select(Job).where(Job.id == job_id)


# --- the preview page --------------------------------------------------------------------------------------


class Show(StrEnum):
    """Which questions a preview page lists."""

    CHANGED = "changed"  # changed or restored
    ADDED = "added"
    RETIRED = "retired"
    ALL = "all"  # every question of the upload, in its order


SHOWN = {
    Show.CHANGED: (Status.CHANGED, Status.RESTORED),
    Show.ADDED: (Status.ADDED,),
    Show.RETIRED: (Status.RETIRED,),
    Show.ALL: (Status.ADDED, Status.CHANGED, Status.RESTORED, Status.UNCHANGED),
}


@dataclass(frozen=True)
class PreviewItem:
    """One question as the preview shows it: its diff, the question itself, its answer and who studied it."""

    number: int  # its place in the upload (retired ones after the rest)
    diff: QuestionDiff
    question: Any  # the validated question (as it was, when retired)
    answer: str  # its correct answer in words
    learners: int  # learners with answers or cards on it


@dataclass(frozen=True)
class Preview:
    diff: BankDiff
    show: Show
    counts: dict[str, int]
    tabs: list[tuple[Show, int]]
    page: ListPage[PreviewItem]


def default_show(diff: BankDiff) -> Show:
    return Show.CHANGED if diff.of(*SHOWN[Show.CHANGED]) else Show.ALL


def preview(session: Session, staged: StagedImport, show: Show | None, page: int, per_page: int) -> Preview | None:
    """Page ``page`` of the staged upload's questions that ``show`` picks; None if there is no such page."""
    diff = BankDiff.from_data(staged.report or {})
    show = show or default_show(diff)
    numbered = list(enumerate(diff.questions, 1))
    picked = [(n, q) for n, q in numbered if q.status in SHOWN[show]]
    found = page_of(picked, page, per_page)
    if found is None:
        return None
    learners = learners_by_question(session, diff.slug) if any(q.fields for _, q in found.items) else {}
    items = []
    for number, q in found.items:
        question = question_from_data(q.data)
        answer = question_types.get(question.type).correct_answer(question)
        items.append(PreviewItem(number, q, question, answer, learners.get(q.key, 0)))
    tabs = [(s, sum(q.status in SHOWN[s] for q in diff.questions)) for s in Show]
    return Preview(diff, show, diff.counts, tabs, ListPage(tuple(items), found.page, per_page, found.total))
