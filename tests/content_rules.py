"""The content rules for the banks in questions/ (see docs/content-guide.md), as plain checks."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

from quizapp.domain.banks import DOI_RE, PMID_RE, QUIZ_TYPES, Bank

ROOT = Path(__file__).resolve().parent.parent
MIN_BANKS = 8
MIN_QUIZ_QUESTIONS = 240
MIN_FLASHCARDS = 60
MIN_PER_TYPE = 10
MIN_PER_SEED_TAG = 15
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
    seen: dict[str, str] = {}
    for bank_id, q in quiz_questions:
        key = _norm(q.prompt)
        if key in seen:
            problems.append(f"{bank_id}/{q.id}: same prompt as {seen[key]}")
        seen.setdefault(key, f"{bank_id}/{q.id}")
    return problems
