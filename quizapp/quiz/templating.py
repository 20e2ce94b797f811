"""Rendering a cloze prompt with its gaps: as text inputs to answer, or as numbered blanks to review."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from markupsafe import Markup

from ..domain.types.cloze import CLOZE_RE, cloze_gaps
from ..rendering import markdown

# Private-use characters stand in for the gaps while the prompt goes through Markdown and the sanitiser,
# which leave them alone; they are then replaced by markup built here.
_OPEN, _CLOSE = "\ue000", "\ue001"


def cloze_html(prompt: str, values: Mapping[str, Sequence[str]] | None = None) -> Markup:
    """The prompt as HTML with one labelled input per gap (``gap-1``, ``gap-2``…), filled from ``values``;
    without ``values``, each gap is a numbered blank."""
    counter = itertools.count(1)
    marked = CLOZE_RE.sub(lambda _: f"{_OPEN}{next(counter)}{_CLOSE}", prompt.replace(_OPEN, "").replace(_CLOSE, ""))
    html = str(markdown(marked))
    gaps = cloze_gaps(prompt)
    for k, (_number, _answers, hint) in enumerate(gaps, 1):
        marker, gap = f"{_OPEN}{k}{_CLOSE}", _gap(k, len(gaps), hint, values)
        html = html.replace(marker, gap, 1) if marker in html else f"{html} {gap}"  # never lose an input
    # Safe: the sanitised Markdown above with gaps whose every value is escaped by Markup.format.
    return Markup(html)  # noqa: S704  # nosec B704


def _gap(k: int, total: int, hint: str | None, values: Mapping[str, Sequence[str]] | None) -> str:
    if values is None:
        return Markup('<span class="blank">gap {}</span>').format(k)
    value = (values.get(f"gap-{k}") or [""])[0]
    described = Markup(' aria-describedby="gap-{}-hint"').format(k) if hint else ""
    field = Markup(
        '<span class="gap"><label class="visually-hidden" for="gap-{k}">Gap {k} of {total}</label>'
        '<input type="text" id="gap-{k}" name="gap-{k}" value="{value}" autocomplete="off" autocapitalize="none"'
        ' spellcheck="false" maxlength="500" size="14"{described}>'
    ).format(k=k, total=total, value=value, described=described)
    if hint:
        field += Markup(' <span class="gap-hint" id="gap-{}-hint">({})</span>').format(k, hint)
    return field + Markup("</span>")
