"""Markdown for bank content, rendered by markdown-it-py and sanitised by nh3 with an explicit allowlist.

Neither tool is safe alone: markdown-it passes raw HTML through when asked to and both will keep
``javascript:`` links or ``<img onerror>`` unless told otherwise. Raw HTML in Markdown is turned off and
whatever remains is filtered to the tags, attributes and URL schemes below.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

from .domain import types as question_types

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


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = markdown
    app.jinja_env.filters["markdown_inline"] = lambda text: markdown(text, inline=True)
    app.jinja_env.filters["type_label"] = question_types.label
