"""How well schedulers predict recall, on a review log split by time.

The log is ordered by time; the first 80 % of reviews are the training part and the rest the test part.
For every test review that is a card's first review on a new learner's day (and not the card's very
first review), each model predicts the probability of recall from the card's history before it; the
outcome is recall unless the rating was Again. Models:

- ``average``: the recall rate of the training part, a constant;
- ``SM-2``: Anki-style SM-2 replayed over the card's daily reviews, predicting 0.9^(elapsed/interval);
- ``FSRS-6 default``: FSRS-6 with its default parameters;
- ``FSRS-6 fitted``: FSRS-6 with parameters fitted (fsrs-rs) on the training part only.

Metrics: log loss, RMSE (bins) as the open-spaced-repetition srs-benchmark defines it, and AUC.
Pure: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import fsrs_rs_python as fsrs_rs

from .revlog import LoggedReview

TEST_FRACTION = 0.2
EPSILON = 1e-6


@dataclass(frozen=True)
class ModelScore:
    model: str
    log_loss: float
    rmse_bins: float
    auc: float


@dataclass(frozen=True)
class Evaluation:
    rows: tuple[ModelScore, ...]
    train_reviews: int
    test_reviews: int  # the predictions each model was scored on
    cards: int
    fitted_parameters: tuple[float, ...]


class EvaluationError(ValueError):
    """The log is too small or too uniform to evaluate."""


def learner_day(time: dt.datetime, tz: dt.tzinfo = dt.UTC, rollover_hour: int = 4) -> int:
    """The learner's day number: days change at ``rollover_hour`` local time, as in Anki."""
    local = time.astimezone(tz) - dt.timedelta(hours=rollover_hour)
    return local.date().toordinal()


@dataclass
class _Step:
    rating: int
    day: int
    delta_t: int  # whole learner's days since the card's previous review (0 on the same day)
    order: int  # position of this review in the whole log, by time
    index: int  # 1-based number of this review among the card's first-of-day reviews
    lapses: int  # Again ratings among the card's earlier first-of-day reviews
    first_of_day: bool


def _histories(reviews: Sequence[LoggedReview], tz: dt.tzinfo, rollover_hour: int) -> dict[str, list[_Step]]:
    ordered = sorted(enumerate(reviews), key=lambda pair: (pair[1].time, pair[0]))
    cards: dict[str, list[_Step]] = defaultdict(list)
    daily: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # first-of-day reviews so far, and lapses
    for order, (_, review) in enumerate(ordered):
        steps = cards[review.card_id]
        day = learner_day(review.time, tz, rollover_hour)
        delta = day - steps[-1].day if steps else 0
        first_of_day = not steps or delta > 0
        counts = daily[review.card_id]
        steps.append(_Step(review.rating, day, delta, order, counts[0] + 1, counts[1], first_of_day))
        if first_of_day:
            counts[0] += 1
            counts[1] += review.rating == 1
    return cards


def _fsrs_items(steps: list[_Step]) -> list[fsrs_rs.FSRSItem]:
    """Training items in fsrs-rs's form: one per review on a new day, holding the history up to it."""
    items, history = [], []
    for step in steps:
        history.append(fsrs_rs.FSRSReview(step.rating, step.delta_t))
        if step.delta_t > 0:
            items.append(fsrs_rs.FSRSItem(list(history)))
    return [item for item in items if item.long_term_review_cnt() > 0]


def fsrs_recall(parameters: Sequence[float], stability: float, elapsed_days: float) -> float:
    """FSRS-6's forgetting curve: the probability of recall after ``elapsed_days``."""
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return (1 + factor * elapsed_days / stability) ** decay


def fit_parameters(items: list[fsrs_rs.FSRSItem]) -> list[float]:
    """Fit FSRS-6's 21 parameters to ``items`` with fsrs-rs (no torch)."""
    return list(fsrs_rs.FSRS(fsrs_rs.DEFAULT_PARAMETERS).compute_parameters(items))


def _fsrs_predictions(parameters: Sequence[float], cards: dict[str, list[_Step]], targets) -> list[float]:
    model = fsrs_rs.FSRS(list(parameters))
    predictions = []
    for card_id, positions in targets.items():
        steps = cards[card_id]
        last = max(positions)
        item = fsrs_rs.FSRSItem([fsrs_rs.FSRSReview(s.rating, s.delta_t) for s in steps[:last]])
        states = model.historical_memory_states(item)
        for position in positions:
            state = states[position - 1]  # the memory state after the review before this one
            predictions.append(fsrs_recall(parameters, max(state.stability, 1e-3), steps[position].delta_t))
    return predictions


def sm2_interval(ratings: Sequence[int]) -> float:
    """The SM-2 interval (days) after a card's daily ratings (1 Again … 4 Easy), Anki-style quality."""
    interval, ease, repetitions = 0.0, 2.5, 0
    for rating in ratings:
        quality = {1: 1, 2: 3, 3: 4, 4: 5}[rating]
        if rating == 1:
            repetitions, interval = 0, 1.0
        else:
            interval = 1.0 if repetitions == 0 else 6.0 if repetitions == 1 else max(1.0, round(interval * ease))
            repetitions += 1
        ease = max(1.3, ease + 0.1 - (5 - quality) * (0.08 + (5 - quality) * 0.02))
    return interval


def _sm2_predictions(cards: dict[str, list[_Step]], targets) -> list[float]:
    predictions = []
    for card_id, positions in targets.items():
        steps = cards[card_id]
        for position in positions:
            daily = [s.rating for s in steps[:position] if s.first_of_day]
            interval = sm2_interval(daily)
            predictions.append(0.9 ** (steps[position].delta_t / interval))
    return predictions


def log_loss(y: Sequence[int], p: Sequence[float]) -> float:
    total = 0.0
    for outcome, prob in zip(y, p, strict=True):
        prob = min(max(prob, EPSILON), 1 - EPSILON)
        total -= math.log(prob) if outcome else math.log(1 - prob)
    return total / len(y)


def _bucket(value: float, base: float, scale: float, offset: float = 0.0) -> float:
    return round(scale * base ** (math.floor(math.log(value) / math.log(base)) - offset), 2)


def rmse_bins(
    y: Sequence[int], p: Sequence[float], delta_t: Sequence[int], index: Sequence[int], lapses: Sequence[int]
) -> float:
    """srs-benchmark's RMSE (bins): predictions are grouped by interval, review number and lapse count
    (each on a logarithmic scale); the RMSE between mean outcome and mean prediction per bin is weighted
    by the number of reviews in the bin."""
    bins: dict[tuple[float, float, float], list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for outcome, prob, t, i, lapse in zip(y, p, delta_t, index, lapses, strict=True):
        key = (
            _bucket(t, 3.62, 2.48),
            round(_bucket(i, 1.83, 1.99, offset=1)),
            round(_bucket(lapse, 1.73, 1.65)) if lapse else 0,
        )
        b = bins[key]
        b[0] += outcome
        b[1] += prob
        b[2] += 1
    squared = sum(n * (s_y / n - s_p / n) ** 2 for s_y, s_p, n in bins.values())
    return math.sqrt(squared / len(y))


def auc(y: Sequence[int], p: Sequence[float]) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties given average ranks); 0.5 when one class is absent."""
    positives = sum(y)
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return 0.5
    order = sorted(range(len(p)), key=lambda k: p[k])
    ranks = [0.0] * len(p)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and p[order[end + 1]] == p[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1
        start = end + 1
    rank_sum = sum(r for r, outcome in zip(ranks, y, strict=True) if outcome)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def evaluate(
    reviews: Sequence[LoggedReview],
    *,
    tz: dt.tzinfo | str = dt.UTC,
    rollover_hour: int = 4,
    test_fraction: float = TEST_FRACTION,
) -> Evaluation:
    """Score the four models on the last ``test_fraction`` of ``reviews`` (by time)."""
    if isinstance(tz, str):
        tz = ZoneInfo(tz)
    if len(reviews) < 20:
        raise EvaluationError(f"the log has {len(reviews)} reviews; at least 20 are needed")
    cards = _histories(reviews, tz, rollover_hour)
    cutoff = int(len(reviews) * (1 - test_fraction))

    targets: dict[str, list[int]] = defaultdict(list)
    train_items: list[fsrs_rs.FSRSItem] = []
    train_outcomes: list[int] = []
    for card_id, steps in cards.items():
        train_steps = [s for s in steps if s.order < cutoff]
        train_items.extend(_fsrs_items(train_steps))
        for position, step in enumerate(steps):
            if position == 0 or step.delta_t < 1:
                continue
            if step.order >= cutoff:
                targets[card_id].append(position)
            else:
                train_outcomes.append(int(step.rating > 1))
    if not train_items or not train_outcomes:
        raise EvaluationError("the training part has no review on a later day than an earlier one")
    y, delta_t, index, lapses = [], [], [], []
    for card_id, positions in targets.items():
        for position in positions:
            step = cards[card_id][position]
            y.append(int(step.rating > 1))
            delta_t.append(step.delta_t)
            index.append(step.index)
            lapses.append(step.lapses)
    if not y:
        raise EvaluationError("the test part has no review on a later day than an earlier one")

    fitted = fit_parameters(train_items)
    average = sum(train_outcomes) / len(train_outcomes)
    predictions = {
        "average": [average] * len(y),
        "SM-2": _sm2_predictions(cards, targets),
        "FSRS-6 default": _fsrs_predictions(fsrs_rs.DEFAULT_PARAMETERS, cards, targets),
        "FSRS-6 fitted": _fsrs_predictions(fitted, cards, targets),
    }
    rows = tuple(
        ModelScore(name, log_loss(y, p), rmse_bins(y, p, delta_t, index, lapses), auc(y, p))
        for name, p in predictions.items()
    )
    return Evaluation(rows, cutoff, len(y), len(cards), tuple(fitted))


def score_items(parameters: Sequence[float], items: Sequence[fsrs_rs.FSRSItem]) -> tuple[float, float]:
    """(log loss, RMSE (bins)) of FSRS-6 with ``parameters`` on fsrs-rs items, as fsrs-rs computes them."""
    result = fsrs_rs.FSRS(list(parameters)).evaluate(list(items))
    return result.log_loss, result.rmse_bins
