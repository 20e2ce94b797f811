"""Item analysis: the statistics of Moodle's quiz statistics report, computed from marks alone.

Pure: the read side hands over, for each attempt analysed, every question it asked with the marks earned
and what was picked; this module does the arithmetic. Formulas, units and thresholds are in
``docs/item-analysis.md``; in short:

* the whole quiz (over the attempts' scores as a percentage of their maximum): count, mean, median, sample
  standard deviation, skewness and kurtosis from the unbiased cumulants k2, k3, k4, Cronbach's alpha
  (Moodle's coefficient of internal consistency), the error ratio sqrt(1 - alpha) and the standard error
  (error ratio x standard deviation);
* each question (over the attempts that asked it): facility (mean mark / maximum mark), standard deviation
  of its mark (over its maximum), random guess score, intended weight, effective weight, discrimination
  index (the correlation of its mark with the rest of the attempt's marks) and discriminative efficiency
  (that covariance over the largest the two sets of marks allow);
* each response: how many picked each choice (or typed each common wrong answer) and the mean score of
  their attempts; and flags, with their reasons, for questions worth a second look.

Every variance and covariance divides by s - 1, as Moodle's calculators do.
"""

from __future__ import annotations

import dataclasses
import json
import math
import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from statistics import median
from typing import Any

MIN_ATTEMPTS = 10  # below this the spread, shape, reliability and flags are "not enough data"
FACILITY_LOW = 0.2
FACILITY_HIGH = 0.9
EFFICIENCY_LOW = 0.15
COMMON_TYPED = 2  # a wrong typed answer is listed when at least this many attempts gave it
MAX_TYPED = 5  # and at most this many of them, the most frequent first
HISTOGRAM_BINS = 10
ACCEPTED = ""  # the id of the response row that counts every right typed answer
NO_ANSWER = "\x00"  # the id of the response row that counts attempts that left the question blank


# --- what the read side hands over --------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """A choice of a question, as item analysis counts it."""

    id: str
    text: str
    key: bool  # a right answer


@dataclass(frozen=True)
class Item:
    """A question analysed: who it is (bank and question ids), how to name it, and what it is worth."""

    question_id: int
    bank_id: int
    key: str  # the id the bank gives it
    label: str  # a short text for tables
    type_label: str
    max_mark: float
    random_guess: float | None = None  # 0..1, from its type (QuestionType.random_guess)
    options: tuple[Option, ...] = ()  # choices; empty for typed answers


@dataclass(frozen=True)
class Mark:
    """What one attempt earned on one question it asked (0, with no picks, when left unanswered)."""

    question_id: int
    mark: float
    picks: tuple[str, ...] = ()  # option ids, or the typed answer as compared
    right: bool = False  # full marks
    answered: bool = True  # something was chosen or typed


@dataclass(frozen=True)
class AttemptMarks:
    """One attempt analysed: every question it asked, and its maximum score."""

    attempt_id: int
    max_total: float
    marks: tuple[Mark, ...]

    @cached_property
    def total(self) -> float:
        return math.fsum(m.mark for m in self.marks)

    @property
    def percent(self) -> float:
        return 100 * self.total / self.max_total if self.max_total > 0 else 0.0


# --- what it gives back ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizStats:
    """The whole quiz. Scores are percentages of each attempt's maximum (0..100); alpha and the error
    ratio are plain ratios (alpha <= 1). ``None``: undefined for these attempts, or not enough data."""

    attempts: int
    mean: float | None
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None
    alpha: float | None
    error_ratio: float | None
    standard_error: float | None
    alpha_note: str | None = None  # why alpha is not given, when it is not


@dataclass(frozen=True)
class ResponseStat:
    """One row of a question's response table."""

    id: str
    text: str
    key: bool
    count: int
    share: float  # of the attempts that asked the question, 0..1
    mean_score: float | None  # mean percent score of the attempts that gave it
    top_count: int  # how many of the strongest third gave it
    typed: bool = False  # a typed answer rather than a listed choice


@dataclass(frozen=True)
class Flag:
    code: str  # hard, easy, negative, inefficient, unused, strong_distractor
    reason: str


@dataclass(frozen=True)
class QuestionStats:
    """One question. Facility, SD, random guess, weights and efficiency are ratios (0..1; the page shows
    percentages); the discrimination index is a correlation (-1..1)."""

    item: Item
    attempts: int
    facility: float | None
    sd: float | None
    random_guess: float | None
    intended_weight: float | None
    effective_weight: float | None
    discrimination: float | None
    efficiency: float | None
    responses: tuple[ResponseStat, ...]
    flags: tuple[Flag, ...]
    enough: bool


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int

    @property
    def label(self) -> str:
        return f"{self.low:g}\N{EN DASH}{self.high:g}%"


@dataclass(frozen=True)
class ItemAnalysis:
    quiz: QuizStats
    questions: tuple[QuestionStats, ...]
    histogram: tuple[Bin, ...]
    min_attempts: int
    same_questions: bool  # every attempt asked the same questions

    @property
    def enough(self) -> bool:
        return self.quiz.attempts >= self.min_attempts

    @property
    def flagged(self) -> tuple[QuestionStats, ...]:
        return tuple(q for q in self.questions if q.flags)


# --- arithmetic -----------------------------------------------------------------------------------


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _cov(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Sample covariance (divides by n - 1); n >= 2."""
    mx, my = _mean(xs), _mean(ys)
    return math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (len(xs) - 1)


@dataclass(frozen=True)
class Moments:
    """Moodle's test statistics of a list of scores."""

    sd: float | None
    skewness: float | None
    kurtosis: float | None
    k2: float | None  # the sample variance


def moments(scores: Sequence[float]) -> Moments:
    """Sample SD (n > 1); skewness k3 / k2^(3/2) (n > 2) and kurtosis k4 / k2^2 (n > 3) from the unbiased
    cumulants, as Moodle's quiz statistics define them; skewness and kurtosis need a spread (k2 > 0)."""
    s = len(scores)
    if s < 2:
        return Moments(None, None, None, None)
    mean = _mean(scores)
    power2 = math.fsum((x - mean) ** 2 for x in scores)
    sd = math.sqrt(power2 / (s - 1))
    k2 = power2 / (s - 1)
    if s < 3 or k2 == 0:
        return Moments(sd, None, None, k2)
    m2 = power2 / s
    m3 = math.fsum((x - mean) ** 3 for x in scores) / s
    m4 = math.fsum((x - mean) ** 4 for x in scores) / s
    k3 = s * s * m3 / ((s - 1) * (s - 2))
    skewness = k3 / k2**1.5
    kurtosis = None
    if s > 3:
        k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
        kurtosis = k4 / (k2 * k2)
    return Moments(sd, skewness, kurtosis, k2)


def cronbach_alpha(item_variances: Sequence[float], total_variance: float) -> float | None:
    """p / (p - 1) x (1 - sum of the items' variances / the totals' variance); ``None`` for one item or no
    spread. Never above 1 (rounding aside, which is clipped)."""
    p = len(item_variances)
    if p < 2 or total_variance <= 0:
        return None
    return min(1.0, p / (p - 1) * (1 - math.fsum(item_variances) / total_variance))


def histogram(scores: Iterable[float], bins: int = HISTOGRAM_BINS) -> tuple[Bin, ...]:
    """Counts of percent scores in ``bins`` equal bins from 0 to 100; 100 falls in the last."""
    width = 100 / bins
    counts = Counter(min(bins - 1, max(0, int(score // width))) for score in scores)
    return tuple(Bin(round(i * width, 6), round((i + 1) * width, 6), counts[i]) for i in range(bins))


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


# --- the analysis ---------------------------------------------------------------------------------


def _deviations(values: Sequence[float]) -> list[float]:
    """Each value less the values' mean: what every variance and covariance of them sums products of."""
    mean = _mean(values)
    return [x - mean for x in values]


def _sum_products(xs: Sequence[float], ys: Sequence[float]) -> float:
    return math.fsum(map(operator.mul, xs, ys))


@dataclass(frozen=True)
class _Series:
    """A question's marks over the attempts that asked it (``who``: their indexes; ``given``: their marks), and
    their deviations from the mean, computed once for every variance and covariance that needs them."""

    who: list[int]
    given: list[Mark]
    marks: list[float]
    deviations: list[float]
    variance: float | None  # var(x), with two rows or more
    with_total: float | None  # cov(x, T), with two rows or more


def _series(who: list[int], given: list[Mark], totals: Sequence[float]) -> _Series:
    marks = [m.mark for m in given]
    if len(who) < 2:
        return _Series(who, given, marks, [], None, None)
    deviations = _deviations(marks)
    n = len(who) - 1
    with_total = _sum_products(deviations, _deviations([totals[i] for i in who])) / n
    return _Series(who, given, marks, deviations, _sum_products(deviations, deviations) / n, with_total)


def analyse(items: Sequence[Item], attempts: Sequence[AttemptMarks], min_attempts: int = MIN_ATTEMPTS) -> ItemAnalysis:
    """Analyse ``attempts`` of a quiz made of ``items`` (in the order the page lists them).

    A mark for a question not in ``items`` is ignored; an item no attempt asked has no statistics.
    """
    known = {item.question_id for item in items}
    attempts = [
        a
        if all(m.question_id in known for m in a.marks)
        else AttemptMarks(a.attempt_id, a.max_total, tuple(m for m in a.marks if m.question_id in known))
        for a in attempts
    ]
    totals = [a.total for a in attempts]
    percents = [a.percent for a in attempts]
    s = len(attempts)
    enough = s >= min_attempts
    asked = {frozenset(m.question_id for m in a.marks) for a in attempts}
    same = len(asked) == 1

    # Who asked each question and their marks, as two lists of objects already made: a list of new (index,
    # mark) pairs would make thousands of objects for the garbage collector to go through, which cost more
    # than the statistics themselves.
    who: dict[int, list[int]] = {item.question_id: [] for item in items}
    given: dict[int, list[Mark]] = {item.question_id: [] for item in items}
    for n, attempt in enumerate(attempts):
        for mark in attempt.marks:
            who[mark.question_id].append(n)
            given[mark.question_id].append(mark)
    # Each question's deviations from its mean mark are computed once; every variance and covariance below
    # sums products of them (math.fsum is exact whatever the order, so each figure is the same as summing
    # (x - mean)(y - mean) afresh).
    series = {q: _series(who[q], given[q], totals) for q in who}
    variances = {q: v.variance for q, v in series.items() if v.variance is not None}
    overall_cov = {q: v.with_total for q, v in series.items() if v.with_total is not None}
    # Effective weights share out the root covariances with the total, as Moodle does across its slots; a
    # share means something only when every attempt asked the same questions.
    root_sum = math.fsum(math.sqrt(c) for c in overall_cov.values() if c >= 0) if same else 0.0

    m = moments(percents) if enough else Moments(None, None, None, None)
    raw = moments(totals)
    alpha, note = None, None
    if not enough or s == 0:
        note = f"not enough data: {s} attempt{'' if s == 1 else 's'}, fewer than {max(1, min_attempts)}"
    elif not same:
        note = "not defined: the attempts did not all ask the same questions"
    elif len(next(iter(asked))) < 2:
        note = "not defined for fewer than two questions"
    elif s < 3:
        note = "not defined for fewer than three attempts"
    elif not raw.k2:
        note = "not defined: every attempt has the same score"
    else:
        alpha = cronbach_alpha([variances[q] for q in next(iter(asked))], raw.k2)
    error_ratio = math.sqrt(max(0.0, 1 - alpha)) if alpha is not None else None
    quiz = QuizStats(
        attempts=s,
        mean=_mean(percents) if s else None,
        median=median(percents) if s else None,
        sd=m.sd,
        skewness=m.skewness,
        kurtosis=m.kurtosis,
        alpha=alpha,
        error_ratio=error_ratio,
        standard_error=error_ratio * m.sd if error_ratio is not None and m.sd is not None else None,
        alpha_note=note,
    )
    questions = tuple(
        _question(item, series[item.question_id], attempts, totals, percents, root_sum, min_attempts) for item in items
    )
    return ItemAnalysis(quiz, questions, histogram(percents), min_attempts, same)


def _question(
    item: Item,
    series: _Series,
    attempts: Sequence[AttemptMarks],
    totals: Sequence[float],
    percents: Sequence[float],
    root_sum: float,
    min_attempts: int,
) -> QuestionStats:
    who, marks = series.who, series.marks
    s = len(who)
    enough = s >= min_attempts
    facility = _mean(marks) / item.max_mark if s and item.max_mark > 0 else None
    intended = _mean([item.max_mark / attempts[n].max_total for n in who if attempts[n].max_total > 0] or [0.0])
    sd = discrimination = efficiency = effective = None
    if s > 1 and enough and series.variance is not None:
        others = _deviations([totals[n] - x for n, x in zip(who, marks, strict=True)])  # the rest of the marks
        var_mark, var_other = series.variance, _sum_products(others, others) / (s - 1)
        covariance = _sum_products(series.deviations, others) / (s - 1)
        # The largest covariance these two sets of marks allow: both sorted, paired in order (subtracting the
        # mean keeps the order, so the sorted deviations are the deviations of the sorted marks).
        covariance_max = _sum_products(sorted(series.deviations), sorted(others)) / (s - 1)
        sd = math.sqrt(var_mark) / item.max_mark if item.max_mark > 0 else None
        if var_mark * var_other:
            discrimination = covariance / math.sqrt(var_mark * var_other)
        if covariance_max:
            efficiency = covariance / covariance_max
        c = series.with_total
        if root_sum and c is not None and c >= 0:
            effective = math.sqrt(c) / root_sum
    responses = _responses(item, who, series.given, percents)
    stats = QuestionStats(
        item=item,
        attempts=s,
        facility=facility,
        sd=sd,
        random_guess=item.random_guess,
        intended_weight=intended if s else None,
        effective_weight=effective,
        discrimination=discrimination,
        efficiency=efficiency,
        responses=responses,
        flags=(),
        enough=enough,
    )
    return stats if not enough else _with_flags(stats)


def _strongest(who: list[int], percents: Sequence[float]) -> set[int]:
    """The attempts in the top third by score (ties with the last one included)."""
    if not who:
        return set()
    ranked = sorted((percents[n] for n in who), reverse=True)
    cut = ranked[math.ceil(len(ranked) / 3) - 1]
    return {n for n in who if percents[n] >= cut}


def _responses(item: Item, who: list[int], given: list[Mark], percents: Sequence[float]) -> tuple[ResponseStat, ...]:
    s = len(who)
    top = _strongest(who, percents)

    def stat(id_: str, text: str, key: bool, gave: list[int], typed: bool = False) -> ResponseStat:
        return ResponseStat(
            id=id_,
            text=text,
            key=key,
            count=len(gave),
            share=len(gave) / s if s else 0.0,
            mean_score=_mean([percents[n] for n in gave]) if gave else None,
            top_count=sum(n in top for n in gave),
            typed=typed,
        )

    # Who picked what, in one pass over the attempts (an attempt counts once for each thing it picked).
    picked: dict[str, list[int]] = {}
    blank: list[int] = []
    right: list[int] = []
    for n, m in zip(who, given, strict=True):
        for pick in m.picks:
            gave = picked.setdefault(pick, [])
            if not gave or gave[-1] != n:
                gave.append(n)
        if m.right:
            right.append(n)
        if not m.answered:
            blank.append(n)
    out = [stat(o.id, o.text, o.key, picked.get(o.id, [])) for o in item.options]
    if not item.options:
        out.append(stat(ACCEPTED, "Full marks", True, right, True))
        wrong: dict[str, list[int]] = {}
        for n, m in zip(who, given, strict=True):
            if m.picks and not m.right:
                wrong.setdefault(m.picks[0], []).append(n)
        common = sorted((w for w in wrong.items() if len(w[1]) >= COMMON_TYPED), key=lambda w: (-len(w[1]), w[0]))
        out.extend(stat(text, text, False, gave, True) for text, gave in common[:MAX_TYPED])
    if blank:
        out.append(stat(NO_ANSWER, "No answer", False, blank))
    return tuple(out)


def _with_flags(q: QuestionStats) -> QuestionStats:
    flags: list[Flag] = []
    if q.facility is not None and q.facility < FACILITY_LOW:
        flags.append(Flag("hard", f"Facility {_pct(q.facility)} is below 20 %: too hard, unclear, or keyed wrong?"))
    if q.facility is not None and q.facility > FACILITY_HIGH:
        flags.append(Flag("easy", f"Facility {_pct(q.facility)} is above 90 %: it hardly tells learners apart."))
    if q.discrimination is not None and q.discrimination < 0:
        flags.append(
            Flag(
                "negative",
                f"Negative discrimination ({_pct(q.discrimination)}): those who did worse on the rest of the"
                " quiz did better here. Check the key and the wording.",
            )
        )
    if q.efficiency is not None and q.efficiency < EFFICIENCY_LOW:
        flags.append(Flag("inefficient", f"Discriminative efficiency {_pct(q.efficiency)} is below 15 %."))
    listed = [r for r in q.responses if not r.typed and r.id != NO_ANSWER]
    keys = [r for r in listed if r.key]
    for r in listed:
        if not r.key and r.count == 0:
            flags.append(Flag("unused", f"Nobody picked the distractor “{r.text}”: it does no work."))
    top_key = max((r.top_count for r in keys), default=0)
    for r in listed:
        if keys and not r.key and r.top_count > top_key:
            flags.append(
                Flag(
                    "strong_distractor",
                    f"The strongest third picked the distractor “{r.text}” ({r.top_count}) more often than the"
                    f" right answer ({top_key}).",
                )
            )
    return dataclasses.replace(q, flags=tuple(flags))


# --- a closed attempt's marks, stored in one row -------------------------------------------------------------
# One entry per question the attempt asked, in its order: None for a question left unanswered, else [points,
# 1 or 0 (fully right), the stored response as canonical JSON text]. The response stays text, so that equal
# responses are equal texts and the read side decodes each distinct one once.

StoredMark = tuple[float, bool, str] | None


def response_text(response: Mapping[str, Any]) -> str:
    """A stored response as the one text it has in stored marks (keys sorted, no spaces)."""
    return json.dumps(response, sort_keys=True, separators=(",", ":"))


def encode_marks(question_count: int, answers: Iterable[tuple[int, float, bool, Mapping[str, Any]]]) -> str:
    """The stored marks of an attempt asking ``question_count`` questions, from its answers as (position from
    1, points, fully right, stored response)."""
    entries: list[list[Any] | None] = [None] * question_count
    for position, points, right, response in answers:
        entries[position - 1] = [points, 1 if right else 0, response_text(response)]
    return json.dumps(entries, separators=(",", ":"))


def decode_marks(text: str) -> list[StoredMark]:
    """What :func:`encode_marks` wrote."""
    return [None if e is None else (float(e[0]), bool(e[1]), e[2]) for e in json.loads(text)]


# --- an analysis as plain data, to store and read back ----------------------------------------------------


def analysis_data(result: ItemAnalysis) -> dict[str, Any]:
    """``result`` as JSON-ready data that :func:`analysis_from_data` turns back into an equal analysis."""
    return _plain(result)


def _plain(value: Any) -> Any:
    """Dataclasses as dicts and tuples as lists, all the way down (what dataclasses.asdict does, without
    copying every value: ten times as fast on an analysis)."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    names = _FIELDS.get(type(value))
    if names is None:
        return value
    return {name: _plain(getattr(value, name)) for name in names}


_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls))
    for cls in (ItemAnalysis, QuizStats, QuestionStats, Item, Option, ResponseStat, Flag, Bin)
}


def analysis_from_data(data: Mapping[str, Any]) -> ItemAnalysis:
    """The analysis :func:`analysis_data` gave ``data`` for."""

    def item(d: Mapping[str, Any]) -> Item:
        return Item(**{**d, "options": tuple(Option(**o) for o in d["options"])})

    def question(d: Mapping[str, Any]) -> QuestionStats:
        return QuestionStats(
            **{
                **d,
                "item": item(d["item"]),
                "responses": tuple(ResponseStat(**r) for r in d["responses"]),
                "flags": tuple(Flag(**f) for f in d["flags"]),
            }
        )

    return ItemAnalysis(
        quiz=QuizStats(**data["quiz"]),
        questions=tuple(question(q) for q in data["questions"]),
        histogram=tuple(Bin(**b) for b in data["histogram"]),
        min_attempts=data["min_attempts"],
        same_questions=data["same_questions"],
    )
