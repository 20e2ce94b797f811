"""The scheduler settings page stays quick: its time zone list is kept per worker (as any select whose
options seldom change can be), and the review summary reads only what the optimise button needs."""

from __future__ import annotations

import datetime as dt
import re

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice, SelectField

from quizapp.cards.forms import SettingsForm
from quizapp.domain import scheduling
from quizapp.domain.revlog import LoggedReview
from quizapp.extensions import db
from quizapp.models import Card, Question, User
from quizapp.operations import cards as ops
from quizapp.queries import cards as card_queries
from quizapp.widgets import KeptSelect

from .conftest import PASSWORD, bank_yaml, log_in

START = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)


def import_log(app, make_bank, make_user, times: list[dt.datetime]) -> int:
    """A learner with one review at each of ``times``, on a bank of ten cards; their id."""
    make_user("amy")
    questions = "".join(f'\n  - {{id: f{i}, type: flashcard, front: "F{i}", back: "B"}}' for i in range(10))
    make_bank(bank_yaml("log", questions=questions))
    with app.app_context():
        cards = db.session.scalars(select(Card.id).join(Question, Card.question_id == Question.id)).all()
        user = db.session.scalars(select(User)).one()
        log = [LoggedReview(str(cards[i % len(cards)]), 3, t, 1000) for i, t in enumerate(times)]
        ops.import_reviews(db.session, user, log)
        db.session.commit()
        return user.id


def summary(app, user_id: int) -> tuple[int, int]:
    with app.app_context():
        return card_queries.review_summary(db.session, user_id, card_queries.settings_of(db.session, user_id))


def test_days_are_counted_once_there_are_enough_reviews_and_only_as_far_as_needed(app, make_bank, make_user):
    enough = scheduling.MIN_REVIEWS_TO_OPTIMISE
    # Every review but the last ten on three days, then one review on each of ten more days: the days that
    # tip the count come after more than one batch of rows.
    times = [START + dt.timedelta(days=i % 3, seconds=i) for i in range(enough - 10)]
    times += [START + dt.timedelta(days=3 + i) for i in range(10)]
    user_id = import_log(app, make_bank, make_user, times)
    assert summary(app, user_id) == (enough, scheduling.MIN_DAYS_TO_OPTIMISE)


def test_too_few_reviews_count_no_days(app, make_bank, make_user):
    times = [START + dt.timedelta(days=i) for i in range(scheduling.MIN_REVIEWS_TO_OPTIMISE - 1)]
    user_id = import_log(app, make_bank, make_user, times)
    assert summary(app, user_id) == (scheduling.MIN_REVIEWS_TO_OPTIMISE - 1, 0)


def test_enough_reviews_on_too_few_days_leave_the_optimiser_off(app, client, make_bank, make_user):
    times = [START + dt.timedelta(days=i % 3, seconds=i) for i in range(scheduling.MIN_REVIEWS_TO_OPTIMISE)]
    user_id = import_log(app, make_bank, make_user, times)
    assert summary(app, user_id) == (scheduling.MIN_REVIEWS_TO_OPTIMISE, 3)
    assert log_in(client, "amy", PASSWORD).status_code == 302
    html = client.get("/settings/scheduler").get_data(as_text=True)
    assert 'aria-describedby="optimise-hint" disabled>Optimise my scheduler' in html


def test_the_time_zone_list_is_kept_per_selected_zone_and_attributes(app, make_user, client):
    make_user("amy")
    assert log_in(client, "amy", PASSWORD).status_code == 302
    widget = SettingsForm.timezone.kwargs["widget"]
    widget._kept.clear()
    first = client.get("/settings/scheduler").get_data(as_text=True)
    assert '<option selected value="UTC">UTC</option>' in first
    assert len(widget._kept) == 1
    client.get("/settings/scheduler")
    assert len(widget._kept) == 1  # the same zone and attributes: the kept HTML
    saved = client.post(
        "/settings/scheduler",
        data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', first).group(1),
            "desired_retention": "0.9",
            "learning_steps": "1m 10m",
            "relearning_steps": "10m",
            "maximum_interval_days": "36500",
            "new_per_day": "20",
            "reviews_per_day": "200",
            "day_starts_at_hour": "4",
            "timezone": "Europe/London",
        },
    )
    assert saved.status_code == 303
    page = client.get("/settings/scheduler").get_data(as_text=True)
    assert '<option selected value="Europe/London">Europe/London</option>' in page
    assert '<option selected value="UTC">' not in page and '<option value="UTC">UTC</option>' in page
    assert len(widget._kept) == 2
    with app.test_request_context():
        for n in range(widget.size + 5):  # only the newest renderings are kept
            widget(SettingsForm(formdata=None, timezone=f"Zone/{n}").timezone)
    assert len(widget._kept) == widget.size


def test_a_kept_select_follows_its_choices_and_selected_value(app):
    class Pick(FlaskForm):
        thing = SelectField("Thing", widget=KeptSelect())

    with app.test_request_context():
        form = Pick(formdata=None, thing="b")
        form.thing.choices = [SelectChoice("a", "A"), SelectChoice("b", "B")]
        first = form.thing()
        assert '<option selected value="b">B</option>' in first and form.thing() == first
        form.thing.choices = [SelectChoice("a", "A"), SelectChoice("b", "Bee")]  # a renamed option
        assert '<option selected value="b">Bee</option>' in form.thing()
        form.thing.data = "a"
        assert '<option selected value="a">A</option>' in form.thing()
        assert 'aria-invalid="true"' in form.thing(aria_invalid="true")
