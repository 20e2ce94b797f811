"""Finding markup that could run script in rendered HTML (for the stored-XSS tests)."""

from __future__ import annotations

from html.parser import HTMLParser

DANGEROUS_TAGS = {"script", "svg", "math", "iframe", "object", "embed", "img", "style", "base", "frame", "details"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "srcdoc", "background", "poster"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


# The app's own markup of these kinds: its charts (templates/_charts.html), which bank content cannot make,
# since the Markdown sanitiser keeps no <svg>, <details> or class attribute.
OWN = {("svg", "chart-svg"), ("details", "chart-numbers")}


def executable_markup(html: str) -> list[str]:
    """Everything in ``html`` that could run script, navigate elsewhere or restyle the page; the app's own
    stylesheet and icon links, charts, meta tags and forms that post to this site are expected."""
    parser = _Elements()
    parser.feed(html)
    found = []
    for tag, attrs in parser.elements:
        if tag in DANGEROUS_TAGS and (tag, attrs.get("class")) not in OWN:
            found.append(f"<{tag}>")
        own_link = attrs.get("rel") in ("stylesheet", "icon") and (attrs.get("href") or "").startswith("/static/")
        own_icon = attrs.get("rel") == "icon" and attrs.get("href") == "/favicon.ico"
        if tag == "link" and not (own_link or own_icon):
            found.append(f"<link {attrs}>")
        if tag == "meta" and set(attrs) - {"charset", "name", "content"}:
            found.append(f"<meta {attrs}>")
        if tag == "form" and not (attrs.get("action") or "/").startswith("/"):
            found.append(f"<form {attrs}>")
        for name, value in attrs.items():
            text = "".join(ch for ch in (value or "") if ch.isprintable() and not ch.isspace()).lower()
            if name.startswith("on") or name == "style":
                found.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES and text.startswith(("javascript:", "vbscript:", "data:")):
                found.append(f"{tag}[{name}={value}]")
    return found
