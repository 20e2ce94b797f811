"""The template filters that turn bank content into HTML, and their registration.

Markdown is rendered by markdown-it-py and sanitised by nh3 with an explicit allowlist. Neither tool is safe
alone: markdown-it passes raw HTML through when asked to and both will keep ``javascript:`` links or
``<img onerror>`` unless told otherwise. Raw HTML in Markdown is turned off and whatever remains is filtered
to the tags, attributes and URL schemes below.

A question type whose template needs markup built in Python (the cloze gaps) has its filter here, so that
every page can use it and adding a type never touches a blueprint.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache, partial
from typing import Any

import nh3
from flask import Flask
from jinja2 import Environment
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from . import charts
from .domain import scheduling
from .domain import types as question_types
from .domain.freshness import as_of_label, review_overdue
from .domain.quizzes import format_clock, format_duration, format_points
from .domain.retention import format_retention
from .domain.search import Piece, snippet
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


_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|td|th|tr|blockquote|pre)>|<br\s*/?>|<hr\s*/?>")


@lru_cache(maxsize=4096)
def plain_text(text: str) -> str:
    """Markdown as the plain text a reader sees: no markup, no link targets, blocks apart, spaces collapsed.
    Private-use characters (the blanks of a listed prompt) pass through."""
    rendered = _BLOCK_END.sub(" ", _md.render(text))
    return " ".join(htmllib.unescape(nh3.clean(rendered, tags=set())).split())


def search_snippet(question_type: str, data: str | Mapping[str, Any], query: Sequence[str]) -> Markup:
    """A question's prompt as search results show it: plain text cut to a few lines around the first match,
    each word the query matched in ``<mark>``, each gap a numbered blank, never an answer."""
    content = json.loads(data) if isinstance(data, str) else data
    return _pieces_html(snippet(plain_text(question_types.get(question_type).listing_prompt(content)), query))


def search_matches(
    question_type: str, data: str | Mapping[str, Any], query: Sequence[str], most: int = 3
) -> list[Markup]:
    """The other texts a question was found by (choices, items, tags) that have a word of the query, each
    cut short with the words marked: at most ``most`` of them. Never says which choice is right."""
    content = json.loads(data) if isinstance(data, str) else data
    texts = [plain_text(t) for t in question_types.get(question_type).search_texts(content)]
    texts += [f"tag {t}" for t in content.get("tags") or ()]
    found = []
    for text in texts:
        pieces = snippet(text, query, limit=90)
        if any(p.kind == "match" for p in pieces):
            found.append(_pieces_html(pieces))
        if len(found) == most:
            break
    return found


def _pieces_html(pieces: Sequence[Piece]) -> Markup:
    out = []
    for piece in pieces:
        if piece.kind == "match":
            out.append(Markup("<mark>{}</mark>").format(piece.text))
        elif piece.kind == "blank":
            out.append(Markup('<span class="blank">gap {}</span>').format(piece.text))
        else:
            out.append(escape(piece.text))
    return Markup("").join(out)


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


def learner_time(when: dt.datetime, timezone: str = "UTC", *, long: bool = False, zone: bool = False) -> str:
    """A stored (UTC) time as the learner reads it, on the clock of their time zone: ``3 Mar 2026, 14:05``
    (``3 March 2026`` when ``long``), followed by the zone's abbreviation when ``zone``."""
    local = scheduling.local_time(when, timezone)
    text = local.strftime("%-d %B %Y, %H:%M" if long else "%-d %b %Y, %H:%M")
    return f"{text} {local.tzname()}" if zone else text


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
    app.jinja_env.filters["cloze_key"] = cloze_gaps
    app.jinja_env.filters["search_snippet"] = search_snippet
    app.jinja_env.filters["search_matches"] = search_matches
    app.jinja_env.filters["points"] = format_points
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["clock"] = format_clock
    app.jinja_env.filters["retention"] = format_retention
    app.jinja_env.filters["as_of"] = as_of_label
    app.jinja_env.tests["review_overdue"] = review_overdue
    app.jinja_env.filters["learner_time"] = learner_time
    app.jinja_env.filters["interval"] = scheduling.interval_label
