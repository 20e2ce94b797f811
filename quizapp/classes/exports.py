"""What a results page or CSV download asks for, read strictly from the query string, and the CSV itself.

A request names ``table`` (``grid`` or ``responses``) and ``format`` (``csv``, the only one), and may name
``sort`` and ``order`` (the grid's) and ``assignment`` (the responses of one assignment); the results page
takes ``sort``, ``order`` and ``page``. Anything else — an unknown parameter, table, format or sort column, a
page that is not a number, or an assignment not of the class — is a 400 that says which.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..domain.accounts import shown_login
from ..domain.assignments import STANDING_LABELS
from ..domain.csvsafe import csv_chunks, csv_text, response_text
from ..domain.refusals import Refused
from ..models import Assignment, Class
from ..queries import classes as queries

TABLES = ("grid", "responses")
FORMATS = ("csv",)
ORDERS = ("asc", "desc")


class BadExportRequest(Refused):
    status = 400


@dataclass(frozen=True)
class ExportRequest:
    table: str = "grid"
    sort: str = "learner"
    descending: bool = False
    assignment_id: int | None = None
    page: int = 1

    @classmethod
    def read(cls, args: Mapping[str, str], assignments: Sequence[Assignment], csv: bool) -> ExportRequest:
        allowed = {"sort", "order", *(("table", "format", "assignment") if csv else ("page",))}
        unknown = sorted(set(args) - allowed)
        if unknown:
            raise BadExportRequest(f"Unknown parameter “{unknown[0]}”: use {', '.join(sorted(allowed))}.")
        table = args.get("table", "grid")
        if table not in TABLES:
            raise BadExportRequest(f"Unknown table “{table}”: choose grid or responses.")
        if csv and args.get("format", "csv") not in FORMATS:
            raise BadExportRequest(f"Unknown format “{args.get('format')}”: the only format is csv.")
        sort = args.get("sort", "learner")
        if sort not in queries.sort_keys(assignments):
            raise BadExportRequest(f"Unknown column “{sort}” to sort by: use learner, mean or an assignment's column.")
        order = args.get("order", "asc")
        if order not in ORDERS:
            raise BadExportRequest(f"Unknown order “{order}”: use asc or desc.")
        assignment_id = None
        if "assignment" in args:
            text = args["assignment"]
            if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) not in {a.id for a in assignments}:
                raise BadExportRequest(f"“{text}” is not an assignment of this class.")
            assignment_id = int(text)
        page = args.get("page", "1")
        if not re.fullmatch(r"[1-9][0-9]{0,5}", page):
            raise BadExportRequest(f"Unknown page “{page}”: pages are numbered from 1.")
        return cls(table, sort, order == "desc", assignment_id, int(page))


def _number(value: float | None) -> float | str:
    return "" if value is None else round(value, 1)


def export_csv(session: Session, klass: Class, wanted: ExportRequest) -> tuple[str | Iterator[str], str]:
    """The CSV and its file name: the grid's text, or every response as pieces of text to stream (nothing is
    read until the first piece after the header is asked for, and no more than a batch of rows is held)."""
    slug = re.sub(r"[^a-z0-9]+", "-", klass.name.lower()).strip("-") or "class"
    if wanted.table == "grid":
        grid = queries.grid(session, klass.id, wanted.sort, wanted.descending, per_page=None)
        header = ["learner", "in class", *(f"{a.title} (#{a.id})" for a in grid.assignments), "mean"]
        rows = [
            [
                r.learner.login,
                "yes" if r.learner.active else ("left" if r.learner.left else "removed"),
                *(_number(c.percent) if c.percent is not None else STANDING_LABELS[c.standing] for c in r.cells),
                _number(r.totals.mean),
            ]
            for r in grid.rows
        ]
        return csv_text(header, rows), f"{slug}-grid.csv"
    return csv_chunks(queries.RESPONSE_COLUMNS, response_rows(session, klass.id, wanted)), f"{slug}-responses.csv"


def response_rows(session: Session, class_id: int, wanted: ExportRequest) -> Iterator[list[Any]]:
    """The rows of the responses file, read in batches as they are asked for."""
    return (
        [
            shown_login(r.email, r.username),
            r.title,
            r.attempt_id,
            r.status,
            r.slug,
            r.key,
            r.position,
            response_text(r.response),
            r.points,
            r.max_points,
            r.correct,
            r.answered_at.isoformat(),
            None if r.time_spent_ms is None else round(r.time_spent_ms / 1000, 1),
        ]
        for r in queries.responses(session, class_id, wanted.assignment_id)
    )
