"""The statistics page: every panel with data and without, the filters (and bad filter values: a 400 with a
message, never a 500), and each chart's table carrying the numbers of its picture."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from flask import Flask

from quizapp.domain import scheduling
from quizapp.extensions import db
from quizapp.models import ActivityDay, User
from quizapp.operations.cards import save_settings

from . import stats_data
from .chart_checks import assert_charts_match_tables, charts_in
from .conftest import log_in, make_app

NOW = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)  # a Monday, mid-day in the learner's day (it starts at 04:00)
CHARTS = [
    "chart-calendar",
    "chart-forecast",
    "chart-reviews",
    "chart-buttons",
    "chart-hours",
    "chart-states",
    "chart-intervals",
    "chart-stability",
    "chart-difficulty",
    "chart-retrievability",
    "chart-scores",
]


def seed(app) -> stats_data.Seeded:
    app.config["STATS_NOW"] = NOW
    bank_id = stats_data.topics_bank(app)
    seeded = stats_data.seed_history(app, stats_data.learner(app, "amy"), bank_id, NOW)
    stats_data.learner(app, "bob")
    return seeded


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory) -> Iterator[tuple[Flask, stats_data.Seeded]]:
    """One app for the tests that only read: ``amy`` has two months of study, ``bob`` nothing."""
    tmp = tmp_path_factory.mktemp("stats")
    app = make_app(f"sqlite:///{tmp / 'stats.sqlite'}", tmp)
    yield app, seed(app)
    with app.app_context():
        db.engine.dispose()


def getter(app: Flask, seeded: stats_data.Seeded):
    def get(login: str = "amy", query: str = "", status: int = 200) -> str:
        """Log in as ``login`` and GET the statistics page (with ``query``), checking the status."""
        client = app.test_client()
        assert log_in(client, login).status_code == 302
        response = client.get("/stats" + query)
        assert response.status_code == status, response.get_data(as_text=True)[:2000]
        return response.get_data(as_text=True)

    get.seeded = seeded  # type: ignore[attr-defined]
    return get


@pytest.fixture
def page(seeded_app, monkeypatch):
    monkeypatch.setattr("quizapp.stats.views.utcnow", lambda: NOW)
    return getter(*seeded_app)


@pytest.fixture
def own_page(app, monkeypatch):
    """The same learners in an app of the test's own, for tests that change something."""
    monkeypatch.setattr("quizapp.stats.views.utcnow", lambda: NOW)
    return app, getter(app, seed(app))


def text(html: str) -> str:
    """The page's words, tags removed and spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def section(html: str, name: str) -> str:
    found = re.search(rf'<section class="panel" id="{name}".*?</section>', html, re.S)
    assert found, f"no section {name}"
    return text(found.group(0))


def chart(html: str, chart_id: str):
    return next(c for c in charts_in(html) if c.id == chart_id)


def test_visitors_log_in_first(client):
    response = client.get("/stats")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_statistics_page_is_in_the_navigation(page):
    assert '<a href="/stats" aria-current="page">Statistics</a>' in page()


def test_every_chart_shows_the_numbers_of_its_table(page):
    html = page()
    assert assert_charts_match_tables(html) == CHARTS
    assert all(not c.empty for c in charts_in(html))


def test_today(page):
    today = section(page(), "today")
    assert "3 cards studied" in today and "18 s on cards" in today  # three grades of 6 s
    assert "1 Again" in today and "67% correct" in today
    assert "3 quiz questions answered" in today and "100% right" in today  # today's practice quiz, all right


def test_calendar_and_streak(page):
    html = page()
    calendar = section(html, "calendar")
    # Study on the days 0, 1, 2, 3, 5, 20, 25, 30, 39, 40, 50, 58 and 60 before today: a streak of 4 days.
    assert re.search(r"Streak: 4 days ?\.", calendar) and "13 days with study in the last 365" in calendar
    cells = {(row, col): value for row, col, value in chart(html, "chart-calendar").marks}
    assert cells[("Week of 2026-03-02", "Mon")] == "6"  # 3 grades and 3 quiz answers today
    assert cells[("Week of 2026-02-23", "Thu")] == "0"  # four days ago: nothing
    assert cells[("Week of 2026-02-23", "Wed")] == "3"  # five days ago: the exam's 3 answers
    assert cells[("Week of 2026-02-23", "Sun")] == "3"  # yesterday: three grades


def test_forecast_and_daily_load(page):
    html = page()
    due = section(html, "due")
    forecast = chart(html, "chart-forecast")
    assert len({row for row, _col, _value in forecast.marks}) == 30
    total = sum(int(value) for _row, _col, value in forecast.marks)
    assert f"{total} card" in due and "Daily load: about" in due


def test_reviews_by_state_buttons_and_hours_over_the_period(page):
    html = page()
    reviews = chart(html, "chart-reviews")
    by_state = {(row, col): int(v) for row, col, v in reviews.marks}
    assert len({row for row, _col in by_state}) == 30  # the last month, day by day
    assert sum(by_state.values()) == 10  # the grades of the last 30 days (25, 3, 2, 1 and 0 days ago)
    assert sum(v for (row, col), v in by_state.items() if row == "2 Mar") == 3
    buttons = {row: int(v) for row, _col, v in chart(html, "chart-buttons").marks}
    assert buttons == {"Again": 2, "Hard": 0, "Good": 8, "Easy": 0}
    hours = {row: int(v) for row, _col, v in chart(html, "chart-hours").marks}
    assert hours["11:00"] == 10 and sum(hours.values()) == 10  # every grade an hour before noon, UTC
    year = page(query="?period=1y")
    weeks = {row for row, _col, _v in chart(year, "chart-reviews").marks}
    assert len(weeks) == 53 and "24 Feb to 2 Mar" in weeks
    months = {row for row, _col, _v in chart(page(query="?period=all"), "chart-reviews").marks}
    assert months == {"Jan 2026", "Feb 2026", "Mar 2026"}


def test_true_retention_beside_the_desired_retention(page):
    retention = section(page(), "retention")
    assert "desired retention of 90%" in retention
    for label in ("Today", "Yesterday", "Last 7 days", "Last 30 days", "Last 365 days", "All time"):
        assert label in retention


def test_cards_and_total_knowledge(page):
    html = page()
    states = {row: int(v) for row, _col, v in chart(html, "chart-states").marks}
    assert sum(states.values()) == 4 and states["New"] == 0  # all four cards of the deck seen
    assert re.search(r"\d+\.\d of the 4 cards you have seen", section(html, "cards"))
    for name in ("chart-intervals", "chart-stability", "chart-difficulty", "chart-retrievability"):
        assert sum(int(v) for _row, _col, v in chart(html, name).marks) >= 1


def test_mastery_by_topic(page):
    mastery = section(page(), "mastery")
    assert "at least 5 reviews and quiz answers" in mastery
    rows = re.findall(r"(cells|myelin|trials) (\S+) (\S+) (\S+) (\d+) (\d+)", mastery)
    assert {r[0] for r in rows} == {"cells", "myelin", "trials"}


def test_quiz_scores_practice_and_exam_apart(page):
    scores = chart(page(), "chart-scores")
    practice = sorted((row, v) for row, col, v in scores.marks if col == "Practice")
    exam = [(row, v) for row, col, v in scores.marks if col == "Exam"]
    assert practice == [("2026-02-10", "33.3%"), ("2026-03-02", "100%")]  # 1 of 3 right, then 3 of 3
    assert exam == [("2026-02-25", "100%")]


def test_every_panel_without_data(page):
    html = page("bob")
    assert assert_charts_match_tables(html) == CHARTS
    assert all(c.empty for c in charts_in(html))
    assert "Your statistics fill in as you study" in text(html)
    assert "Nothing studied yet today." in section(html, "today")
    assert "No streak yet." in section(html, "calendar")
    assert "No card falls due in the next 30 days." in section(html, "due")
    assert "No flashcard reviews in the last month." in section(html, "reviews")
    assert "No reviews to count yet" in section(html, "retention")
    assert "No cards yet" in section(html, "cards") and "No cards seen yet." in section(html, "cards")
    assert "No card has been reviewed yet." in section(html, "memory")
    assert "No topics yet" in section(html, "mastery")
    assert "No quiz finished in the last month." in section(html, "scores")


def test_filtering_by_bank_and_topic(page):
    html = page(query="?scope=bank-topics&tag=trials&period=all")
    today = section(html, "today")
    assert "1 card studied" in today and "1 quiz question answered" in today  # card 3 and q4 only
    mastery = section(html, "mastery")
    assert "trials" in mastery and "myelin" not in mastery
    assert_charts_match_tables(html)
    assert '<option selected value="trials">trials</option>' in html


def test_filtering_by_deck(page):
    deck = page.seeded.deck_id
    html = page(query=f"?scope=deck-{deck}")
    assert f'<option selected value="deck-{deck}">Deck: MS topics</option>' in html
    assert "3 cards studied" in section(html, "today")


def test_a_filter_with_nothing_in_it_shows_empty_panels(own_page):
    app, page = own_page
    with app.app_context():  # a bank the learner studied, seen through a topic none of its questions has
        db.session.execute(ActivityDay.__table__.update().values(tags="|cells|"))
        db.session.commit()
    html = page(query="?tag=trials")
    assert "Nothing studied yet today within this filter." in section(html, "today")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?scope=bank-no-such-bank", "Choose a deck or bank from the list"),
        ("?scope=deck-999999", "Choose a deck or bank from the list"),
        ("?scope=deck-abc", "Choose a deck or bank from the list"),
        ("?scope=everything", "Choose a deck or bank from the list"),
        ("?tag=no-such-tag", "Choose a topic from the list"),
        ("?tag=%00", "Choose a topic from the list"),
        ("?period=week", "Choose a period from the list"),
        ("?period=", "Choose a period from the list"),
    ],
)
def test_bad_filter_values_are_refused_with_a_message(page, query, message):
    html = page(query=query, status=400)
    assert "These statistics cannot be shown" in html and message in html
    assert 'id="today"' not in html  # no panels from a filter that was not understood


def test_another_learners_deck_cannot_be_chosen(page):
    html = page("bob", query=f"?scope=deck-{page.seeded.deck_id}", status=400)
    assert "MS topics" not in html


def test_the_learners_day_and_time_zone(own_page):
    app, page = own_page
    with app.app_context():  # Tokyo: the grades an hour before noon UTC were given at 20:00 local time
        user = db.session.query(User).filter_by(username="amy").one()
        save_settings(db.session, user, scheduling.Settings(timezone="Asia/Tokyo", enable_fuzzing=False), NOW)
        db.session.commit()
    html = page()
    hours = {row: int(v) for row, _col, v in chart(html, "chart-hours").marks}
    assert hours["20:00"] == 10
    assert "Your day starts at 4:00, Asia/Tokyo time" in text(html)


@pytest.mark.postgres
def test_the_same_page_on_postgresql(pg_app, seeded_app, monkeypatch):
    """Every query of the page runs on PostgreSQL too, and gives the same page."""
    monkeypatch.setattr("quizapp.stats.views.utcnow", lambda: NOW)
    on_postgres = getter(pg_app, seed(pg_app))
    on_sqlite = getter(*seeded_app)
    for query in ("", "?period=1y", "?period=all", "?scope=bank-topics&tag=trials&period=all"):
        html = on_postgres(query=query)
        assert assert_charts_match_tables(html) == CHARTS
        assert charts_in(html) == charts_in(on_sqlite(query=query)), query
        for name in ("today", "calendar", "retention", "mastery"):
            assert section(html, name) == section(on_sqlite(query=query), name), (query, name)
