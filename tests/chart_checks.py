"""Checking rendered charts (templates/_charts.html): each one is an accessible picture whose numbers are the
numbers of its table.

    from tests.chart_checks import assert_charts_match_tables
    ids = assert_charts_match_tables(response.get_data(as_text=True))
    assert ids == ["chart-reviews-per-day", "chart-forecast"]

Every mark of the SVG carries ``data-row``, ``data-col`` and ``data-value``; every non-blank data cell of the
table is found by its row header and column header. The two must be the same collection of
(row, column, number), and each SVG must name itself by a ``<title>`` and describe itself by a ``<desc>``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class RenderedChart:
    """What one ``<figure class="chart">`` holds."""

    id: str
    kind: str
    empty: bool = False
    svg: dict[str, str] = field(default_factory=dict)  # the <svg> element's attributes
    svg_titles: dict[str, str] = field(default_factory=dict)  # id -> text of <title>/<desc> with an id
    marks: list[tuple[str, str, str]] = field(default_factory=list)
    caption: str = ""
    columns: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    cells: list[tuple[str, str, str]] = field(default_factory=list)
    has_table: bool = False


class _Charts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.charts: list[RenderedChart] = []
        self.depth = 0  # <figure> nesting inside the current chart
        self.chart: RenderedChart | None = None
        self.text: list[str] | None = None  # collecting the text of the element being read
        self.reading = ""
        self.text_id = ""
        self.in_head = False
        self.row_label: str | None = None
        self.row_cells: list[str] = []
        self.empty_para = False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "figure":
            if self.chart is None and "chart" in a.get("class", "").split():
                kind = next((c[6:] for c in a["class"].split() if c.startswith("chart-")), "")
                self.chart, self.depth = RenderedChart(a.get("id", ""), kind), 1
                return
            if self.chart is not None:
                self.depth += 1
        chart = self.chart
        if chart is None:
            return
        if tag == "svg":
            chart.svg = a
        if "data-value" in a:
            chart.marks.append((a.get("data-row", ""), a.get("data-col", ""), a["data-value"]))
        if tag == "p" and "chart-empty" in a.get("class", ""):
            chart.empty = True
        if tag == "table":
            chart.has_table = True
        if tag == "thead":
            self.in_head = True
        if tag == "th":
            chart.scopes.append(a.get("scope", ""))
        if tag == "tr":
            self.row_label, self.row_cells = None, []
        if tag in ("title", "desc", "caption", "th", "td"):
            self.text, self.reading, self.text_id = [], tag, a.get("id", "")

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        chart = self.chart
        if chart is None:
            return
        if tag == self.reading and self.text is not None:
            text = " ".join("".join(self.text).split())
            self.text, self.reading = None, ""
            if tag in ("title", "desc") and self.text_id:
                chart.svg_titles[self.text_id] = text
            elif tag == "caption":
                chart.caption = text
            elif tag == "th" and self.in_head:
                chart.columns.append(text)
            elif tag == "th":
                self.row_label = text
            elif tag == "td":
                self.row_cells.append(text)
        if tag == "thead":
            self.in_head = False
        if tag == "tr" and self.row_label is not None:
            for column, text in zip(chart.columns[1:], self.row_cells, strict=False):
                if text:
                    chart.cells.append((self.row_label, column, text))
        if tag == "figure":
            self.depth -= 1
            if self.depth == 0:
                self.charts.append(chart)
                self.chart = None


def charts_in(html: str) -> list[RenderedChart]:
    """Every chart of the page, in order."""
    parser = _Charts()
    parser.feed(html)
    parser.close()
    return parser.charts


def chart_problems(chart: RenderedChart) -> list[str]:
    """What is wrong with one rendered chart; an empty list when it is right."""
    if chart.empty:
        return [] if not chart.marks else [f"{chart.id}: says it has no data but draws {len(chart.marks)} marks"]
    problems = []
    svg = chart.svg
    if svg.get("role") != "img":
        problems.append(f"{chart.id}: the <svg> has no role=img")
    title_id, desc_id = svg.get("aria-labelledby", ""), svg.get("aria-describedby", "")
    if not chart.svg_titles.get(title_id):
        problems.append(f"{chart.id}: aria-labelledby does not name a <title> with text")
    if not chart.svg_titles.get(desc_id):
        problems.append(f"{chart.id}: aria-describedby does not name a <desc> with text")
    if not chart.has_table or not chart.caption:
        problems.append(f"{chart.id}: no table with a caption")
    if any(scope not in ("col", "row") for scope in chart.scopes):
        problems.append(f"{chart.id}: a table header without scope")
    if not chart.marks:
        problems.append(f"{chart.id}: draws nothing")
    in_svg, in_table = Counter(chart.marks), Counter(chart.cells)
    if in_svg != in_table:
        problems.append(
            f"{chart.id}: only in the picture {sorted((in_svg - in_table).elements())}, "
            f"only in the table {sorted((in_table - in_svg).elements())}"
        )
    return problems


def assert_charts_match_tables(html: str) -> list[str]:
    """Check every chart of ``html`` (see the module docstring) and return their ids, in order."""
    charts = charts_in(html)
    problems = [p for chart in charts for p in chart_problems(chart)]
    assert not problems, "\n".join(problems)
    return [chart.id for chart in charts]
