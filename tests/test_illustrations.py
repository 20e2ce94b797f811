"""The diagrams in the banks: every PNG in questions/*/media is drawn from an SVG source in
docs/illustrations (docs/content-guide.md, "Illustrations"), matches it, and is used by a question."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from PIL import Image

from quizapp.domain.media import MAX_IMAGE_BYTES, MAX_SIDE, image_refs, text_fields

from .content_rules import ROOT, bank_paths

SOURCES = ROOT / "docs" / "illustrations"
SVG_NS = "{http://www.w3.org/2000/svg}"
PNGS = sorted((ROOT / "questions").glob("*/media/*.png"))
SVGS = sorted(SOURCES.glob("*.svg"))
# Text at least 14 px when the picture is shown 800 px wide.
MIN_FONT_PX_AT_800 = 14
FONT_SIZE_RE = re.compile(r"font-size\s*[:=]\s*\"?\s*(\d+(?:\.\d+)?)")
# Okabe-Ito: the colour-blind-safe palette every diagram draws from, with black, white and greys; fills
# may be lighter tints of these hues (listed in the content guide).
PALETTE = {
    "#000",
    "#000000",
    "#fff",
    "#ffffff",
    "#e69f00",
    "#56b4e9",
    "#009e73",
    "#f0e442",
    "#0072b2",
    "#d55e00",
    "#cc79a7",
}
TINTS = {
    "#f6d48f",  # orange, light
    "#fcefd2",  # orange, lighter
    "#b07800",  # orange, dark (outlines on orange)
    "#6b4a00",  # orange, darker (outlines on lesions)
    "#cfe8f7",  # sky blue, light
    "#cde9f8",  # sky blue, light
    "#2b8cc4",  # sky blue, dark
    "#b3d4ec",  # blue, light
    "#d6e7f5",  # blue, lighter
    "#e3eef8",  # blue, lightest
    "#bfe6da",  # bluish green, light
    "#d9efe8",  # bluish green, lighter
    "#e8f3ec",  # bluish green, lightest
    "#007a59",  # bluish green, dark
    "#fbe3d6",  # vermillion, light
    "#fdf1ea",  # vermillion, lightest
    "#f4b7a0",  # vermillion, medium
    "#f3cce0",  # reddish purple, light
    "#a2507e",  # reddish purple, dark
    "#fbf6c9",  # yellow, light
    "#8a7d00",  # yellow, dark
}
COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")
GREY_RE = re.compile(r"#([0-9a-f]{2})\1\1$|#([0-9a-f])\2\2$")


def _svg(path: Path) -> ET.Element:
    return ET.fromstring(path.read_text(encoding="utf-8"))


def _image_uses() -> dict[Path, int]:
    """How many question texts refer to each media file, by its path on disk."""
    uses: dict[Path, int] = {}
    for path in bank_paths():
        if path.name != "bank.yaml":  # a single-file bank has no pictures
            continue
        for question in yaml.safe_load(path.read_text())["questions"]:
            for _, text in text_fields(question):
                for ref in image_refs(text):
                    target = path.parent / ref.src
                    uses[target] = uses.get(target, 0) + 1
    return uses


def test_there_are_diagrams_and_every_source_is_rendered():
    assert len(SVGS) >= 12
    rendered = {png.stem for png in PNGS}
    assert [svg.name for svg in SVGS if svg.stem not in rendered] == [], "run scripts/render-illustrations"


@pytest.mark.parametrize("png", PNGS, ids=[p.stem for p in PNGS])
def test_each_png_has_its_svg_source_and_matches_it(png: Path):
    svg = SOURCES / f"{png.stem}.svg"
    assert svg.is_file(), f"{png.relative_to(ROOT)} has no source {svg.relative_to(ROOT)}"
    root = _svg(svg)
    assert root.get("data-bank") == png.parent.parent.name, "the SVG names another bank than the folder it is in"
    with Image.open(png) as image:
        assert image.format == "PNG"
        assert image.size == (int(root.get("width")), int(root.get("height"))), "re-run scripts/render-illustrations"
        assert max(image.size) <= MAX_SIDE
        # The render script records the SHA-256 of the SVG it drew from: a PNG older than its source fails.
        drawn_from = image.text.get("Source")  # type: ignore[attr-defined]
    assert drawn_from == hashlib.sha256(svg.read_bytes()).hexdigest(), "SVG changed: run scripts/render-illustrations"
    assert png.stat().st_size <= MAX_IMAGE_BYTES // 4, "keep diagrams well under the 2 MB limit"


@pytest.fixture(scope="module")
def image_uses() -> dict[Path, int]:
    return _image_uses()


@pytest.mark.parametrize("png", PNGS, ids=[p.stem for p in PNGS])
def test_each_png_is_used_by_a_question(png: Path, image_uses: dict[Path, int]):
    assert image_uses.get(png, 0) >= 1, f"no question refers to media/{png.name}"


@pytest.mark.parametrize("svg", SVGS, ids=[p.stem for p in SVGS])
def test_each_svg_is_described_readable_and_colour_blind_safe(svg: Path):
    root = _svg(svg)
    assert root.find(SVG_NS + "title") is not None and (root.find(SVG_NS + "title").text or "").strip()
    assert len((root.find(SVG_NS + "desc").text or "").split()) >= 20, "describe the diagram in <desc>"
    text = svg.read_text(encoding="utf-8")
    smallest = MIN_FONT_PX_AT_800 * int(root.get("width")) / 800
    assert [size for size in FONT_SIZE_RE.findall(text) if float(size) < smallest] == []
    assert "<script" not in text.casefold() and 'href="http' not in text
    colours = {c.casefold() for c in COLOUR_RE.findall(text)}
    assert sorted(c for c in colours if c not in PALETTE | TINTS and not GREY_RE.match(c)) == []


def test_the_checks_catch_a_bad_source(tmp_path):
    bad = tmp_path / "bad.svg"
    bad.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="10"><text font-size="12">x</text></svg>'
    )
    root = _svg(bad)
    assert root.find(SVG_NS + "desc") is None
    assert [s for s in FONT_SIZE_RE.findall(bad.read_text()) if float(s) < MIN_FONT_PX_AT_800 * 1000 / 800] == ["12"]
    assert GREY_RE.match("#4d4d4d") and not GREY_RE.match("#ff0000")
