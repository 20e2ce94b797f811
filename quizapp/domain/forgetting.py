"""What a class has forgotten: per topic, the class's mean chance of recalling its cards now (from each
learner's FSRS memory state, which quiz answers feed too), and the questions most often answered wrong lately.

Pure: the read side hands over plain rows; see ``docs/item-analysis.md`` ("What my class has forgotten").
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .stats import retrievability

RECENT_DAYS = 30
MOST_FAILED = 10
NO_TAG = ""  # the topic of cards whose question has no tag
WELL_REMEMBERED = 0.9


@dataclass(frozen=True)
class CardMemory:
    """One learner's memory state of one card, with the tags of its question."""

    user_id: int
    card_id: int
    stability: float | None
    last_review: dt.datetime | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class TopicMemory:
    """A topic (tag) of the class: how many learners have studied it, how many cards they have seen, and the
    class mean of each learner's mean retrievability now (so a learner with many cards weighs as one)."""

    tag: str
    learners: int
    cards: int
    mean_recall: float  # 0..1
    below: int  # learners whose own mean is under WELL_REMEMBERED


@dataclass(frozen=True)
class AnswerRow:
    user_id: int
    question_id: int
    correct: bool


@dataclass(frozen=True)
class FailedQuestion:
    question_id: int
    answers: int
    wrong: int
    learners_wrong: int

    @property
    def wrong_share(self) -> float:
        return self.wrong / self.answers if self.answers else 0.0


def elapsed_days(last_review: dt.datetime | None, now: dt.datetime) -> int:
    """Whole days since the last review, as py-fsrs counts them."""
    if last_review is None:
        return 0
    return max(0, (now - last_review).days)


def topics(
    cards: Iterable[CardMemory],
    parameters: Mapping[int, Sequence[float]],
    default: Sequence[float],
    now: dt.datetime,
) -> tuple[TopicMemory, ...]:
    """The class's memory per topic, the least remembered first (ties by tag). ``parameters`` are each
    learner's FSRS parameters; a learner without their own has ``default``."""
    per: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for card in cards:
        recall = retrievability(
            card.stability, elapsed_days(card.last_review, now), parameters.get(card.user_id, default)
        )
        for tag in card.tags or (NO_TAG,):
            per[tag][card.user_id].append(recall)
    out = []
    for tag, learners in per.items():
        means = [math.fsum(r) / len(r) for r in learners.values()]
        out.append(
            TopicMemory(
                tag=tag,
                learners=len(learners),
                cards=sum(len(r) for r in learners.values()),
                mean_recall=math.fsum(means) / len(means),
                below=sum(m < WELL_REMEMBERED for m in means),
            )
        )
    return tuple(sorted(out, key=lambda t: (t.mean_recall, t.tag)))


def most_failed(answers: Iterable[AnswerRow], limit: int = MOST_FAILED) -> tuple[FailedQuestion, ...]:
    """The questions answered wrong most often (then by the share wrong, then by id), those never answered
    wrong left out."""
    count: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    wrong_by: dict[int, set[int]] = defaultdict(set)
    for a in answers:
        count[a.question_id][0] += 1
        if not a.correct:
            count[a.question_id][1] += 1
            wrong_by[a.question_id].add(a.user_id)
    found = [FailedQuestion(q, n, w, len(wrong_by[q])) for q, (n, w) in count.items() if w]
    found.sort(key=lambda f: (-f.wrong, -f.wrong_share, f.question_id))
    return tuple(found[:limit])
