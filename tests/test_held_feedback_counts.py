"""What a learner is shown of how their answers went leaves out the answers whose feedback a class assignment
holds back, until it is shown: the home page's and the statistics page's share right today, and the quiz
accuracy of each tag. Held answers still count as answered."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from quizapp.domain import stats
from quizapp.domain.scheduling import Settings
from quizapp.extensions import db
from quizapp.models import Assignment, Extension, utcnow
from quizapp.queries import stats as stats_queries

from .test_classes import HOUR, RIGHT, WRONG, assign, client_for, make_school, take


@pytest.fixture
def school(app):
    return make_school(app)


def today_figures(page: str) -> tuple[str, str, str | None]:
    """(questions answered, share right, how many await feedback) as a Today panel shows them."""
    answered = re.search(r'<span class="count">(\d+)</span> (?:quiz )?questions? answered', page).group(1)
    right = re.search(r'<span class="count">([^<]+)</span> right', page).group(1)
    held = re.search(r"\((\d+) awaiting feedback\)", page)
    return answered, right, held.group(1) if held else None


def due_now(app, assignment_id: int, when: dt.datetime) -> None:
    with app.app_context():
        found = db.session.get(Assignment, assignment_id)
        found.opens_at, found.due_at = when - 24 * HOUR, when
        db.session.commit()


def test_a_held_answer_does_not_move_the_share_right_until_its_feedback_is_shown(app, school):
    amy = client_for(app, "amy")
    held = assign(app, school, feedback="after_due")
    take(app, school["amy"], held, RIGHT)
    assert today_figures(amy.get("/").text) == ("2", "—", "2")
    assert today_figures(amy.get("/stats").text) == ("2", "—", "2")
    shown = assign(app, school, title="Week 2", feedback="at_once")
    take(app, school["amy"], shown, WRONG)
    assert today_figures(amy.get("/").text) == ("4", "0%", "2")  # the held right answers change nothing
    due_now(app, held, utcnow() - dt.timedelta(minutes=1))  # past due: its feedback is shown, and counts
    assert today_figures(amy.get("/").text) == ("4", "50%", None)
    assert today_figures(amy.get("/stats").text) == ("4", "50%", None)


def test_an_extension_holds_feedback_back_until_the_learners_own_due_date(app, school):
    amy = client_for(app, "amy")
    held = assign(app, school, feedback="after_due")
    take(app, school["amy"], held, RIGHT)
    due_now(app, held, utcnow() - dt.timedelta(minutes=1))
    with app.app_context():
        db.session.add(Extension(assignment_id=held, user_id=school["amy"], due_at=utcnow() + HOUR))
        db.session.commit()
    assert today_figures(amy.get("/").text) == ("2", "—", "2")


def test_feedback_never_shown_is_never_counted_and_other_learners_are_untouched(app, school):
    never = assign(app, school, feedback="never", attempts_allowed=None)
    take(app, school["amy"], never, WRONG)
    take(app, school["ben"], never, RIGHT)
    due_now(app, never, utcnow() - dt.timedelta(minutes=1))
    assert today_figures(client_for(app, "amy").get("/").text) == ("2", "—", "2")
    assert today_figures(client_for(app, "ben").get("/").text) == ("2", "—", "2")


def test_the_held_answers_by_day_and_tag_and_the_accuracy_of_each_tag(app, school):
    held = assign(app, school, feedback="after_due")
    take(app, school["amy"], held, RIGHT)
    now = utcnow()
    with app.app_context():
        found = stats_queries.held_answers(db.session, school["amy"], stats.Scope(), now, "UTC", 4)
        assert sum(c.answers for c in found.values()) == 2
        assert sum(c.answers_right for c in found.values()) == 2
        later = stats_queries.held_answers(db.session, school["amy"], stats.Scope(), now + 48 * HOUR, "UTC", 4)
        assert later == {}
        summary = stats_queries.home_summary(db.session, school["amy"], Settings(), now)
        assert (summary.today.answers, summary.today.answers_right, summary.today.answers_held) == (2, 0, 2)
        assert summary.today.percent_right is None


def test_held_back_and_marked_are_plain_arithmetic():
    today = stats.Today(answers=5, answers_right=4)
    held = stats.Counts(answers=2, answers_right=2)
    shown = stats.held_back(today, held)
    assert (shown.answers, shown.answers_right, shown.answers_held, shown.percent_right) == (
        5,
        2,
        2,
        pytest.approx(200 / 3),
    )
    assert stats.marked(stats.Counts(answers=5, answers_right=4, reviews=3), held) == stats.Counts(
        answers=3, answers_right=2, reviews=3
    )


def mastery_row(page: str, tag: str) -> list[str]:
    row = re.search(rf'<th scope="row">{tag}</th>(.*?)</tr>', page, re.DOTALL).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]


def test_a_topics_quiz_accuracy_leaves_held_answers_out_until_they_are_shown(app, school):
    held = assign(app, school, feedback="after_due", attempts_allowed=None)
    shown = assign(app, school, title="Week 2", attempts_allowed=None)
    for _ in range(3):
        take(app, school["amy"], held, RIGHT)
        take(app, school["amy"], shown, WRONG)
    amy = client_for(app, "amy")
    row = mastery_row(amy.get("/stats").text, "demo")
    assert row[2] == "0%" and row[-1] == "6"  # quiz right, and the reviews and answers behind it
    due_now(app, held, utcnow() - dt.timedelta(minutes=1))
    row = mastery_row(amy.get("/stats").text, "demo")
    assert row[2] == "50%" and row[-1] == "12"
