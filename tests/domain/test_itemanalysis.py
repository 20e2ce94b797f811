"""Item analysis against values worked out by hand on small fixtures, with the arithmetic written out, and
properties that hold for any marks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.domain import itemanalysis as ia
from quizapp.domain import types
from quizapp.domain.itemanalysis import AttemptMarks, Item, Mark, Option

approx = pytest.approx


def item(qid: int, options: tuple[Option, ...] = (), max_mark: float = 1.0, guess: float | None = None) -> Item:
    return Item(qid, 1, f"q{qid}", f"Question {qid}", "single choice", max_mark, guess, options)


def attempt(n: int, *marks: float | Mark) -> AttemptMarks:
    """An attempt at questions 1, 2, 3… in order, each worth 1 mark."""
    ms = tuple(m if isinstance(m, Mark) else Mark(q, m, right=m == 1) for q, m in enumerate(marks, 1))
    return AttemptMarks(n, float(len(ms)), ms)


# Five attempts at three one-mark questions:
#        q1 q2 q3  total  percent
#   A     1  1  1    3    100
#   B     1  1  0    2     66.67
#   C     1  0  1    2     66.67
#   D     0  1  0    1     33.33
#   E     0  0  0    0      0
FIVE = [attempt(1, 1, 1, 1), attempt(2, 1, 1, 0), attempt(3, 1, 0, 1), attempt(4, 0, 1, 0), attempt(5, 0, 0, 0)]
ITEMS = [item(1), item(2), item(3)]


def five() -> ia.ItemAnalysis:
    return ia.analyse(ITEMS, FIVE, min_attempts=1)


def test_quiz_statistics_by_hand():
    quiz = five().quiz
    assert quiz.attempts == 5
    # Totals 3, 2, 2, 1, 0: mean 8/5 = 1.6 of 3 marks = 53.33 %; median 2 of 3 = 66.67 %.
    assert quiz.mean == approx(1.6 / 3 * 100)
    assert quiz.median == approx(2 / 3 * 100)
    # Deviations from 1.6: 1.4, .4, .4, -.6, -1.6; squares 1.96 + .16 + .16 + .36 + 2.56 = 5.2;
    # sample variance k2 = 5.2 / 4 = 1.3; SD = sqrt(1.3) = 1.140175 marks = 38.0058 % of 3.
    assert quiz.sd == approx(math.sqrt(1.3) / 3 * 100)
    assert quiz.sd == approx(38.0058, abs=1e-4)
    # Cubes 2.744 + .064 + .064 - .216 - 4.096 = -1.44; m3 = -1.44 / 5 = -.288;
    # k3 = 5² x m3 / (4 x 3) = -7.2 / 12 = -.6; skewness = k3 / k2^1.5 = -.6 / (1.3 x 1.140175) = -.404796.
    assert quiz.skewness == approx(-0.6 / 1.3**1.5)
    assert quiz.skewness == approx(-0.404796, abs=1e-6)
    # Fourth powers 3.8416 + .0256 + .0256 + .1296 + 6.5536 = 10.576; m4 = 2.1152; m2 = 5.2 / 5 = 1.04;
    # k4 = 25 x (6 x 2.1152 - 3 x 4 x 1.04²) / (4 x 3 x 2) = 25 x (12.6912 - 12.9792) / 24 = -.3;
    # kurtosis = k4 / k2² = -.3 / 1.69 = -.177515.
    assert quiz.kurtosis == approx(-0.3 / 1.69)
    # Each question's marks (1,1,1,0,0), (1,1,0,1,0), (1,0,1,0,0) have sample variance 1.2 / 4 = .3;
    # alpha = 3/2 x (1 - (.3 + .3 + .3) / 1.3) = 1.5 x .4 / 1.3 = 6/13.
    assert quiz.alpha == approx(6 / 13)
    # Error ratio sqrt(1 - 6/13) = sqrt(7/13) = .733799; standard error .733799 x 38.0058 % = 27.8886 %.
    assert quiz.error_ratio == approx(math.sqrt(7 / 13))
    assert quiz.standard_error == approx(math.sqrt(7 / 13) * math.sqrt(1.3) / 3 * 100)
    assert quiz.alpha_note is None


def test_question_statistics_by_hand():
    q1, q2, q3 = five().questions
    # Facility: mean mark over the maximum: 3/5, 3/5, 2/5. Every mark's SD is sqrt(.3) of 1 mark.
    assert (q1.facility, q2.facility, q3.facility) == (approx(0.6), approx(0.6), approx(0.4))
    assert q1.sd == q2.sd == q3.sd == approx(math.sqrt(0.3))
    # Intended weight: 1 mark of 3.
    assert q1.intended_weight == approx(1 / 3)
    # q1 against the rest (2, 1, 1, 1, 0; mean 1): mark deviations .4, .4, .4, -.6, -.6 and rest deviations
    # 1, 0, 0, 0, -1 give a covariance (.4 + .6) / 4 = .25; the rest's variance 2 / 4 = .5;
    # discrimination = .25 / sqrt(.3 x .5) = .645497.
    assert q1.discrimination == approx(0.25 / math.sqrt(0.15))
    # Sorted, the marks 0,0,1,1,1 and the rest 0,1,1,1,2 pair the same way: covariance max .25, efficiency 1.
    assert q1.efficiency == approx(1.0)
    # q2 against the rest (2, 1, 2, 0, 0): products .4, 0, -.6, -.4, .6 sum to 0: discrimination 0. Sorted,
    # (-.6, -.6, .4, .4, .4) x (-1, -1, 0, 1, 1) = .6 + .6 + 0 + .4 + .4 = 2, covariance max .5: efficiency 0.
    assert q2.discrimination == approx(0.0)
    assert q2.efficiency == approx(0.0)
    # q3 against the rest (2, 2, 1, 1, 0; mean 1.2): .6 x .8 - .4 x .8 - .6 x .2 + .4 x .2 + .4 x 1.2 = .6,
    # covariance .15; rest variance (.64 + .64 + .04 + .04 + 1.44) / 4 = .7; discrimination .15 / sqrt(.21).
    assert q3.discrimination == approx(0.15 / math.sqrt(0.21))
    # Sorted: (-.4, -.4, -.4, .6, .6) x (-1.2, -.2, -.2, .8, .8) = .48 + .08 + .08 + .48 + .48 = 1.6, so
    # covariance max .4 and efficiency .15 / .4 = .375.
    assert q3.efficiency == approx(0.375)
    # Covariance with the total (deviations 1.4, .4, .4, -.6, -1.6): q1 2.2 / 4 = .55, q2 1.2 / 4 = .3,
    # q3 1.8 / 4 = .45 (they add up to the total's variance 1.3). Effective weight: sqrt(c) / sum of sqrt(c).
    roots = math.sqrt(0.55) + math.sqrt(0.3) + math.sqrt(0.45)
    assert q1.effective_weight == approx(math.sqrt(0.55) / roots)
    assert q2.effective_weight == approx(math.sqrt(0.3) / roots)
    assert q3.effective_weight == approx(math.sqrt(0.45) / roots)
    assert q1.effective_weight == approx(0.378347, abs=1e-6)


def test_histogram_counts_percent_scores_in_tenths():
    bins = five().histogram
    assert len(bins) == 10
    # 0 in the first bin, 33.3 in the fourth, 66.7 twice in the seventh, 100 in the last (which holds 100).
    assert [b.count for b in bins] == [1, 0, 0, 1, 0, 0, 2, 0, 0, 1]
    assert bins[9].label == "90\N{EN DASH}100%"


def test_a_question_flagged_inefficient_and_only_that():
    q1, q2, q3 = five().questions
    assert [f.code for f in q2.flags] == ["inefficient"]
    assert "0 %" in q2.flags[0].reason and "15 %" in q2.flags[0].reason
    assert q1.flags == q3.flags == ()


# Choices, picks and the strongest third. Four attempts at three one-mark questions:
#        q1 (pick)  q2 q3  total  percent
#   A     0 (d)      1  1    2     66.67
#   B     0 (d)      1  1    2     66.67
#   C     1 (k)      0  0    1     33.33
#   D     1 (k)      0  0    1     33.33
CHOICES = (Option("k", "Key", True), Option("d", "Decoy", False), Option("e", "Never", False))


def picks_fixture() -> ia.ItemAnalysis:
    def q1(mark: int, pick: str) -> Mark:
        return Mark(1, mark, (pick,), mark == 1)

    attempts = [
        attempt(1, q1(0, "d"), 1, 1),
        attempt(2, q1(0, "d"), 1, 1),
        attempt(3, q1(1, "k"), 0, 0),
        attempt(4, q1(1, "k"), 0, 0),
    ]
    return ia.analyse([item(1, CHOICES, guess=1 / 3), item(2), item(3)], attempts, min_attempts=1)


def test_responses_count_picks_and_the_mean_score_of_who_picked():
    q1 = picks_fixture().questions[0]
    rows = {r.id: r for r in q1.responses}
    assert [r.id for r in q1.responses] == ["k", "d", "e"]
    assert (rows["k"].count, rows["d"].count, rows["e"].count) == (2, 2, 0)
    assert rows["k"].share == 0.5
    # Those who picked the key scored 33.33 % each; those who picked the decoy 66.67 %.
    assert rows["k"].mean_score == approx(100 / 3)
    assert rows["d"].mean_score == approx(200 / 3)
    assert rows["e"].mean_score is None
    # The strongest third: ceil(4 / 3) = 2 attempts, A and B, both picked the decoy.
    assert (rows["k"].top_count, rows["d"].top_count) == (0, 2)
    assert q1.random_guess == approx(1 / 3)


def test_flags_for_a_miskeyed_looking_question():
    q1 = picks_fixture().questions[0]
    # Marks 0, 0, 1, 1 against the rest 2, 2, 0, 0: covariance (-.5 x 1) x 4 / 3 = -2/3, both variances
    # 1/3 and 4/3: discrimination -2/3 / sqrt(4/9) = -1. Sorted they pair the other way: efficiency -1.
    assert q1.discrimination == approx(-1.0)
    assert q1.efficiency == approx(-1.0)
    codes = [f.code for f in q1.flags]
    assert codes == ["negative", "inefficient", "unused", "strong_distractor"]
    reasons = " ".join(f.reason for f in q1.flags)
    assert "“Never”" in reasons and "“Decoy” (2)" in reasons and "right answer (0)" in reasons


def test_typed_answers_list_common_wrong_ones():
    def typed(n: int, text: str, right: bool = False) -> AttemptMarks:
        mark = Mark(1, 1.0 if right else 0.0, (text,) if text else (), right, answered=bool(text))
        return AttemptMarks(n, 1.0, (mark,))

    attempts = [typed(1, "paris", True), typed(2, "lyon"), typed(3, "lyon"), typed(4, "nice"), typed(5, "")]
    q = ia.analyse([item(1)], attempts, min_attempts=1).questions[0]
    # Right once (100 %); "lyon" twice (a common wrong answer); "nice" once (not listed); one blank.
    assert [(r.id, r.count, r.typed) for r in q.responses] == [
        (ia.ACCEPTED, 1, True),
        ("lyon", 2, True),
        (ia.NO_ANSWER, 1, False),
    ]
    assert q.responses[0].mean_score == 100.0


def test_too_few_attempts_is_not_enough_data_and_flags_nothing():
    # Nine attempts (the threshold is ten), every one of them wrong on q1: facility 0 would flag it.
    attempts = [attempt(n, 0, n % 2) for n in range(9)]
    analysis = ia.analyse([item(1), item(2)], attempts)
    assert not analysis.enough and ia.MIN_ATTEMPTS == 10
    assert analysis.quiz.mean is not None and analysis.quiz.sd is None and analysis.quiz.alpha is None
    assert analysis.quiz.alpha_note == "not enough data: 9 attempts, fewer than 10"
    q1 = analysis.questions[0]
    assert q1.facility == 0.0 and q1.sd is None and q1.discrimination is None and q1.flags == ()
    assert not q1.enough


def test_facility_flags_at_ten_attempts():
    # Ten attempts: q1 right once (facility .1), q2 always right (facility 1, no spread: no discrimination).
    attempts = [attempt(n, 1 if n == 0 else 0, 1) for n in range(10)]
    q1, q2 = ia.analyse([item(1), item(2)], attempts).questions
    assert [f.code for f in q1.flags] == ["hard"]
    assert "10 %" in q1.flags[0].reason
    assert [f.code for f in q2.flags] == ["easy"]
    assert q2.discrimination is None and q2.efficiency is None


def test_alpha_is_not_defined_when_attempts_asked_different_questions():
    attempts = [AttemptMarks(n, 2.0, (Mark(1 + n % 3, n % 2), Mark(4, 1))) for n in range(12)]
    analysis = ia.analyse([item(1), item(2), item(3), item(4)], attempts)
    assert analysis.quiz.alpha is None and not analysis.same_questions
    assert analysis.quiz.alpha_note == "not defined: the attempts did not all ask the same questions"
    assert all(q.effective_weight is None for q in analysis.questions)
    assert analysis.questions[0].attempts == 4  # only the attempts that asked it


def test_moments_for_one_two_and_three_scores():
    assert ia.moments([50.0]) == ia.Moments(None, None, None, None)
    assert ia.moments([0.0, 100.0]).sd == approx(math.sqrt(5000))
    # 1, 1, 2, 3: mean 1.75; squares 2.75 → k2 = 11/12; cubes 1.125 → m3 = .28125, k3 = 16 x .28125 / 6 = .75;
    # m4 = 3.078125 / 4; k4 = 16 x (5 x .76953125 - 9 x .6875²) / 6 = -13/12; kurtosis = -13/12 / (11/12)².
    m = ia.moments([1.0, 1.0, 2.0, 3.0])
    assert m.skewness == approx(0.75 / (11 / 12) ** 1.5)
    assert m.kurtosis == approx(-156 / 121)


def test_each_type_gives_its_random_guess_score():
    def guess(data: dict) -> float | None:
        question = types.get(data["type"]).model.model_validate(data)
        return types.get(data["type"]).random_guess(question)

    base = {"id": "q", "prompt": "P"}
    choices = [{"id": c, "text": c.upper(), "correct": c == "a"} for c in "abcd"]
    assert guess({**base, "type": "single", "choices": choices}) == 0.25
    assert guess({**base, "type": "multiple", "choices": choices}) is None
    assert guess({**base, "type": "true_false", "answer": True}) == 0.5
    assert guess({**base, "type": "short_answer", "answers": ["x"]}) == 0.0
    assert guess({**base, "type": "ordering", "items": ["a", "b", "c"]}) == 0.5
    pairs = [{"left": "1", "right": "one"}, {"left": "2", "right": "two"}]
    assert guess({**base, "type": "matching", "pairs": pairs, "distractors": ["three", "four"]}) == 0.25


# --- properties -------------------------------------------------------------------------------------

marks_matrix = st.integers(2, 6).flatmap(
    lambda q: st.lists(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=q, max_size=q), min_size=3, max_size=25)
)


def analysed(matrix: list[list[float]], order: list[int] | None = None) -> ia.ItemAnalysis:
    qs = order or list(range(1, len(matrix[0]) + 1))
    attempts = [
        AttemptMarks(n, float(len(row)), tuple(Mark(q, row[q - 1]) for q in qs)) for n, row in enumerate(matrix)
    ]
    return ia.analyse([item(q) for q in qs], attempts, min_attempts=1)


@given(marks_matrix)
def test_facility_is_a_share_and_alpha_never_exceeds_one(matrix):
    analysis = analysed(matrix)
    assert analysis.quiz.alpha is None or analysis.quiz.alpha <= 1
    for q in analysis.questions:
        assert 0 <= q.facility <= 1
        assert q.discrimination is None or -1 - 1e-9 <= q.discrimination <= 1 + 1e-9
        assert q.efficiency is None or q.efficiency <= 1 + 1e-9
    assert sum(b.count for b in analysis.histogram) == len(matrix)


@given(marks_matrix, st.randoms())
def test_the_order_of_questions_changes_nothing(matrix, rnd):
    order = list(range(1, len(matrix[0]) + 1))
    shuffled = order[:]
    rnd.shuffle(shuffled)
    a, b = analysed(matrix, order), analysed(matrix, shuffled)
    assert a.quiz == approx_quiz(b.quiz)
    by_id = {q.item.question_id: q for q in b.questions}
    for q in a.questions:
        other = by_id[q.item.question_id]
        for name in ("facility", "sd", "discrimination", "efficiency", "effective_weight", "intended_weight"):
            x, y = getattr(q, name), getattr(other, name)
            assert (x is None and y is None) or x == approx(y, abs=1e-9)


def approx_quiz(quiz: ia.QuizStats) -> object:
    class Close:
        def __eq__(self, other: object) -> bool:
            assert isinstance(other, ia.QuizStats)
            for name in ("attempts", "mean", "median", "sd", "skewness", "kurtosis", "alpha", "error_ratio"):
                x, y = getattr(quiz, name), getattr(other, name)
                if (x is None) != (y is None) or (x is not None and x != approx(y, abs=1e-9)):
                    return False
            return True

    return Close()
