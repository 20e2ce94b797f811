"""The charts of the cards pages, built from what the queries and the domain return."""

from __future__ import annotations

from .. import charts
from ..domain import retention, scheduling


def retention_charts(
    simulation: retention.Simulation, current: scheduling.Settings
) -> tuple[charts.LineChart, charts.LineChart]:
    """The two pictures of *Help me decide*: minutes a day and cards remembered, against desired retention,
    each marking the learner's own setting."""
    outcomes, label = simulation.outcomes, retention.format_retention
    days, deck = simulation.assumptions.days, simulation.assumptions.deck_size
    mark = [(current.desired_retention, f"Yours: {label(current.desired_retention)}")]
    ticks = (0.70, 0.80, 0.90, 0.97)
    low, high = outcomes[0], outcomes[-1]
    minutes = charts.line(
        "Minutes of study a day",
        f"Average minutes a day over {days} days: {low.minutes_per_day:.1f} at a desired retention of "
        f"{label(low.retention)}, rising to {high.minutes_per_day:.1f} at {label(high.retention)}.",
        [("Minutes a day", [(o.retention, o.minutes_per_day) for o in outcomes])],
        x_label="Desired retention",
        y_label="Minutes a day",
        fmt=lambda v: f"{v:.1f}",
        tick_fmt=charts.format_number,
        x_fmt=label,
        x_ticks=ticks,
        markers=mark,
    )
    remembered = charts.line(
        f"Cards remembered after {days} days",
        f"Of {deck:,} cards, {low.remembered:,.0f} remembered at a desired retention of {label(low.retention)}, "
        f"rising to {high.remembered:,.0f} at {label(high.retention)}.",
        [("Cards remembered", [(o.retention, o.remembered) for o in outcomes])],
        x_label="Desired retention",
        y_label="Cards remembered",
        fmt=lambda v: f"{v:,.0f}",
        x_fmt=label,
        x_ticks=ticks,
        y_min=None,
        markers=mark,
    )
    return minutes, remembered
