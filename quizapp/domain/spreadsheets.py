"""Cells that are safe to open in a spreadsheet, as the interchange formats write and read them.

The rule is :mod:`quizapp.domain.csvsafe`'s (a cell a spreadsheet would read as a formula gets a leading
apostrophe); this module adds its inverse, for reading back a CSV file the app wrote.
"""

from __future__ import annotations

from .csvsafe import FORMULA_STARTS


def safe_cell(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unsafe_cell(text: str) -> str:
    """The text of a cell written by :func:`safe_cell`: its apostrophe taken off again."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text
