"""What the item analysis page draws and downloads: the score histogram and the per-question CSV."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import url_for

from .. import charts
from ..domain.csvsafe import csv_text
from ..domain.itemanalysis import ItemAnalysis, QuestionStats, QuizStats
from ..queries.itemanalysis import Analysis, csv_rows

NONE = "—"
PERCENT = "\N{NO-BREAK SPACE}%"


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


def _pct(value: float | None) -> str:
    return NONE if value is None else f"{100 * value:.0f}{PERCENT}"


@dataclass(frozen=True)
class Row:
    """A question as the page's tables show it: its statistics and its responses, already written out."""

    q: QuestionStats
    review: str | None  # the address of the bank page that lists it; None when retired
    cells: tuple[str, ...]  # facility, SD, random guess, intended and effective weight, discrimination, efficiency
    responses: tuple[tuple[str, str, bool, int, str, str, int], ...]  # text, typed, key, count, share, mean, top


def rows(analysis: Analysis) -> list[Row]:
    """Every question's row, written out once here rather than by a template macro per cell."""
    banks = {slug: url_for("banks.show", slug=slug) for slug in analysis.slugs.values()}
    out = []
    for q in analysis.result.questions:
        link = analysis.links[q.item.question_id]
        review = f"{banks[link.slug]}?page={link.page}#q-{quote(q.item.key)}" if link.page else None
        cells = tuple(
            _pct(v)
            for v in (
                q.facility,
                q.sd,
                q.random_guess,
                q.intended_weight,
                q.effective_weight,
                q.discrimination,
                q.efficiency,
            )
        )
        responses = tuple(
            (
                r.text,
                r.typed and not r.key,
                r.key,
                r.count,
                _pct(r.share),
                NONE if r.mean_score is None else f"{r.mean_score:.1f}{PERCENT}",
                r.top_count,
            )
            for r in q.responses
        )
        out.append(Row(q, review, cells, responses))
    return out
