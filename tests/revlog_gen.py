"""Generated review logs: a simulated learner whose memory follows FSRS-6 with known parameters."""

from __future__ import annotations

import datetime as dt
import random

import fsrs

from quizapp.domain.revlog import LoggedReview

START = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)
# A learner who forgets faster at first and whose forgetting curve is steeper than FSRS-6's defaults.
TRUE_PARAMETERS = (
    0.1,
    0.5,
    1.0,
    4.0,
    7.0,
    0.6,
    2.5,
    0.01,
    1.4,
    0.12,
    0.9,
    1.8,
    0.09,
    0.35,
    1.9,
    0.4,
    2.2,
    0.6,
    0.1,
    0.1,
    0.45,
)


def generate(cards: int = 300, days: int = 240, seed: int = 1) -> list[LoggedReview]:
    """Reviews of ``cards`` cards over ``days`` days, each reviewed early or late, recalled with FSRS-6's
    probability under TRUE_PARAMETERS (ratings: Again when forgotten, else mostly Good)."""
    rng = random.Random(seed)
    scheduler = fsrs.Scheduler(
        parameters=TRUE_PARAMETERS, learning_steps=(), relearning_steps=(), enable_fuzzing=False, desired_retention=0.85
    )
    end = START + dt.timedelta(days=days)
    reviews: list[LoggedReview] = []
    for card_id in range(1, cards + 1):
        when = START + dt.timedelta(days=rng.randrange(days // 2), minutes=rng.randrange(600))
        card = fsrs.Card(card_id=card_id, due=when)
        first = True
        while when < end:
            if first:
                rating = rng.choices([1, 2, 3, 4], [0.25, 0.1, 0.55, 0.1])[0]
            else:
                recalled = rng.random() < scheduler.get_card_retrievability(card, when)
                rating = 1 if not recalled else rng.choices([2, 3, 4], [0.1, 0.8, 0.1])[0]
            card, _ = scheduler.review_card(card, fsrs.Rating(rating), review_datetime=when)
            reviews.append(LoggedReview(str(card_id), rating, when, rng.randrange(2000, 20000)))
            first = False
            # Like a real learner, come back early or (often) late: recall then varies with the delay.
            interval = max((card.due - when).total_seconds() / 86400, 1.0)
            delay = max(1, round(interval * rng.choice([0.5, 0.8, 1.0, 1.0, 1.5, 2.5, 4.0])))
            when = (when + dt.timedelta(days=delay)).replace(hour=8, minute=0) + dt.timedelta(
                minutes=rng.randrange(720)
            )
    return sorted(reviews, key=lambda r: r.time)
