"""The statistics page's charts: each panel's numbers (:class:`quizapp.queries.stats.Statistics`) drawn with
the chart kit (:mod:`quizapp.charts`), with a title, a description that says what the picture shows, and the
same numbers in a table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import charts
from ..domain import stats
from ..queries.stats import Statistics

Chart = charts.BarChart | charts.LineChart | charts.Heatmap
STATE_SERIES = (("Learning", "learning"), ("Young", "young"), ("Mature", "mature"), ("Relearning", "relearning"))


def count(n: float) -> str:
    return charts.format_number(n)


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{count(n)} {word if n == 1 else (words or word + 's')}"


def percent(value: float | None, digits: int = 0) -> str:
    """``87%`` (or with ``digits`` decimals); a dash when there is nothing to take a share of."""
    return "—" if value is None else f"{value:.{digits}f}%"


def share(value: float | None) -> str:
    """A share of one as a whole percentage (``0.874`` → ``87%``); a dash for none."""
    return "—" if value is None else percent(value * 100)


def short_day(day: dt.date) -> str:
    return f"{day.day} {charts.MONTHS[day.month - 1]}"


@dataclass(frozen=True)
class Panels:
    calendar: charts.Heatmap
    forecast: charts.BarChart
    reviews: charts.BarChart
    states: charts.BarChart
    intervals: charts.BarChart
    stability: charts.BarChart
    difficulty: charts.BarChart
    retrievability: charts.BarChart
    buttons: charts.BarChart
    hours: charts.BarChart
    scores: charts.LineChart


def panels(result: Statistics) -> Panels:
    """Every chart of the page."""
    return Panels(
        calendar=calendar(result.calendar),
        forecast=forecast(result.forecast),
        reviews=reviews(result.reviews_by_state, result.period),
        states=states(result.states),
        intervals=histogram(
            result.memory.intervals,
            "Intervals",
            "Interval",
            "The time until each review card is next due",
            "No card is in review yet.",
            "days",
        ),
        stability=histogram(
            result.memory.stability,
            "Stability",
            "Stability",
            "How long each card would take to fall to 90% recall",
            "No card has been reviewed yet.",
            "days",
        ),
        difficulty=histogram(
            result.memory.difficulty,
            "Difficulty",
            "Difficulty",
            "How hard each card is for you, from 1 (easiest) to 10 (hardest)",
            "No card has been reviewed yet.",
            "",
        ),
        retrievability=histogram(
            result.memory.retrievability,
            "Retrievability",
            "Chance of recall",
            "The chance of recalling each card today",
            "No card has been reviewed yet.",
            "",
        ),
        buttons=buttons(result.buttons, result.period),
        hours=hours(result.hours, result.period),
        scores=scores(result.scores, result.period),
    )


def calendar(cal: stats.Calendar) -> charts.Heatmap:
    busiest = cal.busiest
    description = (
        f"A calendar of the last {len(cal.days)} days, a column per week, shaded by the reviews and quiz answers "
        f"of each day: {plural(cal.total, 'in all', 'in all')} on {plural(cal.active_days, 'day')}"
        + (f"; the busiest was {busiest.day.isoformat()} with {count(busiest.total)}." if busiest else ".")
    )
    return charts.heatmap(
        "Reviews and quiz answers, day by day",
        description,
        {d.day: d.total for d in cal.days},
        end=cal.days[-1].day,
        days=len(cal.days),
        key="calendar",
        empty_text="Nothing studied in the last year yet: review some cards or answer a quiz.",
    )


def forecast(f: stats.Forecast) -> charts.BarChart:
    labels = ["Today", "Tomorrow", *(short_day(d.day) for d in f.days[2:])][: len(f.days)]
    description = (
        f"Bars of the cards due on each of the next {len(f.days)} days, today first (with cards already overdue): "
        f"{plural(f.total, 'card')} in all, {count(f.days[0].due) if f.days else 0} today."
    )
    return charts.bars(
        "Cards due",
        description,
        labels,
        [("Cards due", [d.due for d in f.days])],
        x_label="Day",
        y_label="Cards",
        key="forecast",
        empty_text="No card falls due in the next 30 days.",
    )


def _bin_label(b: stats.StateBin, period: stats.Period) -> str:
    if period is stats.Period.ALL:
        return f"{charts.MONTHS[b.start.month - 1]} {b.start.year}"
    if b.start == b.end:
        return short_day(b.start)
    return f"{short_day(b.start)} to {short_day(b.end)}"


def reviews(bins: tuple[stats.StateBin, ...], period: stats.Period) -> charts.BarChart:
    unit = {stats.Period.MONTH: "day", stats.Period.YEAR: "week", stats.Period.ALL: "month"}[period]
    total = sum(b.total for b in bins)
    description = (
        f"Stacked bars of your flashcard reviews per {unit} over {period.label}, split by the card's state when "
        f"you graded it (learning, young, mature, relearning): {plural(total, 'review')} in all."
    )
    return charts.bars(
        "Reviews by card state",
        description,
        [_bin_label(b, period) for b in bins],
        [(label, [getattr(b, name) for b in bins]) for label, name in STATE_SERIES],
        x_label=unit.capitalize(),
        y_label="Reviews",
        key="reviews",
        empty_text=f"No flashcard reviews in {period.label}.",
    )


def states(s: stats.StateCounts) -> charts.BarChart:
    description = "Bars of your cards by their state now: " + ", ".join(f"{name.lower()} {n}" for name, n in s.rows)
    return charts.bars(
        "Cards by state",
        description + ".",
        [name for name, _n in s.rows],
        [("Cards", [n for _name, n in s.rows])],
        x_label="State",
        y_label="Cards",
        key="states",
        empty_text="No cards yet: make a deck and study it, or answer a quiz.",
    )


def histogram(h: stats.Histogram, title: str, axis: str, what: str, empty_text: str, unit: str) -> charts.BarChart:
    mean = ""
    if h.mean is not None:
        mean = f"; the mean is {h.mean * 100:.0f}%" if title == "Retrievability" else f"; the mean is {h.mean:.1f}"
        mean += f" {unit}" if unit else ""
    description = f"Bars of the number of cards at each {axis.lower()}: {what.lower()}. "
    description += f"{plural(h.total, 'card')}{mean}."
    return charts.bars(
        title,
        description,
        [b.label for b in h.bins],
        [("Cards", [b.count for b in h.bins])],
        x_label=axis + (f" ({unit})" if unit else ""),
        y_label="Cards",
        key=title.lower(),
        empty_text=empty_text,
    )


def buttons(b: stats.Buttons, period: stats.Period) -> charts.BarChart:
    description = f"Bars of how often you pressed each answer button over {period.label}: " + ", ".join(
        f"{name} {n} ({percent(share)})" for name, n, share in b.rows
    )
    return charts.bars(
        "Answer buttons",
        description + ".",
        [name for name, _n, _share in b.rows],
        [("Reviews", [n for _name, n, _share in b.rows])],
        x_label="Button",
        y_label="Reviews",
        key="buttons",
        empty_text=f"No flashcard reviews in {period.label}.",
    )


def hours(by_hour: tuple[int, ...], period: stats.Period) -> charts.BarChart:
    busiest = max(range(len(by_hour)), key=lambda h: (by_hour[h], -h)) if any(by_hour) else None
    description = f"Bars of your flashcard reviews by the hour of the day you gave them, over {period.label}" + (
        f": most at {busiest}:00 ({count(by_hour[busiest])})." if busiest is not None else "."
    )
    return charts.bars(
        "Reviews by hour of the day",
        description,
        [f"{h}:00" for h in range(len(by_hour))],
        [("Reviews", list(by_hour))],
        x_label="Hour (your time zone)",
        y_label="Reviews",
        key="hours",
        empty_text=f"No flashcard reviews in {period.label}.",
    )


def scores(s: stats.QuizScores, period: stats.Period) -> charts.LineChart:
    practice, exam = stats.QuizScores.mean(s.practice), stats.QuizScores.mean(s.exam)
    description = (
        f"Lines of the score of each quiz you finished over {period.label}, by the day you finished it, "
        f"practice and exam apart: {plural(len(s.practice), 'practice quiz', 'practice quizzes')} "
        f"(mean {percent(practice)}) and {plural(len(s.exam), 'exam')} (mean {percent(exam)})."
    )
    return charts.line(
        "Quiz scores",
        description,
        [
            ("Practice", [(p.day.toordinal(), p.percent) for p in s.practice]),
            ("Exam", [(p.day.toordinal(), p.percent) for p in s.exam]),
        ],
        x_label="Day finished",
        y_label="Score (%)",
        fmt=lambda v: f"{charts.format_number(round(v, 1))}%",
        tick_fmt=lambda v: f"{charts.format_number(v)}%",
        x_fmt=lambda x: dt.date.fromordinal(int(x)).isoformat(),
        y_min=0,
        y_max=100,
        key="scores",
        empty_text=f"No quiz finished in {period.label}.",
    )
