"""Charts as geometry: small pure functions that turn plain numbers into frozen dataclasses that
``templates/_charts.html`` draws as inline SVG, with the same numbers in a table.

No Flask and no JavaScript: a view (or a template, through the ``charts`` global) calls ``bars``, ``line``,
``heatmap`` or ``sparkline`` with a title, a description, labelled series and axis labels, and renders the
result with the ``chart`` macro. Every mark carries the row and column of its table cell and the number shown
there, so a test can check that the picture and the table say the same thing (``tests/chart_checks.py``).

Coordinates are SVG user units in a fixed ``viewBox``; the stylesheet scales the picture to the page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

Format = Callable[[float], str]

# The drawing area of bar and line charts: narrow enough that 12-unit text stays readable when the picture is
# scaled down to a 390 px wide phone, wide enough for 30 bars.
WIDTH, HEIGHT = 400.0, 240.0
LEFT, RIGHT, TOP, BOTTOM = 48.0, 12.0, 24.0, 40.0  # the vertical axis label sits above the plot
CHAR_WIDTH = 7.0  # a generous average width of one 12-unit character, to keep tick labels apart
SPARK_WIDTH, SPARK_HEIGHT = 240.0, 48.0
CELL, CELL_GAP = 10.0, 2.0  # heatmap squares
HEAT_LEFT, HEAT_TOP = 30.0, 16.0
LEVELS = 5  # heatmap intensities: 0 (nothing) to 4
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NO_DATA = "No data yet."


def format_number(value: float) -> str:
    """Whole numbers with thousands separators, others with up to two decimals: ``1,234``, ``0.9``, ``2.35``."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def format_percent(value: float) -> str:
    """A share of one as a whole percentage: ``0.874`` → ``87%``."""
    return f"{value * 100:.0f}%"


@dataclass(frozen=True)
class Frame:
    """The picture's size (the ``viewBox``) and the plot area inside it."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Tick:
    """A labelled place on an axis: ``position`` is x for the horizontal axis, y for the vertical one."""

    position: float
    text: str


@dataclass(frozen=True)
class Series:
    """One entry of the legend: ``number`` gives the CSS class ``series-<number>`` (1 to 6)."""

    number: int
    label: str


@dataclass(frozen=True)
class Bar:
    """One rectangle: a value of one series in one category (or a stacked segment of it)."""

    x: float
    y: float
    width: float
    height: float
    series: int
    row: str
    column: str
    value: float
    text: str


@dataclass(frozen=True)
class Point:
    """One data point of a line."""

    x: float
    y: float
    series: int
    row: str
    column: str
    value: float
    text: str


@dataclass(frozen=True)
class Path:
    """The line through one series' points, as SVG path data."""

    series: int
    d: str


@dataclass(frozen=True)
class Marker:
    """A labelled vertical line across the plot (e.g. the learner's current setting)."""

    x: float
    text: str


@dataclass(frozen=True)
class Cell:
    """One day of a calendar heatmap, with its intensity level (0 to 4)."""

    x: float
    y: float
    size: float
    level: int
    row: str
    column: str
    value: float
    text: str


@dataclass(frozen=True)
class Level:
    """One step of a heatmap's legend: its level and the counts it stands for."""

    level: int
    text: str


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """The chart's numbers: rows labelled in the first column (headed ``row_header``), one column per series."""

    caption: str
    row_header: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    x_label: str
    y_label: str
    frame: Frame
    bars: tuple[Bar, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    legend: tuple[Series, ...]
    table: Table
    empty: bool
    empty_text: str
    kind: str = "bars"


@dataclass(frozen=True)
class LineChart:
    id: str
    title: str
    description: str
    x_label: str
    y_label: str
    frame: Frame
    points: tuple[Point, ...]
    paths: tuple[Path, ...]
    markers: tuple[Marker, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    legend: tuple[Series, ...]
    table: Table
    empty: bool
    empty_text: str
    kind: str = "line"


@dataclass(frozen=True)
class Heatmap:
    id: str
    title: str
    description: str
    frame: Frame
    cells: tuple[Cell, ...]
    month_ticks: tuple[Tick, ...]
    day_ticks: tuple[Tick, ...]
    levels: tuple[Level, ...]
    table: Table
    empty: bool
    empty_text: str
    kind: str = "heatmap"


@dataclass(frozen=True)
class Sparkline:
    id: str
    title: str
    description: str
    frame: Frame
    bars: tuple[Bar, ...]
    points: tuple[Point, ...]
    paths: tuple[Path, ...]
    table: Table
    empty: bool
    empty_text: str
    kind: str = "sparkline"


def chart_id(text: str) -> str:
    """An HTML id made from a title or key: ``Reviews per day`` → ``chart-reviews-per-day``."""
    return "chart-" + (re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "untitled")


def nice_ticks(low: float, high: float, count: int = 5, whole: bool = False) -> tuple[float, ...]:
    """Round values from ``low`` to at least ``high``, about ``count`` of them, at a step of 1, 2 or 5 times a
    power of ten; with ``whole``, at a step of at least 1 (counts have no halves)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw - 1e-12)
    if whole:
        step = max(step, 1)
    first = math.floor(low / step + 1e-9) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return tuple(round(t, 10) for t in ticks)


def _frame(width: float = WIDTH, height: float = HEIGHT) -> Frame:
    return Frame(width, height, LEFT, width - RIGHT, TOP, height - BOTTOM)


def _y_scale(frame: Frame, low: float, high: float) -> Callable[[float], float]:
    span = high - low
    return lambda v: frame.bottom - (v - low) / span * (frame.bottom - frame.top)


def _y_ticks(frame: Frame, values: tuple[float, ...], fmt: Format) -> tuple[Tick, ...]:
    scale = _y_scale(frame, values[0], values[-1])
    return tuple(Tick(round(scale(v), 2), fmt(v)) for v in values)


def _label_every(count: int, longest: int, room: float) -> int:
    """Show every k-th category label so that labels of ``longest`` characters never overlap."""
    fits = max(1, int(room // (longest * CHAR_WIDTH + 6)))
    return max(1, math.ceil(count / fits))


def bars(
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    x_label: str,
    y_label: str,
    stacked: bool = True,
    fmt: Format = format_number,
    tick_fmt: Format | None = None,
    y_max: float | None = None,
    key: str | None = None,
    empty_text: str = NO_DATA,
) -> BarChart:
    """Vertical bars, one per category, stacked (bottom to top in series order) or side by side.

    ``series`` is a list of ``(label, values)`` with one value per category. Empty (no category, or every
    value zero) when there is nothing to draw. The vertical axis starts at 0 and ends at a round number at
    least ``y_max`` (default: the tallest bar). Values are written with ``fmt``, the axis with ``tick_fmt``
    (default: ``fmt``).
    """
    frame = _frame()
    labels = tuple(categories)
    for label, values in series:
        if len(values) != len(labels):
            raise ValueError(f"series {label!r} has {len(values)} values for {len(labels)} categories")
    legend = tuple(Series(n, label) for n, (label, _values) in enumerate(series, 1))
    rows = tuple(TableRow(c, tuple(fmt(values[i]) for _label, values in series)) for i, c in enumerate(labels))
    table = Table(title, x_label, tuple(s.label for s in legend), rows)
    totals = [sum(values[i] for _label, values in series) if stacked else 0.0 for i in range(len(labels))]
    tallest = max([*totals, *(v for _label, values in series for v in values)], default=0.0)
    empty = not labels or not any(v for _label, values in series for v in values)
    whole = all(float(v).is_integer() for _label, values in series for v in values)
    ticks = nice_ticks(0.0, max(y_max or 0.0, tallest, 0.0) or 1.0, whole=whole)
    scale = _y_scale(frame, 0.0, ticks[-1])
    band = (frame.right - frame.left) / max(len(labels), 1)
    shapes: list[Bar] = []
    for i, category in enumerate(labels):
        base = 0.0
        for n, (label, values) in enumerate(series, 1):
            value = values[i]
            if stacked:
                x, width, low, high = frame.left + band * (i + 0.1), band * 0.8, base, base + value
                base = high
            else:
                width = band * 0.8 / len(series)
                x, low, high = frame.left + band * (i + 0.1) + width * (n - 1), 0.0, value
            top = scale(high)
            shapes.append(Bar(*_rounded(x, top, width, scale(low) - top), n, category, label, value, fmt(value)))
    every = _label_every(len(labels), max((len(c) for c in labels), default=1), frame.right - frame.left)
    x_ticks = tuple(Tick(round(frame.left + band * (i + 0.5), 2), c) for i, c in enumerate(labels) if i % every == 0)
    return BarChart(
        chart_id(key or title),
        title,
        description,
        x_label,
        y_label,
        frame,
        tuple(shapes),
        x_ticks,
        _y_ticks(frame, ticks, tick_fmt or fmt),
        legend,
        table,
        empty,
        empty_text,
    )


def _rounded(*numbers: float) -> tuple[float, ...]:
    return tuple(round(n, 2) for n in numbers)


def line(
    title: str,
    description: str,
    series: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    *,
    x_label: str,
    y_label: str,
    fmt: Format = format_number,
    tick_fmt: Format | None = None,
    x_fmt: Format = format_number,
    y_min: float | None = 0.0,
    y_max: float | None = None,
    x_ticks: Sequence[float] | None = None,
    markers: Sequence[tuple[float, str]] = (),
    key: str | None = None,
    empty_text: str = NO_DATA,
) -> LineChart:
    """One or more series of ``(x, y)`` points joined by lines, in order of x.

    The horizontal axis spans the points' x (a single x sits in the middle), labelled at ``x_ticks`` or at
    round values, written with ``x_fmt``; the vertical axis runs from ``y_min`` (``None``: a round number
    below the lowest point) to a round number at least ``y_max`` and the highest point. ``markers`` are
    labelled vertical lines at an x. Values are written with ``fmt``, the vertical axis with ``tick_fmt``
    (default: ``fmt``). The table has a row per distinct x (more when a series has two points
    at one x) and a column per series.
    """
    frame = _frame()
    legend = tuple(Series(n, label) for n, (label, _points) in enumerate(series, 1))
    ordered = [sorted(points) for _label, points in series]
    xs = sorted({x for points in ordered for x, _y in points} | {x for x, _text in markers})
    ys = [y for points in ordered for _x, y in points]
    empty = not ys
    x_low, x_high = (xs[0], xs[-1]) if xs else (0.0, 1.0)
    width = frame.right - frame.left

    def x_at(x: float) -> float:
        if x_high == x_low:
            return frame.left + width / 2
        return frame.left + (x - x_low) / (x_high - x_low) * width

    low = min(ys, default=0.0) if y_min is None else y_min
    high = max([*ys, y_max if y_max is not None else low])
    ticks = nice_ticks(low, high if high > low else low + 1, whole=all(float(y).is_integer() for y in ys))
    scale = _y_scale(frame, ticks[0], ticks[-1])
    points: list[Point] = []
    paths: list[Path] = []
    for n, ((label, _points), pts) in enumerate(zip(series, ordered, strict=True), 1):
        mine = [Point(*_rounded(x_at(x), scale(y)), n, x_fmt(x), label, y, fmt(y)) for x, y in pts]
        points += mine
        if mine:
            paths.append(Path(n, " ".join(f"{'M' if k == 0 else 'L'}{p.x:g},{p.y:g}" for k, p in enumerate(mine))))
    if x_ticks is None:
        chosen = [x for x in nice_ticks(x_low, x_high) if x_low - 1e-9 <= x <= x_high + 1e-9] if xs else []
    else:
        chosen = list(x_ticks)
    if xs and not chosen:
        chosen = [x_low]
    every = _label_every(len(chosen), max((len(x_fmt(x)) for x in chosen), default=1), width)
    chosen = chosen[::every]
    return LineChart(
        chart_id(key or title),
        title,
        description,
        x_label,
        y_label,
        frame,
        tuple(points),
        tuple(paths),
        tuple(Marker(round(x_at(x), 2), text) for x, text in markers),
        tuple(Tick(round(x_at(x), 2), x_fmt(x)) for x in chosen),
        _y_ticks(frame, ticks, tick_fmt or fmt),
        legend,
        _line_table(title, x_label, legend, ordered, fmt, x_fmt),
        empty,
        empty_text,
    )


def _line_table(
    title: str,
    x_label: str,
    legend: tuple[Series, ...],
    ordered: list[list[tuple[float, float]]],
    fmt: Format,
    x_fmt: Format,
) -> Table:
    rows: list[TableRow] = []
    for x in sorted({x for points in ordered for x, _y in points}):
        at_x = [[y for px, y in points if px == x] for points in ordered]
        for k in range(max(len(ys) for ys in at_x)):
            rows.append(TableRow(x_fmt(x), tuple(fmt(ys[k]) if k < len(ys) else "" for ys in at_x)))
    return Table(title, x_label, tuple(s.label for s in legend), tuple(rows))


def heat_level(value: float, highest: float) -> int:
    """0 for nothing, else 1 to 4 by quarters of the busiest day: level k covers (k-1)/4 to k/4 of it."""
    if value <= 0 or highest <= 0:
        return 0
    return min(LEVELS - 1, max(1, math.ceil((LEVELS - 1) * value / highest - 1e-9)))


def heatmap(
    title: str,
    description: str,
    counts: Mapping[date, float],
    *,
    end: date,
    days: int = 365,
    fmt: Format = format_number,
    key: str | None = None,
    empty_text: str = NO_DATA,
) -> Heatmap:
    """A calendar of the ``days`` days ending on ``end``: a column per week (Monday first), a row per weekday,
    each day shaded at one of five levels (``heat_level``); month names above the week a month starts in.

    The table has a row per week ("Week of 2026-03-02") and a column per weekday; days outside the range are
    blank.
    """
    start = end - timedelta(days=days - 1)
    first_monday = start - timedelta(days=start.weekday())
    weeks = (end - first_monday).days // 7 + 1
    highest = max((counts.get(start + timedelta(days=k), 0.0) for k in range(days)), default=0.0)
    frame = Frame(
        HEAT_LEFT + weeks * (CELL + CELL_GAP),
        HEAT_TOP + 7 * (CELL + CELL_GAP),
        HEAT_LEFT,
        HEAT_LEFT + weeks * (CELL + CELL_GAP),
        HEAT_TOP,
        HEAT_TOP + 7 * (CELL + CELL_GAP),
    )
    cells: list[Cell] = []
    months: list[Tick] = []
    rows: list[TableRow] = []
    labelled = None
    for week in range(weeks):
        monday = first_monday + timedelta(days=7 * week)
        row = f"Week of {monday.isoformat()}"
        month = max(monday, start).month  # a month is named above the first week whose Monday is in it
        if month != labelled:
            months.append(Tick(HEAT_LEFT + week * (CELL + CELL_GAP), MONTHS[month - 1]))
            labelled = month
        texts = []
        for weekday in range(7):
            day = monday + timedelta(days=weekday)
            if not start <= day <= end:
                texts.append("")
                continue
            value = counts.get(day, 0.0)
            texts.append(fmt(value))
            x, y = HEAT_LEFT + week * (CELL + CELL_GAP), HEAT_TOP + weekday * (CELL + CELL_GAP)
            cells.append(Cell(x, y, CELL, heat_level(value, highest), row, WEEKDAYS[weekday], value, fmt(value)))
        rows.append(TableRow(row, tuple(texts)))
    if len(months) > 1 and months[1].position - months[0].position < 3 * (CELL + CELL_GAP):
        months.pop(0)  # a range starting late in a month: its name would run into the next one
    day_ticks = tuple(Tick(HEAT_TOP + k * (CELL + CELL_GAP) + CELL - 1, WEEKDAYS[k]) for k in (0, 2, 4))
    whole = all(float(v).is_integer() for v in counts.values())
    ranges = [(k, _level_range(k, highest, fmt, whole)) for k in range(1, LEVELS) if highest > 0]
    levels = (Level(0, fmt(0)), *(Level(k, text) for k, text in ranges if text))
    return Heatmap(
        chart_id(key or title),
        title,
        description,
        frame,
        tuple(cells),
        tuple(months),
        day_ticks,
        levels,
        Table(title, "Week", WEEKDAYS, tuple(rows)),
        highest <= 0,
        empty_text,
    )


def _level_range(level: int, highest: float, fmt: Format, whole: bool) -> str:
    """What a level stands for: whole counts as ``8 to 15`` (empty when no whole count falls in it), other
    values as ``more than 7.5 to 15``."""
    low, high = highest * (level - 1) / (LEVELS - 1), highest * level / (LEVELS - 1)
    if not whole:
        return f"more than {fmt(low)} to {fmt(high)}"
    first, last = math.floor(low + 1e-9) + 1, math.floor(high + 1e-9)
    if first > last:
        return ""
    return fmt(first) if first == last else f"{fmt(first)} to {fmt(last)}"


def sparkline(
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    style: str = "bars",
    value_label: str = "Value",
    row_header: str = "Day",
    fmt: Format = format_number,
    key: str | None = None,
    empty_text: str = NO_DATA,
) -> Sparkline:
    """A small picture of one series without axes: bars (``style="bars"``) or a line (``"line"``) scaled to
    the largest value; the table gives each label's value."""
    if len(labels) != len(values):
        raise ValueError(f"{len(values)} values for {len(labels)} labels")
    if style not in ("bars", "line"):
        raise ValueError(f"unknown sparkline style {style!r}")
    frame = Frame(SPARK_WIDTH, SPARK_HEIGHT, 1.0, SPARK_WIDTH - 1, 2.0, SPARK_HEIGHT - 2)
    highest = max(values, default=0.0)
    scale = _y_scale(frame, 0.0, highest or 1.0)
    band = (frame.right - frame.left) / max(len(values), 1)
    shapes: list[Bar] = []
    points: list[Point] = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        if style == "bars":
            top = scale(value)
            shapes.append(
                Bar(
                    *_rounded(frame.left + band * (i + 0.1), top, band * 0.8, frame.bottom - top),
                    1,
                    label,
                    value_label,
                    value,
                    fmt(value),
                )
            )
        else:
            points.append(
                Point(*_rounded(frame.left + band * (i + 0.5), scale(value)), 1, label, value_label, value, fmt(value))
            )
    paths = (
        (Path(1, " ".join(f"{'M' if k == 0 else 'L'}{p.x:g},{p.y:g}" for k, p in enumerate(points))),) if points else ()
    )
    rows = tuple(TableRow(label, (fmt(value),)) for label, value in zip(labels, values, strict=True))
    return Sparkline(
        chart_id(key or title),
        title,
        description,
        frame,
        tuple(shapes),
        tuple(points),
        paths,
        Table(title, row_header, (value_label,), rows),
        not any(values),
        empty_text,
    )
