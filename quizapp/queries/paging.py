"""Pages of a list in memory or of a statement's rows, shaped like Flask-SQLAlchemy's pagination (which
gives only the first column of each row) so one ``pager`` macro shows them all."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class ListPage(Generic[T]):
    """Page ``page`` (from 1) of ``total`` items, ``per_page`` to a page; ``items`` are this page's."""

    items: tuple[T, ...]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        """The number (from 1) of this page's first item; 0 on an empty list."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def page_of(items: Sequence[T], page: int, per_page: int) -> ListPage[T] | None:
    """Page ``page`` of ``items``, or None if there is no such page (page 1 of nothing is an empty page)."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    start = (page - 1) * per_page
    if page < 1 or (start >= len(items) and page != 1):
        return None
    return ListPage(tuple(items[start : start + per_page]), page, per_page, len(items))


def paginate_rows(session: Session, statement: Select[Any], page: int, per_page: int) -> ListPage[Any] | None:
    """Page ``page`` of the rows of ``statement`` (which must be ordered), or None if there is no such page:
    one count and one query of the page's rows."""
    if page < 1 or per_page < 1:
        return None
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    if (page - 1) * per_page >= total and page != 1:
        return None
    rows = session.execute(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return ListPage(tuple(rows), page, per_page, total)
