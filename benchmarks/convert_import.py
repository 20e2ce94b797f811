"""Converting and importing a bank in another format (GIFT…), as a ratio to importing the same bank as YAML.

Generates a YAML bank of N questions (default 10,000) of every type GIFT carries, in turn, then writes it in
each format measured (by the app's own exporter, so every format gets the same questions) and times, best of
R runs, each into a fresh SQLite database with the real schema:
  yaml       parse_bank + import_bank of the bank as the converter writes it        the baseline
  <format>   read_bank_file (convert) + parse_bank + import_bank of the file in that format

The baseline is the converted bank's own YAML, so both sides import exactly the same questions. A format
is measured when it is registered and can both write and read banks; add one to FORMATS below, or name
it with --formats.

Usage: python benchmarks/convert_import.py [--questions N] [--repeat R] [--formats gift,moodle-xml]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bank_import import TEMPLATES
from flask_migrate import upgrade

from quizapp import create_app
from quizapp.domain import formats
from quizapp.domain.banks import bank_to_data, parse_bank
from quizapp.extensions import db
from quizapp.models import utcnow
from quizapp.operations import import_bank

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("gift", "moodle-xml")  # measured when registered; Aiken and CSV carry one type each
ONE_GAP_CLOZE = """  - id: q{i}
    type: cloze
    prompt: "Question {i}: MS damages {{{{c1::myelin|the myelin sheath}}}} in the central nervous system."
    explanation: "Myelin in the CNS."
    tags: [ms-disease]
"""


def generate(n: int) -> str:
    """A YAML bank of ``n`` questions of the types GIFT carries (no ordering; cloze with one gap)."""
    templates = [ONE_GAP_CLOZE if "type: cloze" in t else t for t in TEMPLATES if "type: ordering" not in t]
    head = (
        "format: 1\nid: benchmark\ntitle: Benchmark\ndescription: Generated.\nlanguage: en\n"
        "license: CC0-1.0\nauthors: [benchmark]\nreviewed_on: 2026-11-25\nquestions:\n"
    )
    return head + "".join(templates[i % len(templates)].format(i=i) for i in range(n))


def timed_import(work: Callable[[], object]) -> float:
    """Seconds to run ``work`` (which converts, parses and imports) and commit, in a fresh database."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "b" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/b.db"})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            gc.collect()
            start = time.perf_counter()
            work()
            db.session.commit()
            elapsed = time.perf_counter() - start
            db.engine.dispose()
    return elapsed


def yaml_import(source: bytes) -> Callable[[], object]:
    return lambda: import_bank(db.session, parse_bank(source, "bank.yaml"), source, "bank.yaml", utcnow())


def converted_import(name: str, data: bytes) -> Callable[[], object]:
    def work() -> object:
        source = formats.read_bank_file(name, data).package.yaml_text.encode()
        return import_bank(db.session, parse_bank(source, name), source, name, utcnow())

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    wanted = [f for f in args.formats.split(",") if f in formats.FORMATS]
    bank = parse_bank(generate(args.questions), "generated.yaml")
    data = json.loads(json.dumps(bank_to_data(bank), default=str))

    print(f"best of {args.repeat}, each into a fresh SQLite database")
    print(
        f"{'format':<12}{'questions':>10}{'MB':>7}{'convert':>9}{'yaml import':>13}{'convert+import':>16}{'ratio':>7}"
    )
    for name in wanted:
        found = formats.FORMATS[name]
        exported = formats.export_bank(name, data)
        filename = f"benchmark{found.suffix}"
        yaml_source = formats.read_bank_file(filename, exported.content).package.yaml_text.encode()
        count = len(parse_bank(yaml_source).questions)
        content = exported.content
        convert = min(_timed(lambda: formats.read_bank_file(filename, content)) for _ in range(args.repeat))  # noqa: B023
        baseline, measured = [], []
        for _ in range(args.repeat):  # in turns, so a busy machine slows both alike
            baseline.append(timed_import(yaml_import(yaml_source)))
            measured.append(timed_import(converted_import(filename, exported.content)))
        yaml_s, total = min(baseline), min(measured)
        print(
            f"{name:<12}{count:>10,}{len(exported.content) / 1e6:>7.1f}{convert:>9.3f}{yaml_s:>13.3f}"
            f"{total:>16.3f}{total / yaml_s:>7.2f}"
        )


def _timed(work: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
