"""Help choosing a desired retention: what each one would cost in minutes a day and give in cards remembered,
simulated with fsrs-rs for a learner's own FSRS-6 parameters.

fsrs-rs's simulator plays out a deck day by day: new cards are introduced up to a daily limit, each review's
grade is drawn from the memory model's chance of recall, and every review takes the time fsrs-rs assumes for
a card in that state given that grade. Every retention is simulated with the same random seed, so the
differences between them come from the retention alone, and the same inputs always give the same numbers.

Pure: no Flask, no database. A worker keeps recent results (``kept_simulation``), since they cannot change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import fsrs_rs_python as fsrs_rs

from ..kept import Kept
from .refusals import Refused

RETENTIONS = (0.70, 0.75, 0.80, 0.85, 0.88, 0.90, 0.92, 0.94, 0.95, 0.97)
LOWEST, HIGHEST = 0.70, 0.97  # the desired retentions the scheduler settings accept
SEED = 42
DAYS = 365
DECK_SIZE = 2000
NEW_PER_DAY = 20
DECK_SIZES = (100, 3000)  # what a learner may ask for: bounds that keep one page well under a second
NEW_PER_DAY_RANGE = (1, 100)


class UnusableParameters(Refused):
    """The learner's FSRS parameters cannot be simulated."""


@dataclass(frozen=True)
class Assumptions:
    """What the simulation takes as given. Review times come from fsrs-rs's defaults."""

    deck_size: int = DECK_SIZE
    new_per_day: int = NEW_PER_DAY
    days: int = DAYS
    learning_steps: int = 2
    relearning_steps: int = 1
    maximum_interval_days: int = 36500


@dataclass(frozen=True)
class Outcome:
    """One desired retention, averaged over the simulated days (``remembered``: at the end)."""

    retention: float
    minutes_per_day: float
    reviews_per_day: float
    remembered: float  # the expected number of cards recalled on the last day: the sum of their retrievability

    def share_remembered(self, deck_size: int) -> float:
        return self.remembered / deck_size if deck_size else 0.0


@dataclass(frozen=True)
class Simulation:
    assumptions: Assumptions
    outcomes: tuple[Outcome, ...]
    seconds_per_review: tuple[float, float]  # the fastest and slowest review fsrs-rs assumes

    def at(self, retention: float) -> Outcome | None:
        return next((o for o in self.outcomes if math.isclose(o.retention, retention)), None)


def retentions_with(current: float) -> tuple[float, ...]:
    """The retentions to compare: the usual ten and the learner's own, in order."""
    return tuple(sorted({*RETENTIONS, round(current, 4)}))


def simulator_config(assumptions: Assumptions) -> fsrs_rs.SimulatorConfig:
    """fsrs-rs's default simulator, with no cap on minutes or reviews a day: only the retention limits them."""
    config = fsrs_rs.default_simulator_config()
    config.deck_size = assumptions.deck_size
    config.learn_span = assumptions.days
    config.learn_limit = assumptions.new_per_day
    config.review_limit = 2**32
    config.max_cost_perday = math.inf
    config.max_ivl = float(assumptions.maximum_interval_days)
    config.learning_step_count = assumptions.learning_steps
    config.relearning_step_count = assumptions.relearning_steps
    return config


def simulate(
    parameters: Sequence[float],
    retentions: Sequence[float] = RETENTIONS,
    assumptions: Assumptions = Assumptions(),  # frozen: one shared default is safe
) -> Simulation:
    """Minutes a day, reviews a day and cards remembered at the end, for each desired retention."""
    try:
        weights = fsrs_rs.check_and_fill_parameters([float(p) for p in parameters])
    except (ValueError, TypeError) as exc:
        raise UnusableParameters(f"These FSRS parameters cannot be simulated ({exc}).") from exc
    bad = [r for r in retentions if not LOWEST <= r <= HIGHEST]
    if bad:
        raise Refused(f"A desired retention must be between {LOWEST:.2f} and {HIGHEST:.2f}.")
    config = simulator_config(assumptions)
    outcomes = []
    for retention in retentions:
        result = fsrs_rs.simulate(weights, retention, config, SEED)
        days = len(result.cost_per_day) or 1
        reviews = sum(result.review_cnt_per_day) + sum(result.learn_cnt_per_day)
        outcomes.append(
            Outcome(
                retention=retention,
                minutes_per_day=sum(result.cost_per_day) / days / 60,
                reviews_per_day=reviews / days,
                remembered=result.memorized_cnt_per_day[-1] if result.memorized_cnt_per_day else 0.0,
            )
        )
    costs = [c for row in config.state_rating_costs for c in row]
    return Simulation(assumptions, tuple(outcomes), (min(costs), max(costs)))


_kept: Kept[tuple, Simulation] = Kept(64)


def kept_simulation(parameters: Sequence[float], retentions: Sequence[float], assumptions: Assumptions) -> Simulation:
    """``simulate``, kept by this worker for the same inputs (the same inputs give the same numbers)."""
    key = (tuple(parameters), tuple(retentions), assumptions)
    found = _kept.get(key)
    if found is None:
        found = simulate(parameters, retentions, assumptions)
        _kept.put(key, found)
    return found


def format_retention(retention: float) -> str:
    """As the settings write it: ``0.9`` → ``0.90``, ``0.875`` → ``0.875``."""
    text = f"{retention:.3f}"
    return text[:-1] if text.endswith("0") else text
