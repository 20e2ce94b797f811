"""Parsers of user input run in linear time: doubling an adversarial input doubles the time, not more.

    .venv/bin/python benchmarks/parsers.py [--size 32000] [--rounds 5]

Each input is built to defeat a backtracking parser (many unclosed cloze gaps, a long almost-username…);
each is timed at n and 2n, and the ratio of the two is printed (≈2 for linear, ≈4 for quadratic). The
bank case loads a whole bank through the validator with one cloze question whose prompt holds the input.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable

from quizapp.domain.accounts import InvalidLogin, parse_login
from quizapp.domain.banks import BankError, parse_bank
from quizapp.domain.types.cloze import CLOZE_RE, cloze_gaps
from quizapp.rendering import cloze_html


def bank_with_prompt(prompt: str) -> bytes:
    return (
        "format: 1\nid: fuzz\ntitle: Fuzz\ndescription: x\nlanguage: en\nlicense: CC0-1.0\nauthors: [x]\n"
        "reviewed_on: 2026-01-01\ntags: [x]\nquestions:\n  - id: q1\n    type: cloze\n    prompt: "
        + repr(prompt).replace("'", '"')
        + "\n"
    ).encode()


def parse_quietly(source: bytes) -> None:
    with contextlib.suppress(BankError):
        parse_bank(source, "fuzz.yaml")


def login_quietly(text: str) -> None:
    with contextlib.suppress(InvalidLogin):
        parse_login(text)


CASES: dict[str, tuple[Callable[[int], object], Callable[[object], object]]] = {
    "cloze: unclosed gaps, find all": (lambda n: "{{c1::" * (n // 6), lambda s: CLOZE_RE.findall(s)),
    "cloze: unclosed gaps, read the gaps": (lambda n: "{{c1::a" * (n // 7), cloze_gaps),
    "cloze: gaps in a link title, render": (
        lambda n: '[x](https://a.org "' + "{{c1::a}}" * (n // 9) + '")',
        cloze_html,
    ),
    "cloze: unclosed gaps, whole bank": (lambda n: bank_with_prompt("{{c1::" * (n // 6)), parse_quietly),
    "username: long, then one bad character": (lambda n: "a" + "-" * n + "!", login_quietly),
    "email: many dots": (lambda n: "a@" + "b." * (n // 2) + "!", login_quietly),
}


def best_of(rounds: int, func: Callable[[object], object], value: object) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func(value)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=32_000, help="characters of the smaller input")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{'case':45} {'n (ms)':>10} {'2n (ms)':>10} {'2n / n':>8}")
    ratios = []
    for name, (build, func) in CASES.items():
        small, large = build(args.size), build(2 * args.size)
        t1, t2 = best_of(args.rounds, func, small), best_of(args.rounds, func, large)
        ratios.append(t2 / t1)
        print(f"{name:45} {t1 * 1000:10.2f} {t2 * 1000:10.2f} {t2 / t1:8.2f}")
    print(f"median ratio {statistics.median(ratios):.2f} (linear: about 2; quadratic: about 4)")


if __name__ == "__main__":
    main()
