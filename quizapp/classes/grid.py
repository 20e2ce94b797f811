"""The results grid's cells, written out once here rather than by the template, cell by cell: a page of 50
learners by 20 assignments has 1,000 of them, and Jinja's loop and escaping per cell cost several times the
rest of the page. A worker keeps the cells of the pages it wrote, by the grid's key."""

from __future__ import annotations

from typing import Any

from flask import url_for
from markupsafe import Markup, escape

from ..kept import Kept
from ..queries.classes import Grid

_KEPT: Kept[tuple[Any, ...], list[Markup]] = Kept(64)  # by the grid's key: the same key, the same cells


def row_cells(class_id: int, grid: Grid) -> list[Markup]:
    """Each row's assignment cells, in the grid's order: the standing, and the score that counts linking to
    the attempt's review (its link text names the learner and the assignment for screen readers)."""
    review = url_for("classes.review", class_id=class_id, attempt_id=1).removesuffix("1")
    key = (review, grid.key)
    found = _KEPT.get(key) if grid.key else None
    if found is None:
        found = _cells(review, grid)
        _KEPT.put(key, found)
    return found


def forget() -> None:
    _KEPT.clear()


def _cells(review: str, grid: Grid) -> list[Markup]:
    titles = [escape(a.title) for a in grid.assignments]
    out = []
    for r in grid.rows:
        login = escape(r.learner.login)
        parts = []
        for c, title in zip(r.cells, titles, strict=True):
            text = f'<td><span class="standing standing-{c.standing.value}">{c.label}</span>'
            if c.attempt_id:
                text += (
                    f' <a href="{review}{c.attempt_id}">{c.percent_text}<span class="visually-hidden"> — review'
                    f" {login}'s attempt at {title}</span></a>"
                )
            parts.append(text + "</td>")
        out.append(Markup("".join(parts)))  # noqa: S704  # nosec B704 - escaped above, or the app's own words and numbers
    return out
