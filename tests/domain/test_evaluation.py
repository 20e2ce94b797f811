"""Scheduler evaluation on generated logs, and the metrics on hand-checked examples."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from quizapp.domain.evaluation import EvaluationError, auc, evaluate, learner_day, log_loss, rmse_bins, sm2_interval

from ..revlog_gen import generate


def test_log_loss_by_hand():
    assert log_loss([1, 0], [0.8, 0.4]) == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2)


def test_auc_by_hand_with_ties():
    assert auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    assert auc([1, 1], [0.2, 0.9]) == 0.5  # one class only


def test_rmse_bins_weights_bins_by_count():
    # Two bins: (t=1, i=2) holds outcomes 1,0 with predictions 0.9,0.9; (t=30, i=2) holds 1 with 0.5.
    value = rmse_bins([1, 0, 1], [0.9, 0.9, 0.5], [1, 1, 30], [2, 2, 2], [0, 0, 0])
    assert value == pytest.approx(math.sqrt((2 * (0.5 - 0.9) ** 2 + 1 * (1 - 0.5) ** 2) / 3))


def test_sm2_intervals():
    assert sm2_interval([3]) == 1
    assert sm2_interval([3, 3]) == 6
    assert sm2_interval([3, 3, 3]) == 15  # Good keeps the ease at 2.5
    assert sm2_interval([3, 3, 3, 1]) == 1  # a lapse starts over
    assert sm2_interval([3, 3, 2]) == 15  # Hard lowers the ease to 2.36 after this interval...
    assert sm2_interval([3, 3, 2, 3]) == 35  # ...which the next one uses: round(15 * 2.36)


def test_learner_day_rolls_over_at_the_hour():
    tz = dt.UTC
    assert learner_day(dt.datetime(2026, 1, 2, 3, 59, tzinfo=dt.UTC), tz, 4) == dt.date(2026, 1, 1).toordinal()
    assert learner_day(dt.datetime(2026, 1, 2, 4, 0, tzinfo=dt.UTC), tz, 4) == dt.date(2026, 1, 2).toordinal()


@pytest.fixture(scope="module")
def generated_evaluation():
    return evaluate(generate(cards=400, days=300))


def test_evaluation_table_on_a_generated_log(generated_evaluation):
    e = generated_evaluation
    rows = {r.model: r for r in e.rows}
    assert list(rows) == ["average", "SM-2", "FSRS-6 default", "FSRS-6 fitted"]
    assert e.test_reviews > 300 and e.cards == 400
    fitted, default, sm2, average = rows["FSRS-6 fitted"], rows["FSRS-6 default"], rows["SM-2"], rows["average"]
    # The learner's memory follows FSRS-6 with other parameters: fitting must beat the defaults, and
    # FSRS must beat SM-2 and the constant.
    assert fitted.log_loss < default.log_loss
    assert fitted.log_loss < sm2.log_loss and fitted.log_loss < average.log_loss
    assert fitted.rmse_bins < average.rmse_bins
    assert fitted.auc > 0.55 and average.auc == 0.5
    assert all(0 < r.log_loss < 2 and 0 <= r.rmse_bins <= 1 for r in e.rows)


def test_too_small_a_log_is_refused():
    with pytest.raises(EvaluationError, match="at least 20"):
        evaluate(generate(cards=2, days=5))
