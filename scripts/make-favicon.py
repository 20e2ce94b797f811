"""Draw quizapp/static/favicon.svg at 16, 32 and 48 pixels with Chromium and pack the pictures into
quizapp/static/favicon.ico (an ICO file holding PNG images), for browsers that ask for /favicon.ico.

Run after changing the SVG: .venv/bin/python scripts/make-favicon.py
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parent.parent / "quizapp" / "static"
SIZES = (16, 32, 48)


def main() -> None:
    svg = (STATIC / "favicon.svg").read_text(encoding="utf-8")
    pictures = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("QUIZAPP_CHROMIUM", "/usr/bin/chromium"),
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        for size in SIZES:
            page = browser.new_page(viewport={"width": size, "height": size})
            sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
            page.set_content(f"<html><body>{sized}</body></html>")
            page.add_style_tag(content="body { margin: 0; background: transparent; }")
            pictures.append((size, page.screenshot(omit_background=True)))
            page.close()
        browser.close()
    offset = 6 + 16 * len(pictures)
    entries, data = b"", b""
    for size, png in pictures:
        entries += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(png), offset + len(data))
        data += png
    (STATIC / "favicon.ico").write_bytes(struct.pack("<HHH", 0, 1, len(pictures)) + entries + data)


if __name__ == "__main__":
    main()
