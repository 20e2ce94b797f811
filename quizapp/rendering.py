"""The template filters that turn bank content into HTML, and their registration.

Markdown is rendered by markdown-it-py and sanitised by nh3 with an explicit allowlist. Neither tool is safe
alone: markdown-it passes raw HTML through when asked to and both will keep ``javascript:`` links or
``<img onerror>`` unless told otherwise. Raw HTML in Markdown is turned off and whatever remains is filtered
to the tags, attributes and URL schemes below.

Images: only a bank's own stored images are shown. An imported question refers to each of its images in
the content-addressed form ``/media/<sha256>.<ext>#<width>x<height>`` (see :mod:`quizapp.domain.media`),
which becomes ``<img>`` with its ``alt``, ``width`` and ``height`` (no layout shift) and ``loading="lazy"``;
any other image (a web address, say) is shown as its alt text alone.

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
from flask import Flask, has_request_context, request
from jinja2 import Environment
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from . import charts
from .domain import scheduling
from .domain import types as question_types
from .domain.freshness import as_of_label, review_overdue
from .domain.media import STORED_RE, alt_texts
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
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def _image(renderer: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
    """A stored image as ``<img>`` sized by its stored dimensions; any other image as its alt text."""
    token = tokens[idx]
    alt = htmllib.escape(renderer.renderInlineAsText(token.children or [], options, env))
    stored = STORED_RE.fullmatch(token.attrGet("src") or "")
    if stored is None:
        return alt  # no remote images: every asset is served by the app
    src = f"{htmllib.escape(env.get('root', ''))}/media/{stored['sha']}.{stored['ext']}"
    img = f'<img src="{src}" alt="{alt}" width="{stored["w"]}" height="{stored["h"]}" loading="lazy" decoding="async">'
    # In a block of text (a prompt, an explanation, a card face) the picture links to itself at full size, for
    # a phone that shows a wide diagram too small to read; in a line of text (a choice's label) it must not,
    # or tapping it would leave the page instead of choosing.
    return f'<a class="picture-link" href="{src}">{img}</a>' if env.get("block") else img


_md.add_render_rule("image", _image)


def markdown(text: str | None, inline: bool = False) -> Markup:
    """Render trusted-or-not Markdown to safe HTML; images point under the app's own path (its script root,
    when it is served below a prefix)."""
    return _markdown(text, inline, request.script_root if has_request_context() else "")


@lru_cache(maxsize=4096)
def _markdown(text: str | None, inline: bool, root: str) -> Markup:
    if not text:
        return Markup("")
    env = {"root": root, "block": not inline}
    html = _md.renderInline(text, env) if inline else _md.render(text, env)
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
    Private-use characters (the blanks of a listed prompt) pass through; an image is its alt text."""
    rendered = _BLOCK_END.sub(" ", _md.render(alt_texts(text)))
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
    gaps = cloze_gaps(prompt)
    fields = {k: _gap(k, len(gaps), hint, values) for k, (_number, _answers, hint) in enumerate(gaps, 1)}
    html = _place_gaps(str(markdown(marked)), fields)
    # Safe: the sanitised Markdown above with gaps whose every value is escaped by Markup.format.
    return Markup(html)  # noqa: S704  # nosec B704


_TAG_RE = re.compile(r"<[^>]*>")
_MARKER_RE = re.compile(f"{_OPEN}([0-9]+){_CLOSE}")


def _place_gaps(html: str, fields: Mapping[int, str]) -> str:
    """Put each gap's field where its marker is in the text. A marker inside a tag (a link's title, an
    image's alt) or inside a link's text cannot hold an input: it becomes the words "gap k" there, and the
    field goes after the prompt instead, so no input is ever lost or put inside an attribute or a link."""
    out: list[str] = []
    placed: set[int] = set()
    in_link, pos = 0, 0

    def label(match: re.Match[str]) -> str:
        return f"gap {match.group(1)}"

    def field(match: re.Match[str]) -> str:
        k = int(match.group(1))
        if k not in fields or k in placed:
            return ""
        placed.add(k)
        return fields[k]

    for tag in _TAG_RE.finditer(html):
        text = html[pos : tag.start()]
        out.append(_MARKER_RE.sub(label if in_link else field, text))
        out.append(_MARKER_RE.sub(label, tag.group(0)))
        name = tag.group(0)[1:].split(None, 1)[0].rstrip(">").lower() if len(tag.group(0)) > 2 else ""
        in_link += 1 if name == "a" else -1 if name == "/a" and in_link else 0
        pos = tag.end()
    out.append(_MARKER_RE.sub(label if in_link else field, html[pos:]))
    out.extend(f" {fields[k]}" for k in sorted(fields) if k not in placed)
    return "".join(out)


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
    app.jinja_env.filters["alt_texts"] = alt_texts  # plain text that may quote a choice with a picture
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
