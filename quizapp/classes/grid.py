"""The results grid's table, written out here rather than by the template cell by cell: a page of 50 learners
by 20 assignments has 1,000 cells, 22 sort links and 20 class totals, and Jinja's macro calls, address
building and escaping per cell cost several times the rest of the page. A worker keeps the tables it wrote,
by the grid's key: the same key, the same table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from markupsafe import Markup, escape

from ..domain.assignments import Totals
from ..kept import Kept
from ..queries.classes import Grid, GridRow

NONE = "—"


@dataclass(frozen=True)
class Table:
    """The grid's table, written out: the header row's cells, each learner's row, the class row's cells."""

    head: Markup
    rows: tuple[Markup, ...]
    foot: Markup


_KEPT: Kept[tuple[Any, ...], Table] = Kept(64)
# Each learner's row written out, by the grid's row as itself (the read side passes on the same row while its
# learner and cells are the same) with the addresses and titles it shows: after a change to one learner's
# results, the page's other rows are not written again.
_ROWS: Kept[tuple[Any, ...], tuple[GridRow, Markup]] = Kept(4096)


def table(class_id: int, grid: Grid) -> Table:
    """The header (sort links: the column sorted by says which way, and its link the other), a row per learner
    (their name linking to their page; per assignment the standing, and the score that counts linking to the
    attempt's review, named for screen readers; their mean) and the class row (mean, median, spread)."""
    results = url_for("classes.results", class_id=class_id)
    key = (results, grid.key)
    found = _KEPT.get(key) if grid.key else None
    if found is None:
        found = Table(_head(results, grid), _rows(class_id, grid), _foot(grid))
        _KEPT.put(key, found)
    return found


def forget() -> None:
    """Drop every table this worker keeps (the benchmarks' "worked out afresh")."""
    _KEPT.clear()
    _ROWS.clear()


def percent(value: float | None) -> str:
    return NONE if value is None else f"{value:.0f}%"


def _head(results: str, grid: Grid) -> Markup:
    columns = [("learner", "Learner"), *((f"a{a.id}", a.title) for a in grid.assignments), ("mean", "Mean")]
    cells = []
    for key, text in columns:
        active = grid.sort == key
        order = "asc" if not active or grid.descending else "desc"
        shown = ("descending" if grid.descending else "ascending") if active else "none"
        current = ' aria-current="true"' if active else ""
        way = "ascending" if order == "asc" else "descending"
        link = f'<a href="{results}?sort={key}&amp;order={order}"{current}>{escape(text)}'
        link += f'<span class="visually-hidden">, sort {way}</span></a>'
        if active:
            link += f' <span aria-hidden="true">{"▼" if grid.descending else "▲"}</span>'
        cells.append(f'<th scope="col" aria-sort="{shown}">{link}</th>')
    return Markup("".join(cells))  # noqa: S704  # nosec B704 - escaped above, or the app's own words and numbers


def _rows(class_id: int, grid: Grid) -> tuple[Markup, ...]:
    learner = url_for("classes.learner", class_id=class_id, user_id=1).removesuffix("1")
    review = url_for("classes.review", class_id=class_id, attempt_id=1).removesuffix("1")
    titles = [escape(a.title) for a in grid.assignments]
    shown = (learner, review, tuple(titles))
    out = []
    for r in grid.rows:
        key = (id(r), shown)
        found = _ROWS.get(key)
        if found is not None and found[0] is r:  # the row itself, held by the entry: no other has its id
            out.append(found[1])
            continue
        m = r.learner
        login = escape(m.login)
        status = "" if m.active else f' <span class="meta">({"left" if m.left else "removed"})</span>'
        parts = [f'<tr><th scope="row"><a href="{learner}{m.user_id}">{login}</a>{status}</th>']
        for c, title in zip(r.cells, titles, strict=True):
            text = f'<td><span class="standing standing-{c.standing.value}">{c.label}</span>'
            if c.attempt_id:
                text += (
                    f' <a href="{review}{c.attempt_id}">{c.percent_text}<span class="visually-hidden"> — review'
                    f" {login}'s attempt at {title}</span></a>"
                )
            parts.append(text + "</td>")
        parts.append(f"<td>{percent(r.totals.mean)}</td></tr>")
        written = Markup("".join(parts))  # noqa: S704  # nosec B704 - escaped above, or the app's own words
        _ROWS.put(key, (r, written))
        out.append(written)
    return tuple(out)


def _spread(t: Totals) -> str:
    if not t.count:
        return NONE
    spread = f"{t.spread:.1f}" if t.spread is not None else NONE
    return (
        f'{percent(t.mean)} <span class="meta">(median {percent(t.median)}, SD {spread}, '
        f"{percent(t.lowest)}–{percent(t.highest)}, n = {t.count})</span>"  # noqa: RUF001 - a range of scores
    )


def _foot(grid: Grid) -> Markup:
    return Markup("".join(f"<td>{_spread(t)}</td>" for t in grid.column_totals))  # noqa: S704  # nosec B704
