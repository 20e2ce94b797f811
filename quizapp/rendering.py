"""The template filters that turn bank content into HTML, and their registration.

Markdown is rendered by markdown-it-py and sanitised by nh3 with an explicit allowlist. Neither tool is safe
alone: markdown-it passes raw HTML through when asked to and both will keep ``javascript:`` links or
``<img onerror>`` unless told otherwise. Raw HTML in Markdown is turned off and whatever remains is filtered
to the tags, attributes and URL schemes below.

A question type whose template needs markup built in Python (the cloze gaps) has its filter here, so that
every page can use it and adding a type never touches a blueprint.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from functools import lru_cache, partial
from typing import Any

import nh3
from flask import Flask
from jinja2 import Environment
from markdown_it import MarkdownIt
from markupsafe import Markup

from . import charts
from .domain import types as question_types
from .domain.quizzes import format_clock, format_duration, format_points
from .domain.retention import format_retention
from .domain.types.cloze import CLOZE_RE, cloze_gaps

ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "sub",
    "sup",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "h3",
    "h4",
    "h5",
    "h6",
    "del",
    "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_md.disable("image")  # no remote images: every asset is served by the app


@lru_cache(maxsize=4096)
def markdown(text: str | None, inline: bool = False) -> Markup:
    """Render trusted-or-not Markdown to safe HTML."""
    if not text:
        return Markup("")
    html = _md.renderInline(text) if inline else _md.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # Safe: sanitised by nh3 with an allowlist just above.
    return Markup(clean)  # noqa: S704  # nosec B704


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


def type_macros(env: Environment, question_type: str) -> Any:
    """The macros of ``types/<question_type>.html``, as ``{% import %}`` without context gives them: Jinja keeps
    the module with the template, but an import statement first compares the template's globals with the
    importing one's, which cost more than the macro when a page imported a type per question."""
    return env.get_template(f"types/{question_type}.html").module


def init_app(app: Flask) -> None:
    app.jinja_env.globals["type_macros"] = partial(type_macros, app.jinja_env)
    app.jinja_env.globals["charts"] = charts  # charts.bars(...) etc., drawn by the macros of _charts.html
    app.jinja_env.filters["markdown"] = markdown
    app.jinja_env.filters["markdown_inline"] = lambda text: markdown(text, inline=True)
    app.jinja_env.filters["type_label"] = question_types.label
    app.jinja_env.filters["cloze"] = cloze_html
    app.jinja_env.filters["points"] = format_points
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["clock"] = format_clock
    app.jinja_env.filters["retention"] = format_retention
