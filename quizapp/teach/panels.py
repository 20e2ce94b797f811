"""What the item analysis page draws and downloads: the score histogram and the per-question CSV."""

from __future__ import annotations

from .. import charts
from ..domain.csvsafe import csv_text
from ..domain.itemanalysis import ItemAnalysis, QuizStats
from ..queries.itemanalysis import Analysis, csv_rows


def histogram(result: ItemAnalysis) -> charts.BarChart:
    """Bars of how many attempts scored in each tenth of the marks."""
    bins = result.histogram
    described = ", ".join(f"{b.label}: {b.count}" for b in bins if b.count)
    return charts.bars(
        "Scores",
        f"Bars of the number of attempts in each band of scores, as a percentage of the marks: {described or 'none'}.",
        [b.label for b in bins],
        [("Attempts", [b.count for b in bins])],
        x_label="Score",
        y_label="Attempts",
        key="score-histogram",
        empty_text="No finished attempts to show.",
    )


def csv_download(analysis: Analysis) -> str:
    """The per-question table as a CSV document, every cell safe to open in a spreadsheet."""
    header, *rows = csv_rows(analysis)
    return csv_text(header, rows)


def _score(value: float | None) -> str | None:
    return None if value is None else f"{value:.1f} %"


def _ratio(value: float | None) -> str | None:
    return None if value is None else f"{100 * value:.2f} %"


def _number(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def quiz_facts(quiz: QuizStats) -> list[tuple[str, str | None, str | None]]:
    """The quiz's statistics as the page lists them: (name, value or None, note)."""
    return [
        ("Number of attempts", str(quiz.attempts), None),
        ("Mean score", _score(quiz.mean), None),
        ("Median score", _score(quiz.median), None),
        ("Standard deviation", _score(quiz.sd), None),
        ("Skewness", _number(quiz.skewness), None),
        ("Kurtosis", _number(quiz.kurtosis), None),
        ("Coefficient of internal consistency (Cronbach's alpha)", _ratio(quiz.alpha), quiz.alpha_note),
        ("Error ratio", _ratio(quiz.error_ratio), None),
        ("Standard error", _score(quiz.standard_error), None),
    ]


GLOSSARY = (
    (
        "Facility index",
        "The mean mark as a share of the question's maximum: high is easy. Flagged below 20 % or above 90 %.",
    ),
    ("Standard deviation", "The spread of the question's marks, as a share of its maximum."),
    (
        "Random guess score",
        "What answering at random would earn on average, from the question's type (none for multiple choice).",
    ),
    (
        "Intended and effective weight",
        "The question's share of the marks, and its share of the spread of the quiz's scores.",
    ),
    (
        "Discrimination index",
        "The correlation between the question's mark and the rest of the quiz's marks: negative means weaker learners"
        " did better on it, which is flagged.",
    ),
    (
        "Discriminative efficiency",
        "The discrimination as a share of the most the question's marks allow; flagged below 15 %.",
    ),
    (
        "Cronbach's alpha",
        "How consistently the questions measure the same thing (given when every attempt asked the same questions);"
        " the error ratio is √(1 \N{MINUS SIGN} alpha), the standard error that ratio times the standard deviation.",
    ),
)
