"""The chart kit: geometry from quizapp.charts against hand-computed values, and the macros of _charts.html
rendered in an app, checked with tests/chart_checks.py.

The bar and line plot area is x 48..388 (340 wide) and y 24..200 (176 high); the sparkline's x 1..239 and
y 2..46.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from quizapp import charts
from tests.chart_checks import assert_charts_match_tables, chart_problems, charts_in


def test_nice_ticks_step_through_round_numbers_up_to_the_highest_value():
    assert charts.nice_ticks(0, 3) == (0, 1, 2, 3)
    assert charts.nice_ticks(0, 50) == (0, 20, 40, 60)
    assert charts.nice_ticks(0, 1) == (0, 0.5, 1)
    assert charts.nice_ticks(0, 10) == (0, 5, 10)
    assert charts.nice_ticks(0.7, 0.97) == (0.7, 0.8, 0.9, 1.0)
    assert charts.nice_ticks(5, 5) == (5, 5.5, 6)  # a flat range still gets an axis
    assert charts.nice_ticks(0, 2) == (0, 0.5, 1, 1.5, 2)
    assert charts.nice_ticks(0, 2, whole=True) == (0, 1, 2)


def test_numbers_are_written_the_same_way_in_the_picture_and_the_table():
    assert [charts.format_number(v) for v in (0, 3.0, 1234, 0.9, 2.345, 12.5)] == [
        "0",
        "3",
        "1,234",
        "0.9",
        "2.35",
        "12.5",
    ]
    assert charts.format_percent(0.874) == "87%"


def test_stacked_bars_pile_each_series_on_the_one_below():
    chart = charts.bars("Reviews", "d", ["a", "b"], [("x", [1, 3]), ("y", [1, 0])], x_label="Day", y_label="Reviews")
    assert [t.text for t in chart.y_ticks] == ["0", "1", "2", "3"]
    assert [t.position for t in chart.y_ticks] == [200, 141.33, 82.67, 24]
    assert [(b.x, b.y, b.width, b.height, b.series, b.row, b.column, b.text) for b in chart.bars] == [
        (65, 141.33, 136, 58.67, 1, "a", "x", "1"),
        (65, 82.67, 136, 58.67, 2, "a", "y", "1"),
        (235, 24, 136, 176, 1, "b", "x", "3"),
        (235, 24, 136, 0, 2, "b", "y", "0"),
    ]
    assert [(t.position, t.text) for t in chart.x_ticks] == [(133, "a"), (303, "b")]
    assert [(s.number, s.label) for s in chart.legend] == [(1, "x"), (2, "y")]
    assert chart.table.columns == ("x", "y") and chart.table.row_header == "Day"
    assert [(r.label, r.cells) for r in chart.table.rows] == [("a", ("1", "1")), ("b", ("3", "0"))]
    assert chart.id == "chart-reviews" and not chart.empty


def test_grouped_bars_stand_side_by_side_from_zero():
    chart = charts.bars("R", "d", ["a", "b"], [("x", [1, 3]), ("y", [1, 0])], x_label="", y_label="", stacked=False)
    assert [(b.x, b.y, b.width, b.height) for b in chart.bars] == [
        (65, 141.33, 68, 58.67),
        (133, 141.33, 68, 58.67),
        (235, 24, 68, 176),
        (303, 200, 68, 0),
    ]


def test_bars_reach_up_to_a_given_maximum_and_format_their_numbers():
    chart = charts.bars("R", "d", ["a"], [("x", [0.5])], x_label="", y_label="", y_max=1, fmt=charts.format_percent)
    assert [t.text for t in chart.y_ticks] == ["0%", "50%", "100%"]
    assert (chart.bars[0].y, chart.bars[0].height, chart.bars[0].text) == (112, 88, "50%")


def test_crowded_category_labels_are_thinned_so_they_never_overlap():
    days = [f"03-{d:02}" for d in range(1, 31)]
    chart = charts.bars("R", "d", days, [("x", [1] * 30)], x_label="", y_label="")
    # 5 characters need 41 units: 8 labels fit in 340, so every 4th of 30 is shown.
    assert [t.text for t in chart.x_ticks] == days[::4]
    assert len(chart.bars) == 30 and len(chart.table.rows) == 30


def test_bars_with_nothing_to_draw_are_empty():
    assert charts.bars("R", "d", [], [("x", [])], x_label="", y_label="").empty
    zeros = charts.bars("R", "d", ["a"], [("x", [0])], x_label="", y_label="", empty_text="Nothing due.")
    assert zeros.empty and zeros.empty_text == "Nothing due."
    with pytest.raises(ValueError, match="2 values for 1 categories"):
        charts.bars("R", "d", ["a"], [("x", [1, 2])], x_label="", y_label="")


def test_a_line_joins_points_in_order_of_x_across_the_plot():
    chart = charts.line("Scores", "d", [("s", [(10, 50), (0, 0)])], x_label="Day", y_label="Score")
    assert [t.text for t in chart.y_ticks] == ["0", "20", "40", "60"]
    assert [(p.x, p.y, p.row, p.text) for p in chart.points] == [(48, 200, "0", "0"), (388, 53.33, "10", "50")]
    assert [(p.series, p.d) for p in chart.paths] == [(1, "M48,200 L388,53.33")]
    assert [t.text for t in chart.x_ticks] == ["0", "5", "10"]
    assert [t.position for t in chart.x_ticks] == [48, 218, 388]


def test_a_single_point_sits_in_the_middle():
    chart = charts.line("S", "d", [("s", [(3, 4)])], x_label="", y_label="")
    assert [(p.x, p.y) for p in chart.points] == [(218, 24)]  # y ticks 0..4
    assert chart.paths[0].d == "M218,24"
    assert [(t.position, t.text) for t in chart.x_ticks] == [(218, "3")]
    assert not chart.empty


def test_series_of_a_line_chart_share_the_table_by_x():
    chart = charts.line(
        "Scores",
        "d",
        [("A", [(1, 50), (3, 80), (3, 90)]), ("B", [(2, 70)])],
        x_label="Attempt",
        y_label="%",
        y_max=100,
        x_fmt=lambda x: f"#{x:g}",
        markers=[(2, "Now")],
    )
    assert [(r.label, r.cells) for r in chart.table.rows] == [
        ("#1", ("50", "")),
        ("#2", ("", "70")),
        ("#3", ("80", "")),
        ("#3", ("90", "")),
    ]
    assert [t.text for t in chart.y_ticks][-1] == "100"
    assert [(m.x, m.text) for m in chart.markers] == [(218, "Now")]
    assert [p.series for p in chart.points] == [1, 1, 1, 2]


def test_axes_can_be_written_apart_from_the_values():
    chart = charts.line("S", "d", [("s", [(0, 1.5)])], x_label="", y_label="", fmt=lambda v: f"{v:.1f}", tick_fmt=str)
    assert chart.points[0].text == "1.5" and [t.text for t in chart.y_ticks] == ["0.0", "0.5", "1.0", "1.5"]
    bar = charts.bars(
        "B", "d", ["a"], [("s", [2])], x_label="", y_label="", fmt=lambda v: f"{v} min", tick_fmt=charts.format_number
    )
    assert bar.bars[0].text == "2 min" and [t.text for t in bar.y_ticks] == ["0", "1", "2"]  # counts: no halves


def test_a_line_can_start_its_axis_near_its_lowest_point():
    chart = charts.line("S", "d", [("s", [(0, 812), (1, 1000)])], x_label="", y_label="", y_min=None, x_ticks=[0, 1])
    assert chart.y_ticks[0].text == "800" and chart.y_ticks[-1].text == "1,000"
    assert [t.text for t in chart.x_ticks] == ["0", "1"]


def test_a_line_with_no_points_is_empty():
    assert charts.line("S", "d", [("s", [])], x_label="", y_label="").empty
    assert charts.line("S", "d", [], x_label="", y_label="").empty


def test_heat_levels_are_quarters_of_the_busiest_day():
    assert [charts.heat_level(v, 8) for v in (0, 1, 2, 3, 4, 5, 6, 7, 8)] == [0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert charts.heat_level(3, 0) == 0


def test_a_week_of_heatmap_is_one_column_monday_at_the_top():
    counts = {date(2026, 2, 23): 4, date(2026, 2, 25): 1, date(2026, 3, 1): 2, date(2026, 3, 2): 9}
    chart = charts.heatmap("Activity", "d", counts, end=date(2026, 3, 1), days=7)
    assert [(c.x, c.y, c.level, c.column, c.text) for c in chart.cells] == [
        (30, 16, 4, "Mon", "4"),
        (30, 28, 0, "Tue", "0"),
        (30, 40, 1, "Wed", "1"),
        (30, 52, 0, "Thu", "0"),
        (30, 64, 0, "Fri", "0"),
        (30, 76, 0, "Sat", "0"),
        (30, 88, 2, "Sun", "2"),  # 2 March, after the end, is not drawn
    ]
    assert {c.row for c in chart.cells} == {"Week of 2026-02-23"}
    assert [(t.position, t.text) for t in chart.month_ticks] == [(30, "Feb")]
    assert [(t.position, t.text) for t in chart.day_ticks] == [(25, "Mon"), (49, "Wed"), (73, "Fri")]
    assert (chart.frame.width, chart.frame.height) == (42, 100)
    assert [(lv.level, lv.text) for lv in chart.levels] == [(0, "0"), (1, "1"), (2, "2"), (3, "3"), (4, "4")]
    assert chart.table.columns == charts.WEEKDAYS


def test_a_year_of_heatmap_has_a_column_per_week_and_a_label_per_month():
    chart = charts.heatmap("Activity", "d", {date(2026, 3, 1): 1}, end=date(2026, 3, 1))
    assert len(chart.cells) == 365
    assert len(chart.table.rows) == 53  # 2 March 2025 is a Sunday: its week starts on 24 February
    first = chart.table.rows[0]
    assert first.label == "Week of 2025-02-24" and first.cells == ("", "", "", "", "", "", "0")
    # A month is named above the first week whose Monday is in it (the first column: the first day's month).
    months = [(t.position, t.text) for t in chart.month_ticks]
    assert [text for _x, text in months] == [
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
        "Jan",
        "Feb",
    ]
    assert months[:2] == [(30, "Mar"), (30 + 6 * 12, "Apr")]  # Monday 7 April 2025 starts the 7th column


def test_heat_levels_name_the_counts_they_stand_for():
    def texts(counts):
        chart = charts.heatmap(
            "A", "d", {date(2026, 3, 1) - timedelta(days=k): v for k, v in enumerate(counts)}, end=date(2026, 3, 1)
        )
        return [(lv.level, lv.text) for lv in chart.levels]

    assert texts([30]) == [(0, "0"), (1, "1 to 7"), (2, "8 to 15"), (3, "16 to 22"), (4, "23 to 30")]
    assert texts([2]) == [(0, "0"), (2, "1"), (4, "2")]  # no whole count is a quarter of 2 or three quarters
    minutes = texts([1.5, 6])
    assert minutes[1:] == [
        (1, "more than 0 to 1.5"),
        (2, "more than 1.5 to 3"),
        (3, "more than 3 to 4.5"),
        (4, "more than 4.5 to 6"),
    ]


def test_a_heatmap_of_nothing_is_empty():
    chart = charts.heatmap("Activity", "d", {}, end=date(2026, 3, 1))
    assert chart.empty and [lv.level for lv in chart.levels] == [0]


def test_sparkline_bars_scale_to_the_largest_value():
    chart = charts.sparkline("Due", "d", ["1", "2", "3"], [0, 2, 4])
    assert [(b.x, b.y, b.width, b.height) for b in chart.bars] == [
        (8.93, 46, 63.47, 0),
        (88.27, 24, 63.47, 22),
        (167.6, 2, 63.47, 44),
    ]
    assert not chart.points and not chart.paths


def test_sparkline_as_a_line():
    chart = charts.sparkline("Due", "d", ["1", "2"], [1, 2], style="line")
    assert [(p.x, p.y) for p in chart.points] == [(60.5, 24), (179.5, 2)]
    assert chart.paths[0].d == "M60.5,24 L179.5,2"
    assert charts.sparkline("Due", "d", ["1"], [0]).empty
    with pytest.raises(ValueError):
        charts.sparkline("Due", "d", ["1"], [0], style="pie")


# Rendering ---------------------------------------------------------------------------------------------------


def render(app, chart, **kwargs) -> str:
    template = app.jinja_env.from_string('{% from "_charts.html" import chart %}{{ chart(c, **kw) }}')
    with app.app_context():
        return template.render(c=chart, kw=kwargs)


def every_kind() -> list:
    return [
        charts.bars(
            "Reviews per day",
            "Reviews by card state.",
            ["Mon", "Tue"],
            [("Learning", [1, 0]), ("Review", [2, 5])],
            x_label="Day",
            y_label="Reviews",
        ),
        charts.line(
            "Quiz scores",
            "Percent per attempt.",
            [("Bank A", [(1, 50), (2, 75)]), ("Bank B", [(2, 100)])],
            x_label="Attempt",
            y_label="Percent",
            markers=[(1, "First")],
        ),
        charts.heatmap(
            "Activity", "Reviews per day.", {date(2026, 2, 20): 3, date(2026, 3, 1): 1}, end=date(2026, 3, 1)
        ),
        charts.sparkline("Due in the next days", "Cards due.", ["Today", "Tomorrow"], [3, 1]),
        charts.sparkline("Due line", "Cards due.", ["Today", "Tomorrow"], [3, 1], style="line"),
    ]


@pytest.mark.parametrize("chart", every_kind(), ids=lambda c: c.kind + "-" + c.id)
def test_every_kind_of_chart_renders_a_picture_whose_numbers_are_its_table(app, chart):
    html = render(app, chart)
    assert assert_charts_match_tables(html) == [chart.id]
    assert not re.search(r"\sstyle=", html)  # the Content-Security-Policy allows no inline style
    assert "<script" not in html
    assert 'role="img"' in html and f'<title id="{chart.id}-title">{chart.title}</title>' in html
    assert "Show the numbers" in html and "<details" in html


def test_a_legend_names_each_series_of_a_chart_with_more_than_one(app):
    bars = every_kind()[0]
    html = render(app, bars)
    assert re.findall(r'<span class="swatch series-(\d)" aria-hidden="true"></span>(\w+)', html) == [
        ("1", "Learning"),
        ("2", "Review"),
    ]
    single = charts.bars("One", "d", ["a"], [("Only", [1])], x_label="", y_label="")
    assert "chart-legend" not in render(app, single)


def test_the_heatmap_scrolls_in_a_focusable_region_and_explains_its_shades(app):
    html = render(app, every_kind()[2])
    assert re.search(
        r'<div class="chart-scroll" tabindex="0" role="region" aria-label="Activity, scrolls sideways">', html
    )
    assert re.findall(r'<span class="swatch level-(\d)" aria-hidden="true"></span>([^<]*)<', html) == [
        ("0", "0"),
        ("2", "1"),
        ("3", "2"),
        ("4", "3"),
    ]


def test_numbers_can_be_shown_open(app):
    assert '<details class="chart-numbers" open>' in render(app, every_kind()[0], numbers_open=True)


def test_an_empty_chart_says_so_and_draws_nothing(app):
    html = render(
        app, charts.bars("Forecast", "d", ["a"], [("Due", [0])], x_label="", y_label="", empty_text="Nothing is due.")
    )
    assert "Nothing is due." in html and "<svg" not in html and "<table" not in html
    [found] = charts_in(html)
    assert found.empty and chart_problems(found) == []


def test_the_check_finds_a_table_that_disagrees_with_its_picture(app):
    html = render(app, every_kind()[0])
    assert chart_problems(charts_in(html)[0]) == []
    tampered = html.replace("<td>5</td>", "<td>6</td>")
    [problem] = chart_problems(charts_in(tampered)[0])
    assert "('Tue', 'Review', '5')" in problem and "('Tue', 'Review', '6')" in problem
    with pytest.raises(AssertionError):
        assert_charts_match_tables(tampered)
    untitled = html.replace('aria-labelledby="chart-reviews-per-day-title"', 'aria-labelledby="nothing"')
    assert any("aria-labelledby" in p for p in chart_problems(charts_in(untitled)[0]))


def test_templates_can_build_charts_from_plain_numbers(app):
    template = app.jinja_env.from_string(
        '{% from "_charts.html" import chart %}'
        "{{ chart(charts.sparkline('Due', 'Cards due per day.', ['Mon', 'Tue'], [2, 0])) }}"
    )
    with app.app_context():
        assert assert_charts_match_tables(template.render()) == ["chart-due"]
