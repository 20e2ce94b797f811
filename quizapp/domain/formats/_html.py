"""HTML from other formats as Markdown: sanitised by nh3 first, then its few kept tags written as Markdown.

The bank format is Markdown with raw HTML turned off, so HTML in a GIFT ``[html]`` question or an Anki
export becomes what it shows: paragraphs, line breaks, bold, italics, code, lists and links; every other
tag is dropped with its text kept (scripts and styles with their content).
"""

from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser

import nh3

from ._core import escape_markdown

KEPT = {"p", "div", "br", "b", "strong", "i", "em", "code", "pre", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4"}
KEPT |= {"h5", "h6", "blockquote", "sub", "sup", "span", "table", "tr", "td", "th", "tbody", "thead"}
_MARKS = {"b": "**", "strong": "**", "i": "*", "em": "*", "code": "`"}
_BLOCKS = {"p", "div", "pre", "blockquote", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol"}
_SPACES_RE = re.compile(r"[ \t\n]+")
_BLANKS_RE = re.compile(r"\n{3,}")


class _Writer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list[int | str]] = []  # [kind, count] of each open list
        self.href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _MARKS:
            self.out.append(_MARKS[tag])
        elif tag == "br":
            self.out.append("\n")
        elif tag in ("ul", "ol"):
            self.lists.append([tag, 0])
            self.out.append("\n\n")
        elif tag == "li":
            kind = self.lists[-1] if self.lists else ["ul", 0]
            kind[1] = int(kind[1]) + 1
            self.out.append(f"\n{kind[1]}. " if kind[0] == "ol" else "\n- ")
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))
            self.out.append("[")
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag in _BLOCKS:
            self.out.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _MARKS:
            self.out.append(_MARKS[tag])
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.out.append("\n\n")
        elif tag == "a":
            href = self.href.pop() if self.href else None
            self.out.append(f"]({href})" if href else "]")
        elif tag in _BLOCKS:
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.out.append(escape_markdown(_SPACES_RE.sub(" ", data)))


def html_to_text(html: str) -> str:
    """The text ``html`` shows, as plain text on one line (for answers and options, which are not Markdown)."""
    return " ".join(htmllib.unescape(nh3.clean(html, tags=set())).split())


def html_to_markdown(html: str) -> str:
    """Markdown showing what ``html`` shows (safe links only, no images, no raw HTML)."""
    clean = nh3.clean(html, tags=KEPT, attributes={"a": {"href"}}, url_schemes={"http", "https", "mailto"})
    writer = _Writer()
    writer.feed(clean)
    writer.close()
    text = "".join(writer.out)
    lines = [line.strip() for line in text.split("\n")]
    return _BLANKS_RE.sub("\n\n", "\n".join(lines)).strip()
