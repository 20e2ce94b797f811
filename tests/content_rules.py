"""The content rules for the banks in questions/ (see docs/content-guide.md), as plain checks."""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from quizapp.domain.banks import DOI_RE, PMID_RE, QUIZ_TYPES, Bank, parse_package
from quizapp.domain.packages import BANK_FILE, read_folder, read_yaml

ROOT = Path(__file__).resolve().parent.parent
MIN_BANKS = 8
MIN_QUIZ_QUESTIONS = 450
MIN_FLASHCARDS = 150
MIN_PER_TYPE = 40
MIN_PER_SEED_TAG = 30
# Topics that were thin and must stay covered, though they are not seed tags.
MIN_PER_TOPIC = {"epidemiology": 20, "risk-factors": 20, "disease-modelling": 20}
MIN_QUIZZES_PER_BANK = 2


def load_tags(path: Path = ROOT / "docs" / "tags.yaml") -> tuple[set[str], set[str]]:
    """Return (seed tags, all tags) from the documented tag list."""
    data = yaml.safe_load(path.read_text())
    return set(data["seed"]), set(data["seed"]) | set(data["other"])


def load_identifiers(path: Path = ROOT / "docs" / "verified-identifiers.txt") -> set[str]:
    return {line.split("#")[0].strip() for line in path.read_text().splitlines() if line.split("#")[0].strip()}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def question_problems(bank: Bank, all_tags: set[str], identifiers: set[str]) -> list[str]:
    """Problems with individual questions of one bank."""
    problems = []
    for q in bank.questions:
        where = f"{bank.id}/{q.id}"
        for tag in q.tags:
            if tag not in all_tags:
                problems.append(f"{where}: tag {tag!r} is not in docs/tags.yaml")
        for ref in q.references:
            if ref.doi and not DOI_RE.match(ref.doi):
                problems.append(f"{where}: malformed DOI {ref.doi!r}")
            if ref.pmid and not PMID_RE.match(ref.pmid):
                problems.append(f"{where}: malformed PMID {ref.pmid!r}")
            for kind in ("doi", "pmid"):
                value = getattr(ref, kind)
                if value and f"{kind}:{value}" not in identifiers:
                    problems.append(f"{where}: {kind.upper()} {value} is not in docs/verified-identifiers.txt")
        if q.type == "flashcard":
            continue
        if not (q.explanation or "").strip():
            problems.append(f"{where}: no explanation")
        if not q.references:
            problems.append(f"{where}: no reference")
        if not q.tags:
            problems.append(f"{where}: no tags")
        if not q.difficulty:
            problems.append(f"{where}: no difficulty")
        if q.type in ("single", "multiple"):
            for choice in q.choices:
                if not choice.correct and not (choice.feedback or "").strip():
                    problems.append(f"{where}: wrong choice {choice.id!r} has no feedback")
        if q.type == "true_false":
            wrong = "false" if q.answer else "true"
            if not (getattr(q.feedback, wrong) or "").strip():
                problems.append(f"{where}: the wrong option ({wrong}) has no feedback")
    if len(bank.quizzes) < MIN_QUIZZES_PER_BANK:
        problems.append(f"{bank.id}: defines {len(bank.quizzes)} quizzes; at least {MIN_QUIZZES_PER_BANK} needed")
    return problems


def collection_problems(banks: list[Bank], seed_tags: set[str]) -> list[str]:
    """Problems with the collection as a whole: counts, coverage and duplicates."""
    problems = []
    quiz_questions = [(b.id, q) for b in banks for q in b.questions if q.type != "flashcard"]
    flashcards = [q for b in banks for q in b.questions if q.type == "flashcard"]
    if len(banks) < MIN_BANKS:
        problems.append(f"{len(banks)} banks; at least {MIN_BANKS} needed")
    if len(quiz_questions) < MIN_QUIZ_QUESTIONS:
        problems.append(f"{len(quiz_questions)} quiz questions; at least {MIN_QUIZ_QUESTIONS} needed")
    if len(flashcards) < MIN_FLASHCARDS:
        problems.append(f"{len(flashcards)} flashcards; at least {MIN_FLASHCARDS} needed")
    types = Counter(q.type for _, q in quiz_questions)
    for qtype in QUIZ_TYPES:
        if types[qtype] < MIN_PER_TYPE:
            problems.append(f"type {qtype} appears {types[qtype]} times; at least {MIN_PER_TYPE} needed")
    tags = Counter(tag for _, q in quiz_questions for tag in set(q.tags))
    for tag in sorted(seed_tags):
        if tags[tag] < MIN_PER_SEED_TAG:
            problems.append(f"seed tag {tag} has {tags[tag]} questions; at least {MIN_PER_SEED_TAG} needed")
    for tag, least in MIN_PER_TOPIC.items():
        if tags[tag] < least:
            problems.append(f"tag {tag} has {tags[tag]} questions; at least {least} needed")
    seen: dict[str, str] = {}
    for bank_id, q in quiz_questions:
        key = _norm(q.prompt)
        if key in seen:
            problems.append(f"{bank_id}/{q.id}: same prompt as {seen[key]}")
        seen.setdefault(key, f"{bank_id}/{q.id}")
    return problems


# Harder to game: a test-wise learner should get no help from the length of a choice, from absolute words,
# from where the correct choice is listed, from "all of the above" or from choices that overlap. The
# statistical checks are measured over the single-choice questions (exactly one correct choice); the
# checks of individual choices apply to every question with choices. Thresholds (docs/content-guide.md):
LONGEST_MARGIN_OVERALL = 0.08  # share of correct choices strictly the longest <= chance + this, overall
LONGEST_MARGIN_PER_BANK = 0.20  # ... and in each bank
ABSOLUTE_GAP = 0.07  # |share of wrong choices with an absolute word - share of correct ones|, overall
POSITION_MARGIN = 0.10  # share of correct choices at each listed position <= chance + this, overall
FIRST_POSITION_MAX_PER_BANK = 0.5  # share of correct choices listed first, in each bank

ABSOLUTE_WORDS = (
    "always",
    "never",
    "only",
    "all",
    "none",
    "proven",
    "cure",
    "cures",
    "cured",
    "guaranteed",
    "completely",
    "definitely",
    "must",
)
ABSOLUTE_RE = re.compile(r"\b(?:" + "|".join(ABSOLUTE_WORDS) + r")\b", re.IGNORECASE)
# "All of the above", "none of these", "both of the above", "A and B", "options 1 and 3", "(a) & (c)".
_LETTER = r"\(?[a-e1-5]\)?"
CATCH_ALL_RE = re.compile(
    r"\b(?:all|none|both|neither|either|any)\s+(?:of\s+)?(?:the\s+)?(?:above|below|previous|preceding|"
    r"these|those|(?:other\s+)?(?:options|choices|answers))\b"
    rf"|^\s*(?:both\s+|only\s+)?(?:(?:options?|choices?|answers?)\s+)?{_LETTER}\s*(?:,\s*{_LETTER}\s*)*"
    rf"(?:and|or|&|\+)\s*{_LETTER}\s*\.?\s*$",
    re.IGNORECASE,
)


def _words(text: str) -> str:
    """Text reduced to lowercase words separated by single spaces: case, whitespace and punctuation gone."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def _choice_questions(bank: Bank) -> list[Any]:
    return [q for q in bank.questions if getattr(q, "choices", None)]


def _single_choice(bank: Bank) -> list[Any]:
    return [q for q in _choice_questions(bank) if sum(c.correct for c in q.choices) == 1 and len(q.choices) >= 2]


def choice_problems(bank: Bank) -> list[str]:
    """Catch-all choices ("all of the above", "A and B") and choices that overlap, question by question."""
    problems = []
    for q in _choice_questions(bank):
        where = f"{bank.id}/{q.id}"
        words = [(c.id, _words(c.text)) for c in q.choices]
        for choice in q.choices:
            if CATCH_ALL_RE.search(choice.text.strip()):
                problems.append(f"{where}: choice {choice.id!r} is a catch-all ({choice.text.strip()!r})")
        for i, (id_a, a) in enumerate(words):
            for id_b, b in words[i + 1 :]:
                if a == b:
                    problems.append(f"{where}: choices {id_a!r} and {id_b!r} are the same text")
                elif a and f" {a} " in f" {b} ":
                    problems.append(f"{where}: choice {id_a!r} is contained in choice {id_b!r}")
                elif b and f" {b} " in f" {a} ":
                    problems.append(f"{where}: choice {id_b!r} is contained in choice {id_a!r}")
    return problems


@dataclass(frozen=True)
class GamingFigures:
    """How much a test-wise learner could guess from the single-choice questions of some banks."""

    questions: int
    longest: float  # share of questions whose correct choice is strictly the longest
    longest_chance: float  # mean of 1 / number of choices
    absolute_wrong: float  # share of wrong choices containing an absolute word
    absolute_correct: float  # share of correct choices containing one
    position: tuple[float, ...]  # share of questions whose correct choice is listed p-th (from 0)
    position_chance: tuple[float, ...]  # the share expected by chance at each position

    @property
    def absolute_gap(self) -> float:
        return abs(self.absolute_wrong - self.absolute_correct)


def gaming_figures(banks: list[Bank]) -> GamingFigures:
    """Measure the single-choice questions of ``banks`` taken together."""
    questions = [q for bank in banks for q in _single_choice(bank)]
    n = len(questions) or 1
    longest = 0
    wrong = wrong_absolute = correct_absolute = 0
    width = max((len(q.choices) for q in questions), default=0)
    position = [0] * width
    position_chance = [0.0] * width
    for q in questions:
        lengths = [len(c.text.strip()) for c in q.choices]
        key = next(i for i, c in enumerate(q.choices) if c.correct)
        if all(lengths[key] > length for i, length in enumerate(lengths) if i != key):
            longest += 1
        position[key] += 1
        for p in range(len(q.choices)):
            position_chance[p] += 1 / len(q.choices)
        for c in q.choices:
            absolute = bool(ABSOLUTE_RE.search(c.text))
            if c.correct:
                correct_absolute += absolute
            else:
                wrong += 1
                wrong_absolute += absolute
    return GamingFigures(
        questions=len(questions),
        longest=longest / n,
        longest_chance=sum(1 / len(q.choices) for q in questions) / n,
        absolute_wrong=wrong_absolute / (wrong or 1),
        absolute_correct=correct_absolute / n,
        position=tuple(count / n for count in position),
        position_chance=tuple(chance / n for chance in position_chance),
    )


def gaming_problems(banks: list[Bank]) -> list[str]:
    """Every threshold of the harder-to-game rules that ``banks`` break, overall and bank by bank."""
    problems = []
    overall = gaming_figures(banks)
    if overall.longest > overall.longest_chance + LONGEST_MARGIN_OVERALL:
        problems.append(
            f"overall: the correct choice is strictly the longest in {overall.longest:.0%} of single-choice"
            f" questions; at most {overall.longest_chance + LONGEST_MARGIN_OVERALL:.0%}"
            f" (chance {overall.longest_chance:.0%} + {LONGEST_MARGIN_OVERALL:.0%})"
        )
    if overall.absolute_gap > ABSOLUTE_GAP:
        problems.append(
            f"overall: absolute words appear in {overall.absolute_wrong:.0%} of wrong choices and"
            f" {overall.absolute_correct:.0%} of correct ones; the gap may be at most {ABSOLUTE_GAP:.0%}"
        )
    for p, (share, chance) in enumerate(zip(overall.position, overall.position_chance, strict=True)):
        if share > chance + POSITION_MARGIN:
            problems.append(
                f"overall: the correct choice is listed in position {p + 1} in {share:.0%} of single-choice"
                f" questions; at most {chance + POSITION_MARGIN:.0%} (chance {chance:.0%} + {POSITION_MARGIN:.0%})"
            )
    for bank in banks:
        figures = gaming_figures([bank])
        if not figures.questions:
            continue
        if figures.longest > figures.longest_chance + LONGEST_MARGIN_PER_BANK:
            problems.append(
                f"{bank.id}: the correct choice is strictly the longest in {figures.longest:.0%} of"
                f" single-choice questions; at most {figures.longest_chance + LONGEST_MARGIN_PER_BANK:.0%}"
                f" (chance {figures.longest_chance:.0%} + {LONGEST_MARGIN_PER_BANK:.0%})"
            )
        if figures.position[0] > FIRST_POSITION_MAX_PER_BANK:
            problems.append(
                f"{bank.id}: the correct choice is listed first in {figures.position[0]:.0%} of single-choice"
                f" questions; at most {FIRST_POSITION_MAX_PER_BANK:.0%}"
            )
    return problems


def bank_paths(folder: Path = ROOT / "questions") -> list[Path]:
    """Every bank in ``folder``: its YAML files and the bank.yaml of each bank folder (with media/)."""
    return sorted([*folder.glob("*.yaml"), *folder.glob(f"*/{BANK_FILE}")])


def bank_name(path: Path) -> str:
    """What a test calls the bank at ``path``: the file's or the bank folder's name."""
    return path.parent.name if path.name == BANK_FILE else path.stem


def read_bank(path: Path) -> Bank:
    """The bank in a YAML file, or in the folder of a bank.yaml with its pictures; BankError if invalid."""
    package = read_folder(path.parent) if path.name == BANK_FILE else read_yaml(path.read_bytes(), str(path))
    return parse_package(package)[0]


def load_banks(folder: Path = ROOT / "questions") -> list[Bank]:
    return [read_bank(path) for path in bank_paths(folder)]


def _percent(values: tuple[float, ...]) -> str:
    return " ".join(f"{v:4.0%}" for v in values)


def gaming_report(banks: list[Bank]) -> str:
    """The harder-to-game figures per bank and overall, then every threshold broken, as text."""
    lines = ["bank                            single  longest (chance)  absolute wrong/correct  position 1.."]
    for name, figures in [(b.id, gaming_figures([b])) for b in banks] + [("overall", gaming_figures(banks))]:
        lines.append(
            f"{name:<32}{figures.questions:>6}  {figures.longest:>6.0%} ({figures.longest_chance:>4.0%})"
            f"  {figures.absolute_wrong:>12.0%} / {figures.absolute_correct:<8.0%}"
            f"  {_percent(figures.position)}  (chance {_percent(figures.position_chance)})"
        )
    problems = gaming_problems(banks) + [p for bank in banks for p in choice_problems(bank)]
    lines.append("")
    lines.extend(problems or ["every harder-to-game rule holds"])
    return "\n".join(lines)


def counts_report(banks: list[Bank]) -> str:
    """Quiz questions and flashcards per bank, by type and by tag, then the collection's totals, as text."""
    lines = []
    for name, chosen in [(b.id, [b]) for b in banks] + [("collection", banks)]:
        questions = [q for b in chosen for q in b.questions]
        quiz = [q for q in questions if q.type != "flashcard"]
        types = Counter(q.type for q in questions)
        tags = Counter(tag for q in quiz for tag in set(q.tags))
        lines.append(f"{name}: {len(quiz)} quiz questions, {types['flashcard']} flashcards")
        lines.append("  types: " + ", ".join(f"{t} {types[t]}" for t in QUIZ_TYPES))
        lines.append("  tags:  " + ", ".join(f"{t} {n}" for t, n in sorted(tags.items())))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.content_rules", description="Measure the content rules of the banks."
    )
    parser.add_argument("--gaming", action="store_true", help="the harder-to-game figures, per bank and overall")
    parser.add_argument("--counts", action="store_true", help="quiz questions per bank by type and tag")
    parser.add_argument("paths", nargs="*", type=Path, help="bank files (default: every bank in questions/)")
    args = parser.parse_args(argv)
    if not (args.gaming or args.counts):
        parser.print_help()
        return 2
    banks = [read_bank(p) for p in args.paths] if args.paths else load_banks()
    if args.counts:
        print(counts_report(banks))
    if not args.gaming:
        return 0
    print(gaming_report(banks))
    return 1 if gaming_problems(banks) or any(choice_problems(b) for b in banks) else 0


if __name__ == "__main__":
    sys.exit(main())
