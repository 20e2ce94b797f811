"""HTML to Markdown and back, for formats that carry HTML (Moodle XML, Anki).

Pure. Incoming HTML is first cut down by nh3 to a small allowlist (no scripts, styles, event handlers or
remote images survive), then written as Markdown: paragraphs, line breaks, bold, italic, code, lists,
links and images. Everything else keeps its text and loses its markup. Images go through a callback,
which decides what an ``<img>`` becomes (a package media reference) or refuses it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt

from ..interchange import NotMapped
from ..media import alt_problem
from ._core import Conversion

Image = Callable[[str, str | None], str]  # (src, alt or None) -> Markdown for the image

_KEEP_TAGS = {
    "p", "div", "br", "b", "strong", "i", "em", "u", "sub", "sup", "code", "pre", "ul", "ol", "li", "a", "img",
    "span", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td", "th", "tbody", "thead", "blockquote", "hr",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}, "ol": {"start"}}
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "blockquote", "pre", "ul", "ol", "hr"}
_INLINE_ESCAPE = re.compile(r"([\\`*\[\]<])")
_LINE_START = re.compile(r"^(?:([#>+-])|(\d+)([.)]))(?=\s|$)", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """Plain text as Markdown that renders to the same text."""
    text = _INLINE_ESCAPE.sub(r"\\\1", text)
    text = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)
    return _LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)


class _Writer(HTMLParser):
    def __init__(self, image: Image):
        super().__init__(convert_charrefs=True)
        self.image = image
        self.blocks: list[str] = []
        self.line: list[str] = []
        self.lists: list[list[int]] = []  # per open list: [next number] for ol, [] for ul
        self.link: str | None = None
        self.pre = 0

    def flush(self) -> None:
        text = "".join(self.line).strip(" ")
        text = re.sub(r"[ \t]*\\\n[ \t]*", "\\\n", text)
        text = re.sub(r"^(?:\\\n)+|(?:\\\n)+$", "", text).strip()
        if text.strip():
            self.blocks.append(text)
        self.line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in _BLOCKS:
            self.flush()
            if tag == "pre":
                self.pre += 1
            if tag in ("ul", "ol"):
                self.lists.append([1] if tag == "ol" else [])
        elif tag == "li":
            self.flush()
            marker = "-"
            if self.lists and self.lists[-1]:
                marker = f"{self.lists[-1][0]}."
                self.lists[-1][0] += 1
            self.line.append("  " * max(0, len(self.lists) - 1) + marker + " ")
        elif tag == "br":
            self.line.append("\\\n")
        elif tag in ("b", "strong"):
            self.line.append("**")
        elif tag in ("i", "em"):
            self.line.append("*")
        elif tag == "code" and not self.pre:
            self.line.append("`")
        elif tag == "a":
            href = values.get("href") or ""
            self.link = href if re.match(r"https?://", href) else None
            if self.link:
                self.line.append("[")
        elif tag == "img":
            self.line.append(self.image(values.get("src") or "", values.get("alt")))
        elif tag in ("td", "th"):
            self.line.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS or tag == "li":
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            if tag in ("ul", "ol") and self.lists:
                self.lists.pop()
            self.flush()
        elif tag in ("b", "strong"):
            self.line.append("**")
        elif tag in ("i", "em"):
            self.line.append("*")
        elif tag == "code" and not self.pre:
            self.line.append("`")
        elif tag == "a" and self.link:
            self.line.append(f"]({self.link})")
            self.link = None

    def handle_data(self, data: str) -> None:
        if self.pre:
            self.line.append(data.replace("\n", "\\\n"))
            return
        self.line.append(escape_markdown(re.sub(r"\s+", " ", data)))

    def markdown(self) -> str:
        self.flush()
        blocks, out = self.blocks, []
        for k, block in enumerate(blocks):
            tight = k and _is_item(block) and _is_item(blocks[k - 1])
            out.append(("\n" if tight else "\n\n") + block if k else block)
        text = "".join(out)
        return re.sub(r"\*\*\*\*|(?<!\*)\*\*(?!\*)(?=\s*\*\*)", "", text).strip()


def _is_item(block: str) -> bool:
    return bool(re.match(r"\s*(?:-|\d+\.) ", block))


def html_to_markdown(source: str, image: Image) -> str:
    """Sanitised Markdown for an HTML fragment; ``image`` says what each ``<img>`` becomes.

    Raises:
        NotMapped: ``image`` refused an image.
    """
    clean = nh3.clean(source, tags=_KEEP_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https"}, link_rel=None)
    writer = _Writer(image)
    writer.feed(clean)
    writer.close()
    return writer.markdown()


def html_to_text(source: str) -> str:
    """The text an HTML fragment shows, as plain text on one line (for answers and options, which are not
    Markdown)."""
    return " ".join(html.unescape(nh3.clean(source, tags=set())).split())


def described(alt: str | None, how: str, name: str, *keys: str) -> str:
    """The alt text of the image ``name`` as it goes in ``![alt](media/x.png)``, when it says what the
    picture shows as the bank validator requires; ``keys`` are the names it is stored under (``media/x.png``).

    Raises:
        NotMapped: no alt text, or one that only names the file or says "image" (``how``: how to fix it).
    """
    if not alt or not alt.strip():
        raise NotMapped(f"the image {name!r} has no alt text, which every image needs: {how}")
    clean = re.sub(r"[\[\]\\]", "", " ".join(alt.split()))
    if any(alt_problem(clean, label) for label in (name, *keys)):
        raise NotMapped(f"the image {name!r} has the alt text {clean!r}, which does not say what it shows: {how}")
    return clean


def no_images(src: str, alt: str | None) -> str:
    """An image callback for text that may not hold images."""
    raise NotMapped(f"an image ({src or 'no source'}) where no image can go")


_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


_PLAIN_RE = re.compile(r"(?![0-9])[^\\`*_\[\]!<>#&|~=+\-\n\r\t{}\xa0]+")


def markdown_to_html(text: str, src: Callable[[str], str] = lambda s: s) -> str:
    """Markdown as sanitised HTML (for formats that show HTML); ``src`` rewrites each image's address."""
    if _PLAIN_RE.fullmatch(text) and text.strip() and text == text.strip():
        return f"<p>{text}</p>"  # no Markdown syntax and nothing to escape: a paragraph of plain text
    rendered = _md.render(text)
    rendered = re.sub(r'src="([^"]*)"', lambda m: f'src="{html.escape(src(html.unescape(m.group(1))))}"', rendered)
    return nh3.clean(rendered, tags=_KEEP_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https"}).strip()


def with_media(conversion: Conversion, media: Mapping[str, bytes]) -> Conversion:
    """The conversion with the media files its bank refers to (those of skipped questions left out)."""
    text = conversion.package.yaml_text
    used = {key: content for key, content in media.items() if f"({key})" in text}
    return replace(conversion, package=replace(conversion.package, media=used))
