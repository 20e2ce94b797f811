"""`flask srs`: review-log import and export (a round trip), refusals that write nothing, and the scheduler
evaluation on a small generated log, as a table and as JSON."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from quizapp.domain.revlog import LoggedReview, read_revlog, write_revlog
from quizapp.extensions import db
from quizapp.models import Card, CardState, Review

from .conftest import DATA
from .revlog_gen import generate

START = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
MODELS = ["average", "SM-2", "FSRS-6 default", "FSRS-6 fitted"]


@pytest.fixture
def card_ids(app, make_bank, make_user) -> list[int]:
    make_bank((DATA / "banks" / "all-types.yaml").read_text())
    make_user("learner@example.org")
    with app.app_context():
        return list(db.session.scalars(select(Card.id).order_by(Card.id)))


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Review)),
            db.session.scalar(select(func.count()).select_from(CardState)),
        )


def test_import_then_export_gives_the_same_log(app, runner, card_ids, tmp_path):
    reviews = [
        LoggedReview(str(card_ids[k % 4]), rating, START + dt.timedelta(days=k, minutes=k), 1000 * k or None)
        for k, rating in enumerate([3, 3, 1, 4, 2, 3, 3, 1, 3, 4])
    ]
    path = tmp_path / "log.csv"
    path.write_text(write_revlog(reviews))
    result = runner.invoke(args=["srs", "import", "--user", "learner@example.org", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output == "Imported 10 review(s) of 4 card(s) for learner@example.org.\n"
    assert counts(app) == (10, 4)

    again = runner.invoke(args=["srs", "import", "--user", "learner@example.org", str(path)])
    assert again.output == "Imported 0 review(s) of 0 card(s) for learner@example.org; 10 were already in the log.\n"
    assert counts(app) == (10, 4)

    exported = runner.invoke(args=["srs", "export", "--user", "learner@example.org"])
    assert exported.exit_code == 0
    assert read_revlog(exported.output) == reviews
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["srs", "export", "--user", "LEARNER@example.org", "-o", str(out)])
    assert result.exit_code == 0 and out.read_text() == path.read_text()


def test_bad_rows_are_reported_with_their_lines_and_nothing_is_written(app, runner, card_ids, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "card_id,review_rating,review_time,review_duration\n"
        f"{card_ids[0]},3,2026-01-05T08:00:00+00:00,1200\n"
        f"{card_ids[0]},5,2026-01-06T08:00:00+00:00,1200\n"
        f"{card_ids[1]},3,yesterday,\n"
    )
    result = runner.invoke(args=["srs", "import", "--user", "learner@example.org", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:3: review_rating must be 1, 2, 3 or 4, not '5'",
        f"{path}:4: review_time 'yesterday' is not an ISO-8601 time with a UTC offset",
        "Nothing imported.",
    ]
    assert counts(app) == (0, 0)


def test_unknown_cards_are_reported_with_their_lines_and_nothing_is_written(app, runner, card_ids, tmp_path):
    path = tmp_path / "unknown.csv"
    path.write_text(
        "card_id,review_rating,review_time,review_duration\n"
        f"{card_ids[0]},3,2026-01-05T08:00:00+00:00,1200\n"
        "1711684180217,3,2026-01-05T08:01:00+00:00,1200\n"
        "\n"
        "42424242,1,2026-01-05T08:02:00+00:00,\n"
    )
    result = runner.invoke(args=["srs", "import", "--user", "learner@example.org", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:3: card_id 1711684180217 is not a card of this site",
        f"{path}:5: card_id 42424242 is not a card of this site",
        "Nothing imported: 2 row(s) name no card of this site.",
    ]
    assert counts(app) == (0, 0)


def test_an_unknown_learner_is_a_usage_error(runner, card_ids, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(write_revlog([]))
    result = runner.invoke(args=["srs", "import", "--user", "nobody@example.org", str(path)])
    assert result.exit_code == 2 and "no user with the email address or username" in result.stderr


@pytest.fixture(scope="module")
def small_log(tmp_path_factory):
    path = tmp_path_factory.mktemp("revlog") / "small.csv"
    path.write_text(write_revlog(generate(cards=80, days=150, seed=3)))
    return path


def test_evaluate_prints_one_row_per_model_with_the_three_metrics(runner, small_log):
    result = runner.invoke(args=["srs", "evaluate", "--revlog", str(small_log)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("model"))
    assert lines[header].split() == ["model", "log", "loss", "RMSE", "(bins)", "AUC"]
    rows = lines[header + 1 : header + 5]
    assert [row.rsplit(None, 3)[0].strip() for row in rows] == MODELS
    scores = {row.rsplit(None, 3)[0].strip(): [float(x) for x in row.rsplit(None, 3)[1:]] for row in rows}
    assert all(0 < loss < 1 and 0 <= rmse < 1 and 0 <= auc <= 1 for loss, rmse, auc in scores.values())
    assert scores["FSRS-6 fitted"][0] < scores["average"][0]  # the simulated learner follows FSRS-6
    test_reviews = int(lines[-1].removeprefix("test reviews: ").replace(",", ""))
    assert test_reviews > 50 and f"tested on {test_reviews:,} reviews" in lines[0]

    as_json = runner.invoke(args=["srs", "evaluate", "--revlog", str(small_log), "--json"])
    assert as_json.exit_code == 0
    data = json.loads(as_json.output)
    assert [m["model"] for m in data["models"]] == MODELS
    assert list(data["models"][0]) == ["model", "log_loss", "rmse_bins", "auc"]
    assert data["test_reviews"] == test_reviews and data["cards"] == 80
    for model in data["models"]:
        assert [round(model[k], 4) for k in ("log_loss", "rmse_bins", "auc")] == scores[model["model"]]


def test_evaluate_takes_the_learners_time_zone_and_day_start(runner, small_log):
    result = runner.invoke(
        args=[
            "srs",
            "evaluate",
            "--revlog",
            str(small_log),
            "--json",
            "--timezone",
            "Asia/Tokyo",
            "--day-starts-at",
            "0",
        ]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["test_reviews"] > 0
    bad = runner.invoke(args=["srs", "evaluate", "--revlog", str(small_log), "--timezone", "Mars/Olympus"])
    assert bad.exit_code == 2 and "not a known time zone" in bad.stderr


def test_evaluate_refuses_a_log_it_cannot_read_or_use(runner, tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("card_id,review_rating,review_time,review_duration\n1,3,2026-01-05T08:00:00+00:00,\n")
    result = runner.invoke(args=["srs", "evaluate", "--revlog", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}: the log has 1 reviews; at least 20 are needed",
        "Nothing evaluated.",
    ]
    path.write_text("when,what\n")
    result = runner.invoke(args=["srs", "evaluate", "--revlog", str(path)])
    assert (
        result.exit_code == 1
        and "the header must be card_id,review_rating,review_time,review_duration" in result.stderr
    )
    result = runner.invoke(args=["srs", "evaluate", "--revlog", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2 and "cannot read the file" in result.stderr
