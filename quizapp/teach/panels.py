"""What the item analysis page draws and downloads: the score histogram and the per-question CSV."""

from __future__ import annotations

from .. import charts
from ..domain.csvsafe import csv_text
from ..domain.itemanalysis import ItemAnalysis
from ..queries.itemanalysis import Analysis, csv_rows


def histogram(result: ItemAnalysis) -> charts.BarChart:
    """Bars of how many attempts scored in each tenth of the marks."""
    bins = result.histogram
    described = ", ".join(f"{b.label}: {b.count}" for b in bins if b.count)
    return charts.bars(
        "Scores",
        f"Bars of the number of attempts in each band of scores, as a percentage of the marks: {described or 'none'}.",
        [b.label for b in bins],
        [("Attempts", [b.count for b in bins])],
        x_label="Score",
        y_label="Attempts",
        key="score-histogram",
        empty_text="No finished attempts to show.",
    )


def csv_download(analysis: Analysis) -> str:
    """The per-question table as a CSV document, every cell safe to open in a spreadsheet."""
    header, *rows = csv_rows(analysis)
    return csv_text(header, rows)
