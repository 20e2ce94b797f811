"""The "Help me decide" page for the desired retention: with the default parameters and a learner's own, the
deck it assumes asked for in the query string (and refused when unreadable), and choosing a retention."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from quizapp.domain import retention
from quizapp.domain.scheduling import Settings
from quizapp.extensions import db
from quizapp.models import SchedulerSettings, User, utcnow
from quizapp.operations import cards as card_ops
from quizapp.queries import cards as card_queries

from .chart_checks import assert_charts_match_tables
from .conftest import log_in, post_form

PAGE = "/settings/scheduler/retention"
USUAL = retention.Assumptions()
CHARTS = ["chart-minutes-of-study-a-day", "chart-cards-remembered-after-365-days"]
ROW = re.compile(
    r'<input type="radio" name="desired_retention" id="desired_retention-\d+" value="([\d.]+)"( checked)?>\s*'
    r'<label for="desired_retention-\d+">[\d.]+( <span class="yours-now">\(yours now\)</span>)?</label>\s*</th>\s*'
    r"<td>([\d.]+)</td>\s*<td>(\d+)</td>\s*<td>([\d,]+) "
)


@pytest.fixture
def learner(app, client, make_user):
    make_user("amy")
    log_in(client, "amy")
    return client


def save(app, **changes) -> None:
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        current = card_queries.settings_of(db.session, user.id)
        card_ops.save_settings(db.session, user, replace(current, **changes), utcnow())
        db.session.commit()


def stored(app) -> Settings:
    with app.app_context():
        return card_queries.settings_of(db.session, db.session.scalars(select(User.id)).one())


def rows(html: str) -> list[tuple]:
    return [(r, bool(c), bool(y), m, int(n), int(k.replace(",", ""))) for r, c, y, m, n, k in ROW.findall(html)]


def expected_rows(parameters, current: float, assumptions: retention.Assumptions = USUAL) -> list[tuple]:
    simulation = retention.simulate(parameters, retention.retentions_with(current), assumptions)
    return [
        (
            retention.format_retention(o.retention),
            o.retention == current,
            o.retention == current,
            f"{o.minutes_per_day:.1f}",
            round(o.reviews_per_day),
            round(o.remembered),
        )
        for o in simulation.outcomes
    ]


def test_with_the_default_parameters(learner):
    response = learner.get(PAGE)
    assert response.status_code == 200
    html = response.text
    assert "<h1>Help me decide: desired retention</h1>" in html
    assert "<strong>FSRS's default parameters</strong>" in html
    assert "Your desired retention now: <strong>0.90</strong>." in html
    assert rows(html) == expected_rows(Settings().parameters, 0.90)
    assert len(rows(html)) == 10
    assert assert_charts_match_tables(html) == CHARTS
    assert html.count('<text x="') and "Yours: 0.90" in html  # the marker on both charts
    assert "A deck of 2,000 new cards, 20 introduced a day until all are in" in html
    assert "studied every day for 365 days, with no limit on reviews a day" in html
    assert re.search(r"Each review takes \d+ to \d+ seconds", html)
    assert '<input type="hidden" name="deck_size" value="2000">' in html


def test_with_a_learners_own_parameters_and_retention(app, learner):
    own = tuple(p * 2 if i < 4 else p for i, p in enumerate(Settings().parameters))
    save(app, parameters=own, desired_retention=0.87, new_per_day=35)
    html = learner.get(PAGE).text
    assert "<strong>your own FSRS parameters</strong>, fitted to your reviews" in html
    found = rows(html)
    assert found == expected_rows(own, 0.87)
    assert found != expected_rows(Settings().parameters, 0.87)  # the parameters matter
    assert [r[0] for r in found if r[2]] == ["0.87"] and len(found) == 11  # their retention joins the ten
    assert "Yours: 0.87" in html
    assert assert_charts_match_tables(html) == CHARTS


def test_another_deck_is_asked_for_in_the_query_string(learner):
    html = learner.get(PAGE, query_string={"deck_size": "500", "new_per_day": "10"}).text
    small = retention.Assumptions(deck_size=500, new_per_day=10)
    assert rows(html) == expected_rows(Settings().parameters, 0.90, small)
    assert "A deck of 500 new cards, 10 introduced a day" in html
    assert '<input type="hidden" name="deck_size" value="500">' in html
    assert re.search(r'<input [^>]*id="deck_size"[^>]*value="500"', html)
    assert learner.get(PAGE, query_string={"deck_size": "", "new_per_day": ""}).status_code == 200  # the defaults


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"deck_size": "lots"}, "Cards in the deck must be a whole number."),
        ({"deck_size": "99"}, "Cards in the deck must be 100 to 3,000."),
        ({"deck_size": "1000000"}, "Cards in the deck must be 100 to 3,000."),
        ({"new_per_day": "0"}, "New cards a day must be 1 to 100."),
        ({"new_per_day": "2.5"}, "New cards a day must be a whole number."),
    ],
)
def test_an_unreadable_deck_is_explained(learner, query, message):
    response = learner.get(PAGE, query_string=query)
    assert response.status_code == 400
    html = response.text
    assert 'class="error-summary" role="alert"' in html and message in html
    assert html.count(message) == 2  # in the summary and on the field, once each
    assert "<svg" not in html and "Use this desired retention" not in html


def test_choosing_a_retention_saves_it_and_nothing_else(app, learner):
    save(app, new_per_day=35)
    response = post_form(learner, PAGE, desired_retention="0.85", deck_size="2000", new_per_day="20")
    assert response.status_code == 303
    assert response.headers["Location"] == "/settings/scheduler#desired_retention"
    assert stored(app) == replace(Settings(), desired_retention=0.85, new_per_day=35)
    settings_page = learner.get("/settings/scheduler").text
    assert "Your desired retention is now 0.85." in settings_page
    assert 'name="desired_retention" type="text" value="0.85"' in settings_page or 'value="0.85"' in settings_page


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "Choose a desired retention."),
        ("0.5", "Choose one of the desired retentions in the table."),
        ("0.86", "Choose one of the desired retentions in the table."),
        ("lots", "Choose one of the desired retentions in the table."),
    ],
)
def test_a_choice_not_in_the_table_is_refused(app, learner, value, message):
    data = {"deck_size": "500", "new_per_day": "10"} | ({} if value is None else {"desired_retention": value})
    response = post_form(learner, PAGE, **data)
    assert response.status_code == 422
    assert message in response.text and 'href="#desired_retention"' in response.text
    assert "A deck of 500 new cards" in response.text  # the same comparison, shown again
    with app.app_context():
        assert db.session.scalar(select(SchedulerSettings)) is None  # nothing saved


def test_a_choice_needs_the_forms_token(app, learner):
    assert learner.post(PAGE, data={"desired_retention": "0.85"}).status_code == 400
    assert stored(app) == Settings()


def test_the_settings_page_links_here_beside_the_desired_retention(learner):
    html = learner.get("/settings/scheduler").text
    field = html.index('id="desired_retention"')
    link = html.index(f'<a href="{PAGE}">Help me decide')
    assert field < link < html.index('id="learning_steps"')


def test_parameters_the_simulator_cannot_use_are_explained(app, learner):
    with app.app_context():
        row = SchedulerSettings(user_id=db.session.scalars(select(User.id)).one(), **_defaults())
        row.parameters = [1.0, 2.0, 3.0]
        db.session.add(row)
        db.session.commit()
    response = learner.get(PAGE)
    assert response.status_code == 422
    assert "These FSRS parameters cannot be simulated" in response.text


def _defaults() -> dict:
    values = {k: v for k, v in Settings().__dict__.items()}
    for name in ("learning_steps_minutes", "relearning_steps_minutes", "parameters"):
        values[name] = list(values[name])
    return values | {"updated_at": utcnow()}
