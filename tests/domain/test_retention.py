"""Simulating desired retentions with fsrs-rs: the shape of the result and its sense (a higher retention costs
more minutes and keeps more cards), the assumptions it runs on, and the inputs it refuses."""

from __future__ import annotations

import pytest

from quizapp.domain import retention
from quizapp.domain.refusals import Refused
from quizapp.domain.scheduling import Settings

DEFAULTS = Settings().parameters
SMALL = retention.Assumptions(deck_size=300, new_per_day=10, days=120)


@pytest.fixture(scope="module")
def usual() -> retention.Simulation:
    return retention.simulate(DEFAULTS)


def test_every_usual_retention_is_simulated_in_order(usual):
    assert [o.retention for o in usual.outcomes] == list(retention.RETENTIONS)
    assert retention.RETENTIONS[0] == retention.LOWEST and retention.RETENTIONS[-1] == retention.HIGHEST
    assert usual.assumptions == retention.Assumptions(deck_size=2000, new_per_day=20, days=365)


def test_a_higher_retention_costs_more_time_and_keeps_more_cards(usual):
    minutes = [o.minutes_per_day for o in usual.outcomes]
    reviews = [o.reviews_per_day for o in usual.outcomes]
    remembered = [o.remembered for o in usual.outcomes]
    assert minutes == sorted(minutes) and len(set(minutes)) == len(minutes)
    assert reviews == sorted(reviews) and len(set(reviews)) == len(reviews)
    assert remembered == sorted(remembered) and len(set(remembered)) == len(remembered)
    assert minutes[-1] > 2 * minutes[0]  # the last few points of retention are the dear ones
    assert all(0 < o.remembered <= 2000 for o in usual.outcomes)
    at_90 = usual.at(0.90)
    assert at_90 is not None and 0.85 < at_90.share_remembered(2000) < 1
    assert usual.at(0.5) is None


def test_review_times_are_the_simulators_own(usual):
    fastest, slowest = usual.seconds_per_review
    config = retention.simulator_config(usual.assumptions)
    costs = [c for row in config.state_rating_costs for c in row]
    assert (fastest, slowest) == (min(costs), max(costs))
    assert 1 < fastest < slowest < 60


def test_the_assumptions_reach_the_simulator():
    config = retention.simulator_config(retention.Assumptions(deck_size=300, new_per_day=7, days=90))
    assert (config.deck_size, config.learn_limit, config.learn_span) == (300, 7, 90)
    assert (config.learning_step_count, config.relearning_step_count, config.max_ivl) == (2, 1, 36500)
    assert config.max_cost_perday == float("inf")  # only the retention limits the minutes


def test_the_same_inputs_give_the_same_numbers():
    assert retention.simulate(DEFAULTS, (0.8, 0.9), SMALL) == retention.simulate(DEFAULTS, (0.8, 0.9), SMALL)


def test_a_learners_own_parameters_change_the_answer():
    # Memories that start four times as stable (the first four parameters) need fewer reviews.
    sturdier = tuple(p * 4 if i < 4 else p for i, p in enumerate(DEFAULTS))
    own = retention.simulate(sturdier, (0.9,), SMALL).outcomes[0]
    default = retention.simulate(DEFAULTS, (0.9,), SMALL).outcomes[0]
    assert own.minutes_per_day < default.minutes_per_day
    assert own.remembered > default.remembered


def test_the_learners_retention_joins_the_usual_ones():
    assert retention.retentions_with(0.9) == retention.RETENTIONS
    assert retention.retentions_with(0.875) == (0.7, 0.75, 0.8, 0.85, 0.875, 0.88, 0.9, 0.92, 0.94, 0.95, 0.97)


def test_retentions_are_written_as_the_settings_write_them():
    assert [retention.format_retention(r) for r in (0.7, 0.9, 0.875, 0.97)] == ["0.70", "0.90", "0.875", "0.97"]


def test_parameters_that_cannot_be_simulated_are_refused():
    with pytest.raises(retention.UnusableParameters, match="cannot be simulated") as refused:
        retention.simulate([1.0, 2.0, 3.0], (0.9,), SMALL)
    assert isinstance(refused.value, Refused) and refused.value.status == 422
    with pytest.raises(retention.UnusableParameters):
        retention.simulate([float("nan")] * 21, (0.9,), SMALL)


def test_a_retention_outside_the_settings_range_is_refused():
    with pytest.raises(Refused, match=r"between 0\.70 and 0\.97"):
        retention.simulate(DEFAULTS, (0.5,), SMALL)


def test_a_worker_keeps_what_it_simulated():
    first = retention.kept_simulation(DEFAULTS, (0.8, 0.9), SMALL)
    assert retention.kept_simulation(DEFAULTS, (0.8, 0.9), SMALL) is first
    other = retention.kept_simulation(
        DEFAULTS, (0.8, 0.9), retention.Assumptions(deck_size=301, new_per_day=10, days=120)
    )
    assert other is not first
