"""Keeping the search index in step with the questions: only current questions of a bank's current version
are in it. Functions here flush nothing themselves and never commit; the caller commits once."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from ..domain.search import question_document
from ..models import Question
from ..models.search import SearchIndex, search_index

CHUNK = 500  # ids per DELETE … IN (…): well under every database's limit on bound parameters


def index_of(session: Session) -> SearchIndex:
    return search_index(session.get_bind().dialect.name)


def _chunks(values: Iterable[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    it = iter(values)
    while chunk := list(islice(it, size)):
        yield chunk


def update_index(session: Session, removed: Sequence[int], added: Sequence[tuple[int, str | dict[str, Any]]]) -> None:
    """Take the questions ``removed`` (ids) out of the index and put ``added`` ((id, stored data) of current
    questions, new or changed) in it, replacing what it had of them."""
    index = index_of(session)
    gone = {*removed, *(qid for qid, _ in added)}
    for chunk in _chunks(sorted(gone)):
        session.execute(delete(index.table).where(index.key.in_(chunk)))
    _insert(session, index, added)


def _insert(session: Session, index: SearchIndex, added: Sequence[tuple[int, str | dict[str, Any]]]) -> None:
    rows = []
    for qid, data in added:
        doc = question_document(json.loads(data) if isinstance(data, str) else data)
        rows.append({"question_id": qid, "prompt_words": doc.prompt, "other_words": doc.other, "tags_field": doc.tags})
    if rows:
        statement = insert(index.table).values(
            {
                index.key: bindparam("question_id"),
                index.table.c.prompt: index.stored("prompt_words"),
                index.table.c.other: index.stored("other_words"),
                index.table.c.tags: bindparam("tags_field"),
            }
        )
        session.execute(statement, rows)


def rebuild_index(session: Session) -> int:
    """Index every current question afresh (after a change in what questions are found by, or an upgrade
    made offline); return how many are indexed."""
    index = index_of(session)
    session.execute(delete(index.table))
    current = session.execute(select(Question.id, Question.data).where(Question.retired_at.is_(None)))
    count = 0
    for chunk in _chunks(current):
        _insert(session, index, [(qid, data) for qid, data in chunk])
        count += len(chunk)
    return count
