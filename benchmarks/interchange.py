"""Moodle XML and Anki speed: converting and importing a Moodle XML export against the YAML import of the
same bank, and exporting the bank to .apkg.

Generates the bank of ``bank_import.py`` (N questions, default 10,000, every quiz type in turn), writes it as
Moodle XML with the exporter, then measures, best of R runs:
  validate        parse_bank of the YAML                                   the baseline
  import          operations.import_bank into a fresh SQLite database       (once per bank, committed)
  xml convert     read_moodle_xml of the export (parse, map, write YAML)
  xml validate    parse_bank of the converted YAML
  xml export      write_moodle_xml
  apkg export     write_apkg (genanki, Markdown rendered to HTML)
  yaml export     dump_bank of the same data, for scale

Usage: python benchmarks/interchange.py [--questions N] [--repeat R]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bank_import import generate
from flask_migrate import upgrade

from quizapp import create_app
from quizapp.domain.banks import bank_to_data, dump_bank, parse_bank
from quizapp.domain.formats.apkg import write_apkg
from quizapp.domain.formats.moodle_xml import read_moodle_xml, write_moodle_xml
from quizapp.extensions import db
from quizapp.models import utcnow
from quizapp.operations import import_bank

TODAY = dt.date(2026, 11, 25)


def best(fn, repeat: int) -> float:
    """The least CPU time of ``repeat`` runs: the machine is shared, and wall time counts the others' work."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def import_seconds(source: bytes, name: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "b" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/b.db"})
        with app.app_context():
            upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
            bank = parse_bank(source, name)
            start = time.process_time()
            import_bank(db.session, bank, source, name, utcnow())
            db.session.commit()
            elapsed = time.process_time() - start
            db.engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source = generate(args.questions).encode()
    data = bank_to_data(parse_bank(source, "benchmark.yaml"))
    xml = write_moodle_xml(data, {})
    converted = read_moodle_xml(xml, bank_id="benchmark", name="benchmark.xml", today=TODAY).package.yaml_text.encode()

    validate = best(lambda: parse_bank(source, "benchmark.yaml"), args.repeat)
    convert = best(lambda: read_moodle_xml(xml, bank_id="benchmark", today=TODAY), args.repeat)
    xml_validate = best(lambda: parse_bank(converted, "benchmark.xml"), args.repeat)
    xml_export = best(lambda: write_moodle_xml(data, {}), args.repeat)
    apkg_export = best(lambda: write_apkg(data, {}), args.repeat)
    yaml_export = best(lambda: dump_bank(data), args.repeat)
    yaml_import = import_seconds(source, "benchmark.yaml")
    xml_import = import_seconds(converted, "benchmark.xml")

    yaml_path = validate + yaml_import
    xml_path = convert + xml_validate + xml_import
    print(f"bank: {args.questions:,} questions; YAML {len(source) / 1e6:.1f} MB, Moodle XML {len(xml) / 1e6:.1f} MB")
    print(f"{'step':<40}{'seconds':>9}{'x YAML':>9}")
    rows = [
        ("YAML validate", validate, validate),
        ("YAML validate + import (baseline)", yaml_path, yaml_path),
        ("Moodle XML convert", convert, yaml_path),
        ("Moodle XML convert + validate + import", xml_path, yaml_path),
        ("YAML export (dump_bank)", yaml_export, yaml_export),
        ("Moodle XML export", xml_export, yaml_export),
        ("apkg export", apkg_export, yaml_export),
    ]
    for name, seconds, base in rows:
        print(f"{name:<40}{seconds:>9.3f}{seconds / base:>9.2f}")


if __name__ == "__main__":
    main()
