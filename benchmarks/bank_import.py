"""Bank validation and import speed, as ratios to the bare libyaml parse of the same file.

Generates a bank of N questions (default 10,000; every quiz type in turn), then measures, best of R runs:
  parse      yaml.load(text, CSafeLoader)               the baseline
  validate   quizapp.domain.banks.parse_bank             strict load + full validation
  import     operations.import_bank into a fresh SQLite database (after validation), committed
  reimport   the unchanged file again, as `flask bank import` does it (content hash, no parse)
  diff       what an edited version would change (one question in 10 reworded, one in 40 with a new key),
             as the upload preview and `bank import --dry-run` compute it: read the live bank, compare
  edit       importing that edited version (new revisions, cards of the major changes restarted)

Usage: python benchmarks/bank_import.py [--questions N] [--repeat R]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from quizapp import create_app
from quizapp.domain.banks import parse_bank
from quizapp.domain.uploads import Upload
from quizapp.extensions import db
from quizapp.models import utcnow
from quizapp.operations import find_unchanged_source, import_bank, source_hash
from quizapp.queries.imports import compare

TEMPLATES = [
    """  - id: q{i}
    type: single
    prompt: "Question {i}: which cell makes myelin in the central nervous system?"
    choices:
      - {{id: a, text: "Oligodendrocyte", correct: true}}
      - {{id: b, text: "Schwann cell", feedback: "Schwann cells myelinate peripheral nerves."}}
      - {{id: c, text: "Astrocyte", feedback: "Astrocytes support neurons but make no myelin."}}
      - {{id: d, text: "Microglia", feedback: "Microglia are the brain's resident immune cells."}}
    explanation: "Oligodendrocytes myelinate CNS axons; one cell wraps segments of many axons."
    tags: [demyelination, ms-disease]
    difficulty: easy
    references:
      - citation: "Franklin RJM, ffrench-Constant C. Remyelination in the CNS. Nat Rev Neurosci. 2008."
        doi: "10.1038/nrn2480"
""",
    """  - id: q{i}
    type: multiple
    prompt: "Question {i}: which of these are sources of stem cells?"
    choices:
      - {{id: a, text: "Bone marrow", correct: true}}
      - {{id: b, text: "Umbilical cord blood", correct: true}}
      - {{id: c, text: "Mature red blood cells", feedback: "They have no nucleus and cannot divide."}}
    explanation: "Adult tissues and cord blood hold stem cells; mature red cells do not divide."
    tags: [stem-cell-sources]
    difficulty: medium
    references: [{{citation: "A textbook of stem-cell biology"}}]
""",
    """  - id: q{i}
    type: true_false
    prompt: "Question {i}: MS is a disease of the peripheral nervous system."
    answer: false
    feedback:
      "true": "MS affects the brain, spinal cord and optic nerves."
    explanation: "MS is a disease of the central nervous system."
    tags: [ms-disease]
    difficulty: easy
    references: [{{citation: "Reich DS, et al. Multiple Sclerosis. N Engl J Med. 2018."}}]
""",
    """  - id: q{i}
    type: short_answer
    prompt: "Question {i}: name the cell that myelinates CNS axons."
    answers: ["oligodendrocyte", "oligodendrocytes"]
    explanation: "Oligodendrocytes."
    tags: [demyelination]
    difficulty: easy
    references: [{{citation: "A textbook"}}]
""",
    """  - id: q{i}
    type: numeric
    prompt: "Question {i}: how many million people had MS worldwide in 2020?"
    answer: 2.8
    tolerance: 0.1
    unit: million
    explanation: "The Atlas of MS, 3rd edition (2020), counted 2.8 million."
    tags: [epidemiology]
    difficulty: medium
    references: [{{citation: "Walton C, et al. Mult Scler. 2020.", pmid: "33174475"}}]
""",
    """  - id: q{i}
    type: cloze
    prompt: "Question {i}: MS damages {{{{c1::myelin}}}} in the {{{{c2::central}}}} nervous system."
    explanation: "Myelin in the CNS."
    tags: [ms-disease]
    difficulty: easy
    references: [{{citation: "A textbook"}}]
""",
    """  - id: q{i}
    type: matching
    prompt: "Question {i}: match each cell to its job."
    pairs:
      - {{left: "Oligodendrocyte", right: "Myelinates CNS axons"}}
      - {{left: "Microglia", right: "Immune surveillance"}}
      - {{left: "Astrocyte", right: "Supports neurons"}}
    explanation: "Three glial cells, three jobs."
    tags: [demyelination]
    difficulty: medium
    references: [{{citation: "A textbook"}}]
""",
    """  - id: q{i}
    type: ordering
    prompt: "Question {i}: put the steps of aHSCT in order."
    items: ["Mobilisation", "Apheresis", "Conditioning", "Reinfusion"]
    explanation: "Cells are mobilised, collected, the immune system ablated, then cells returned."
    tags: [ahsct]
    difficulty: hard
    references: [{{citation: "Sharrack B, et al. Bone Marrow Transplant. 2020."}}]
""",
]


def generate(n: int) -> str:
    head = (
        "format: 1\nid: benchmark\ntitle: Benchmark\ndescription: Generated.\nlanguage: en\n"
        "license: CC0-1.0\nauthors: [benchmark]\nreviewed_on: 2026-11-25\ntags: [ms-disease]\nquestions:\n"
    )
    return head + "".join(TEMPLATES[i % len(TEMPLATES)].format(i=i) for i in range(n))


def edited(text: str, n: int) -> str:
    """Every 10th question reworded (minor), and every 40th (a single-choice one) given another answer (major)."""
    out = text
    for i in range(0, n, 10):
        out = out.replace(f"Question {i}:", f"Question {i}, reworded:", 1)
    for i in range(0, n, 20):
        if i % len(TEMPLATES) == 0:  # single choice
            start = out.index(f"  - id: q{i}\n")
            block = out[start : out.index("explanation", start)]
            flipped = block.replace("correct: true}", "}", 1)
            flipped = flipped.replace('"Schwann cell",', '"Schwann cell", correct: true,')
            out = out[:start] + flipped + out[start + len(block) :]
    return out


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    text = generate(args.questions)
    source = text.encode()

    parse = best(lambda: yaml.load(text, Loader=yaml.CSafeLoader), args.repeat)
    validate = best(lambda: parse_bank(source, "benchmark.yaml"), args.repeat)

    def fresh_import() -> float:
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app(
                {"TESTING": True, "SECRET_KEY": "b" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite"}
            )
            with app.app_context():
                upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))  # the real schema
                bank = parse_bank(source, "benchmark.yaml")
                start = time.perf_counter()
                import_bank(db.session, bank, source, "benchmark.yaml", utcnow())
                db.session.commit()
                elapsed = time.perf_counter() - start
                path = Path(tmp) / "benchmark.yaml"
                path.write_bytes(source)
                reimport_start = time.perf_counter()  # what `flask bank import` does for an unchanged file
                found = find_unchanged_source(db.session, source_hash(path.read_bytes()))
                db.session.rollback()
                assert found is not None
                fresh_import.reimport = time.perf_counter() - reimport_start
                changed = edited(text, args.questions).encode()
                upload = Upload("benchmark.yaml", changed, parse_bank(changed, "benchmark.yaml"))
                diff_start = time.perf_counter()
                diff = compare(db.session, upload)
                fresh_import.diff = time.perf_counter() - diff_start
                db.session.rollback()
                assert diff.counts["major"] and diff.counts["minor"], diff.counts
                edit_start = time.perf_counter()
                import_bank(db.session, upload.bank, changed, "benchmark.yaml", utcnow())
                db.session.commit()
                fresh_import.edit = time.perf_counter() - edit_start
                db.engine.dispose()
            return elapsed

    imports, reimports, diffs, edits = [], [], [], []
    for _ in range(args.repeat):
        imports.append(fresh_import())
        reimports.append(fresh_import.reimport)
        diffs.append(fresh_import.diff)
        edits.append(fresh_import.edit)
    db_import, reimport, diff, edit = min(imports), min(reimports), min(diffs), min(edits)

    print(f"bank: {args.questions:,} questions, {len(source) / 1e6:.1f} MB; best of {args.repeat}")
    print(f"{'step':<28}{'seconds':>9}{'x parse':>9}")
    rows = [
        ("bare libyaml parse", parse),
        ("validate (parse_bank)", validate),
        ("import into SQLite", db_import),
        ("validate + import", validate + db_import),
        ("re-import unchanged", reimport),
        ("diff an edited version", diff),
        ("import the edited version", edit),
    ]
    for name, seconds in rows:
        print(f"{name:<28}{seconds:>9.3f}{seconds / parse:>9.2f}")


if __name__ == "__main__":
    main()
