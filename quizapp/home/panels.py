"""The home page's chart: the next 30 days' due cards as a sparkline, with its numbers in a table."""

from __future__ import annotations

from .. import charts
from ..domain import stats


def forecast_sparkline(f: stats.Forecast) -> charts.Sparkline:
    """Bars of the cards due on each of the next days, today first (overdue cards included)."""
    labels = [f"{d.day.day} {charts.MONTHS[d.day.month - 1]}" for d in f.days]
    labels[:2] = ["Today", "Tomorrow"][: len(labels)]
    busiest = max(f.days, key=lambda d: d.due, default=None)
    description = (
        f"Bars of the cards due on each of the next {len(f.days)} days, today first with overdue cards: "
        f"{f.total} in all, {f.days[0].due if f.days else 0} today"
        + (f", most on {labels[f.days.index(busiest)]} ({busiest.due})." if busiest and busiest.due else ".")
    )
    return charts.sparkline(
        "Cards due in the next 30 days",
        description,
        labels,
        [d.due for d in f.days],
        value_label="Cards due",
        key="home-forecast",
        empty_text="No card falls due in the next 30 days.",
    )
