"""The site's look outside any one page: light and dark colour schemes in the one stylesheet, and the icon."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from .conftest import log_in

STYLESHEET = Path(__file__).resolve().parent.parent / "quizapp" / "static" / "style.css"
DARK = re.compile(r"@media \(prefers-color-scheme: dark\) \{\s*:root \{(?P<body>[^}]*)\}\s*\}")
LIGHT = re.compile(r"(?<![\w-]):root \{(?P<body>[^}]*)\}")
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgb|rgba|hsl|hsla)\(")


def stylesheet() -> str:
    return re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(encoding="utf-8"), flags=re.S)


def properties(block: str) -> set[str]:
    return set(re.findall(r"(--[\w-]+)\s*:", block))


def test_every_colour_is_a_property_set_for_both_schemes():
    css = stylesheet()
    dark = set().union(*(properties(m["body"]) for m in DARK.finditer(css)))
    light = set().union(*(properties(m["body"]) for m in LIGHT.finditer(DARK.sub("", css))))
    assert light and dark == light, (light - dark, dark - light)
    used = set(re.findall(r"var\((--[\w-]+)\)", css))
    assert used <= light, used - light
    outside = [
        line.strip()
        for line in DARK.sub("", LIGHT.sub("", css)).splitlines()
        if COLOUR.search(line) or re.search(r"(?<![\w-])(?:white|black)(?![\w-])", line)
    ]
    assert outside == [], "a rule names a colour instead of a property: dark mode would miss it"


def test_the_checks_see_a_colour_outside_the_properties():
    assert COLOUR.search(".x { color: #fff; }") and COLOUR.search("a { background: rgb(0 0 0) }")
    assert not COLOUR.search(".tags li { background: var(--chip-bg); }")


@pytest.mark.parametrize("path", ["/", "/login", "/banks/no-such-bank"])
def test_pages_follow_the_colour_scheme_and_link_the_icon(client, path):
    html = client.get(path).text
    assert '<meta name="color-scheme" content="light dark">' in html
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="icon" href="/favicon.ico" sizes="16x16 32x32 48x48">' in html


def test_the_icon_is_where_browsers_look_for_it(client, make_user):
    for who in ("visitor", "learner"):
        if who == "learner":
            make_user("learner")
            log_in(client, "learner")
        with client.get("/favicon.ico") as response:
            assert response.status_code == 200, who
            assert response.mimetype == "image/vnd.microsoft.icon"
            body = response.get_data()
        reserved, kind, count = struct.unpack("<HHH", body[:6])
        assert (reserved, kind, count) == (0, 1, 3)
        sizes = [body[6 + 16 * k] for k in range(count)]
        assert sizes == [16, 32, 48]
        first_offset = struct.unpack("<I", body[6 + 12 : 6 + 16])[0]
        assert body[first_offset : first_offset + 8] == b"\x89PNG\r\n\x1a\n"
    with client.get("/static/favicon.svg") as svg:
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        assert svg.text.startswith("<svg xmlns=")
