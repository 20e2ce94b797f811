"""Cells that are safe to open in a spreadsheet.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is read as a
formula by Excel, LibreOffice and Google Sheets, so text written by anyone could run as one when a teacher
opens an export ("CSV injection"). Such a cell gets a leading apostrophe, which spreadsheets show as text
and do not display.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unsafe_cell(text: str) -> str:
    """The text of a cell written by :func:`safe_cell`: its apostrophe taken off again."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text
