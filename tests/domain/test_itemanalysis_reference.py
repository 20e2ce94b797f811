"""The statistics, as made faster, give exactly (to the last bit) what the straightforward computation they
replaced gives: that computation is kept here, as it stood, and both run on varied random marks (several
question sets, typed answers, blanks, several picks, marks worth more than one)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain import itemanalysis as ia
from quizapp.domain.itemanalysis import (
    ACCEPTED,
    COMMON_TYPED,
    MAX_TYPED,
    MIN_ATTEMPTS,
    NO_ANSWER,
    AttemptMarks,
    Item,
    ItemAnalysis,
    Mark,
    Moments,
    Option,
    QuestionStats,
    QuizStats,
    ResponseStat,
    _mean,
    _with_flags,
    cronbach_alpha,
    histogram,
    median,
    moments,
)

# --- the computation as it stood (each variance and covariance summed afresh from its two lists) -----------


def _cov(xs: Sequence[float], ys: Sequence[float]) -> float:
    mx, my = _mean(xs), _mean(ys)
    return math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (len(xs) - 1)


def reference(
    items: Sequence[Item], attempts: Sequence[AttemptMarks], min_attempts: int = MIN_ATTEMPTS
) -> ItemAnalysis:
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

    per_item: dict[int, list[tuple[int, Mark]]] = {item.question_id: [] for item in items}
    for n, attempt in enumerate(attempts):
        for mark in attempt.marks:
            per_item[mark.question_id].append((n, mark))

    variances: dict[int, float] = {}
    overall_cov: dict[int, float] = {}
    for item in items:
        rows = per_item[item.question_id]
        if len(rows) > 1:
            marks = [m.mark for _, m in rows]
            variances[item.question_id] = _cov(marks, marks)
            overall_cov[item.question_id] = _cov(marks, [totals[n] for n, _ in rows])
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
        _question(item, per_item[item.question_id], attempts, totals, percents, overall_cov, root_sum, min_attempts)
        for item in items
    )
    return ItemAnalysis(quiz, questions, histogram(percents), min_attempts, same)


def _question(
    item: Item,
    rows: list[tuple[int, Mark]],
    attempts: Sequence[AttemptMarks],
    totals: Sequence[float],
    percents: Sequence[float],
    overall_cov: dict[int, float],
    root_sum: float,
    min_attempts: int,
) -> QuestionStats:
    s = len(rows)
    enough = s >= min_attempts
    marks = [m.mark for _, m in rows]
    others = [totals[n] - m.mark for n, m in rows]
    facility = _mean(marks) / item.max_mark if s and item.max_mark > 0 else None
    intended = _mean([item.max_mark / attempts[n].max_total for n, _ in rows if attempts[n].max_total > 0] or [0.0])
    sd = discrimination = efficiency = effective = None
    if s > 1 and enough:
        var_mark, var_other = _cov(marks, marks), _cov(others, others)
        covariance = _cov(marks, others)
        # The largest covariance these two sets of marks allow: both sorted, paired in order.
        covariance_max = _cov(sorted(marks), sorted(others))
        sd = math.sqrt(var_mark) / item.max_mark if item.max_mark > 0 else None
        if var_mark * var_other:
            discrimination = covariance / math.sqrt(var_mark * var_other)
        if covariance_max:
            efficiency = covariance / covariance_max
        c = overall_cov.get(item.question_id)
        if root_sum and c is not None and c >= 0:
            effective = math.sqrt(c) / root_sum
    responses = _responses(item, rows, percents)
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


def _strongest(rows: list[tuple[int, Mark]], percents: Sequence[float]) -> set[int]:
    """The attempts in the top third by score (ties with the last one included)."""
    if not rows:
        return set()
    ranked = sorted((percents[n] for n, _ in rows), reverse=True)
    cut = ranked[math.ceil(len(ranked) / 3) - 1]
    return {n for n, _ in rows if percents[n] >= cut}


def _responses(item: Item, rows: list[tuple[int, Mark]], percents: Sequence[float]) -> tuple[ResponseStat, ...]:
    s = len(rows)
    top = _strongest(rows, percents)

    def stat(id_: str, text: str, key: bool, who: list[int], typed: bool = False) -> ResponseStat:
        return ResponseStat(
            id=id_,
            text=text,
            key=key,
            count=len(who),
            share=len(who) / s if s else 0.0,
            mean_score=_mean([percents[n] for n in who]) if who else None,
            top_count=sum(n in top for n in who),
            typed=typed,
        )

    out = [stat(o.id, o.text, o.key, [n for n, m in rows if o.id in m.picks]) for o in item.options]
    if not item.options:
        out.append(stat(ACCEPTED, "Full marks", True, [n for n, m in rows if m.right], True))
        wrong: dict[str, list[int]] = {}
        for n, m in rows:
            if m.picks and not m.right:
                wrong.setdefault(m.picks[0], []).append(n)
        common = sorted((w for w in wrong.items() if len(w[1]) >= COMMON_TYPED), key=lambda w: (-len(w[1]), w[0]))
        out.extend(stat(text, text, False, who, True) for text, who in common[:MAX_TYPED])
    blank = [n for n, m in rows if not m.answered]
    if blank:
        out.append(stat(NO_ANSWER, "No answer", False, blank))
    return tuple(out)


# --- random quizzes -----------------------------------------------------------------------------------------

CHOICES = ("a", "b", "c", "d")
TYPED = ("seine", "loire", "rhone", "")


def items() -> list[Item]:
    choice = tuple(Option(c, c.upper(), c == "a") for c in CHOICES)
    multiple = tuple(Option(c, c.upper(), c in "ab") for c in CHOICES)
    return [
        Item(1, 1, "q1", "One", "single", 1.0, 0.25, choice),
        Item(2, 1, "q2", "Two", "multiple", 2.0, None, multiple),
        Item(3, 1, "q3", "Three", "short", 1.0, 0.0),
        Item(4, 2, "q4", "Four", "single", 3.0, 0.25, choice),
        Item(5, 2, "q5", "Five", "short", 1.0, 0.0),
    ]


@st.composite
def attempts(draw) -> list[AttemptMarks]:
    """Attempts at some of the five questions each (or all of them, for every attempt), with marks that tie."""
    count = draw(st.integers(0, 40))
    every = draw(st.booleans())
    out = []
    for n in range(count):
        asked = [1, 2, 3, 4, 5] if every else draw(st.lists(st.integers(1, 5), min_size=1, max_size=5, unique=True))
        marks = []
        for q in asked:
            answered = draw(st.integers(0, 5)) > 0
            if q in (3, 5):
                typed = draw(st.sampled_from(TYPED)) if answered else ""
                right = typed == "seine"
                marks.append(Mark(q, 1.0 if right else 0.0, (typed,) if typed else (), right, bool(typed)))
            else:
                picks = tuple(draw(st.lists(st.sampled_from(CHOICES), max_size=2 if q == 2 else 1))) if answered else ()
                top = 2.0 if q == 2 else 3.0 if q == 4 else 1.0
                mark = draw(st.sampled_from([0.0, top / 2, top])) if picks else 0.0
                marks.append(Mark(q, mark, picks, mark == top, bool(picks)))
        top_total = sum({1: 1.0, 2: 2.0, 3: 1.0, 4: 3.0, 5: 1.0}[q] for q in asked)
        out.append(AttemptMarks(n, top_total, tuple(marks)))
    return out


@settings(max_examples=200, deadline=None)
@given(attempts(), st.sampled_from([1, 3, MIN_ATTEMPTS]))
def test_the_statistics_are_those_of_the_straightforward_computation(found, least):
    questions = items()
    assert ia.analyse(questions, found, least) == reference(questions, found, least)


def test_a_big_class_gives_the_same_to_the_last_bit():
    """300 attempts at the five questions, marks spread by a fixed rule."""
    questions = items()
    found = []
    for n in range(300):
        marks = (
            Mark(1, float(n % 3 == 0), ("a" if n % 3 == 0 else "bcd"[n % 3],), n % 3 == 0),
            Mark(2, float(n % 5 % 3), ("a", "b") if n % 5 % 3 == 2 else ("a",), n % 5 % 3 == 2),
            Mark(3, float(n % 7 < 3), ("seine" if n % 7 < 3 else "loire",), n % 7 < 3),
            Mark(4, float(n % 4), ("a",) if n % 4 else (), n % 4 == 3, n % 4 > 0),
            Mark(5, 0.0, (), False, False),
        )
        found.append(AttemptMarks(n, 8.0, marks))
    assert ia.analyse(questions, found) == reference(questions, found)
