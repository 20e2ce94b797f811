"""A closed attempt's graded answers are kept by each worker: right, kept only once the attempt is closed,
and never shown to anyone but its owner."""

from __future__ import annotations

import re

import pytest

from quizapp.extensions import db
from quizapp.kept import Kept
from quizapp.models import Attempt
from quizapp.queries import quizzes as queries

from .conftest import DATA, PASSWORD, csrf_token, log_in, post_form
from .test_query_counts import counted


@pytest.fixture
def exam(app, make_bank, make_user, client) -> int:
    """amy's exam of the all-types bank, every question answered with its first choice, still open."""
    queries._closed_results.clear()
    make_bank((DATA / "banks" / "all-types.yaml").read_text(), "all-types.yaml")
    make_user("amy")
    make_user("bob")
    assert log_in(client, "amy", PASSWORD).status_code == 302
    started = post_form(client, "/quizzes/start", bank="all-types", quiz="exam")
    attempt = int(re.search(r"/attempts/(\d+)", started.headers["Location"]).group(1))
    token = csrf_token(client)
    with app.app_context():
        count = db.session.get(Attempt, attempt).question_count
    for position in range(1, count + 1):
        page = client.get(f"/attempts/{attempt}/questions/{position}").get_data(as_text=True)
        choice = re.search(r'name="choice"[^>]*value="([^"]+)"', page).group(1)
        data = {"csrf_token": token, "go": "next", "choice": choice}
        assert client.post(f"/attempts/{attempt}/questions/{position}", data=data).status_code == 303
    return attempt


def results_of(app, attempt_id: int) -> queries.Results:
    with app.app_context():
        return queries.results(db.session, db.session.get(Attempt, attempt_id))


def test_an_open_attempt_is_never_kept(app, client, exam):
    results = results_of(app, exam)
    assert results.answered == len(results.graded) > 0
    assert len(queries._closed_results) == 0
    assert client.get(f"/attempts/{exam}/results").status_code == 302  # still open: back to the attempt
    assert len(queries._closed_results) == 0


def test_a_closed_attempts_results_are_kept_and_right(app, client, exam):
    open_results = results_of(app, exam)
    assert post_form(client, f"/attempts/{exam}/finish").status_code == 303
    first = client.get(f"/attempts/{exam}/results").get_data(as_text=True)
    assert len(queries._closed_results) == 1
    with counted(app) as statements:
        again = client.get(f"/attempts/{exam}/results").get_data(as_text=True)
    assert again == first
    # The graded answers come from the kept ones; only the learner's history with each question, which
    # changes as they study, is read afresh (in its own two statements, windowed by question and card).
    history = [s for s in statements if "row_number() OVER" in s]
    assert len(history) == 2
    assert not [s for s in statements if ("FROM answers" in s or "question_revisions" in s) and s not in history]
    assert results_of(app, exam).graded == open_results.graded  # as computed while it was open
    queries._closed_results.clear()
    assert client.get(f"/attempts/{exam}/results").get_data(as_text=True) == first  # as computed afresh
    assert re.search(r"Questions right</dt><dd>\d+ of \d+", first)


def test_another_learner_gets_404_for_kept_results(app, client, exam):
    assert post_form(client, f"/attempts/{exam}/finish").status_code == 303
    assert client.get(f"/attempts/{exam}/results").status_code == 200
    assert len(queries._closed_results) == 1
    other = app.test_client()
    assert log_in(other, "bob", PASSWORD).status_code == 302
    assert other.get(f"/attempts/{exam}/results").status_code == 404


def test_kept_results_are_bounded_least_recently_used_first():
    kept: Kept[int, str] = Kept(2)
    kept.put(1, "one")
    kept.put(2, "two")
    assert kept.get(1) == "one"  # now the most recently used
    kept.put(3, "three")
    assert (kept.get(1), kept.get(2), kept.get(3)) == ("one", None, "three")
    assert len(kept) == 2
