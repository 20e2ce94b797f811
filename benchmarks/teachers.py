"""Teachers' pages for a big class, in one process, as a multiple of a bare Flask "hello" request.

Seeds a fresh SQLite database (WAL) in a temporary folder with a generated bank of 30 single-choice questions
(four choices each) and a copy of it cut to 15 questions; a teacher; a class of 300 learners with 20
assignments of the bank's quiz, each taken once by every learner (6,000 finished attempts, 180,000 answers,
written straight into the tables, each answer graded by its question type, each attempt's marks stored as
closing it stores them); and, for the growth figures, two more assignments in another class: the 30-question
quiz taken by 150 of the learners, and the 15-question quiz taken by all 300. Every assignment's analysis is
then computed ahead and stored, as the background worker does when attempts close.

Then, with Flask's test client (no HTTP server: what is measured is the server's own time for a request),
times:

  hello                        GET / of a bare Flask app defined here — the baseline
  item analysis page           GET /teach/assignments/<id>/analysis (300 learners x 30 questions): as a worker
                               that has it in memory answers it (the attempts unchanged); as any other worker
                               does, reading the stored analysis (the first view once the background worker
                               has computed it ahead, as it does when attempts close); and computed afresh in
                               the request (nothing kept, nothing stored); and its CSV
  computed ahead               what the background worker spends on one assignment after attempts close
  item analysis, computed      the read side and the statistics (queries.itemanalysis.analyse), the read side
                               alone (queries.itemanalysis.marks) and the statistics alone
                               (domain.itemanalysis.analyse on marks already read)
  growth                       the same at 150 learners x 30 questions and 300 x 15
  results grid                 the class's grid page (300 learners x 20 assignments), where the app has one
  teacher's home               GET /teach/ (it analyses the three assignments most recently due), in memory and
                               as another worker (stored analyses)

Measurements take turns, round after round; each figure is the median of this process's CPU time per request
(or call) over all rounds, and its ratio to hello's median; "SQL" is the statements one request runs.

Usage: python benchmarks/teachers.py [--rounds 5] [--batch 3] [--learners 300] [--assignments 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.analysis_data import add_attempts, make_class  # noqa: E402

PASSWORD = "correct horse battery staple"
NOW = dt.datetime.now(dt.UTC)  # the pages read the clock: work due "this week" is this week

hello = Flask("hello")


@hello.get("/")
def hello_page() -> str:
    return "hello"


def bank_source(slug: str, count: int) -> str:
    questions = "".join(
        f"""
  - id: q{i:02d}
    type: single
    prompt: "Generated question {i}?"
    tags: [t{i % 5}]
    choices:
      - {{id: a, text: "Right {i}", correct: true}}
      - {{id: b, text: "Wrong {i}.1"}}
      - {{id: c, text: "Wrong {i}.2"}}
      - {{id: d, text: "Wrong {i}.3"}}
"""
        for i in range(count)
    )
    return f"""format: 1
id: {slug}
title: "Generated {count}"
description: "A generated bank."
language: en
license: CC0-1.0
authors: ["benchmark"]
reviewed_on: 2026-11-25
tags: [t0, t1, t2, t3, t4]
questions:{questions}
quizzes:
  - id: all
    title: "All {count}"
    mode: exam
    questions: [{", ".join(f"q{i:02d}" for i in range(count))}]
"""


def picker(rng: random.Random, learners: int) -> Callable[[int, str], str]:
    """Learners of spread ability, questions of spread difficulty: right with a chance that grows with both."""
    ability = [rng.random() for _ in range(learners)]

    def pick(n: int, key: str) -> str:
        ease = (int(key[1:]) % 10) / 10
        return "a" if rng.random() < 0.2 + 0.6 * (ability[n] + ease) / 2 else rng.choice("bcd")

    return pick


@dataclass
class World:
    class_id: int
    full: int  # an assignment: 300 learners x 30 questions
    half_learners: int  # 150 learners x 30 questions
    half_questions: int  # 300 learners x 15 questions
    grid_path: str | None
    assignments: list[int]  # every one


def seed(app, learners: int, assignments: int) -> World:
    from quizapp.domain.banks import parse_bank
    from quizapp.extensions import db, passwords
    from quizapp.jobs import run_analyses
    from quizapp.models import User, utcnow
    from quizapp.operations import create_user, import_bank

    rng = random.Random(12)
    with app.app_context():
        for slug, count in (("gen30", 30), ("gen15", 15)):
            source = bank_source(slug, count).encode()
            import_bank(db.session, parse_bank(source, f"{slug}.yaml"), source, f"{slug}.yaml", utcnow())
        create_user(db.session, "teacher", PASSWORD, "teacher", passwords=passwords(), now=utcnow())
        hashed = db.session.scalar(select(User.password_hash).where(User.username == "teacher"))
        ids = list(
            db.session.scalars(
                insert(User).returning(User.id, sort_by_parameter_order=True),
                [{"username": f"learner{n}", "password_hash": hashed, "role": "learner"} for n in range(learners)],
            )
        )
        db.session.commit()
    started = NOW - dt.timedelta(days=60)
    due = [NOW - dt.timedelta(days=40 - 2 * k) for k in range(assignments)]
    opens = started - dt.timedelta(days=1)
    work = [
        make_class(app, "teacher", ids, "gen30", due=d, title=f"Homework {k + 1}", quiz="all", opens=opens)
        for k, d in enumerate(due)
    ]
    class_id = work[0][0]
    with app.app_context():  # every assignment in the one class
        from quizapp.models import Assignment

        db.session.execute(sa.update(Assignment).values(class_id=class_id))
        db.session.commit()
        for k, (_, assignment_id) in enumerate(work):
            print(f"assignment {k + 1} of {assignments}…", file=sys.stderr)
            add_attempts(
                db.session,
                "gen30",
                ids,
                picker(rng, learners),
                started + dt.timedelta(days=k),
                quiz_key="all",
                assignment_id=assignment_id,
            )
            db.session.commit()
    _, half_learners = make_class(
        app, "teacher", ids[: learners // 2], "gen30", due=NOW, title="Half the learners", quiz="all", opens=opens
    )
    _, half_questions = make_class(
        app, "teacher", ids, "gen15", due=NOW, title="Half the questions", quiz="all", opens=opens
    )
    with app.app_context():
        add_attempts(
            db.session, "gen30", ids[: learners // 2], picker(rng, learners), started, assignment_id=half_learners
        )
        add_attempts(db.session, "gen15", ids, picker(rng, learners), started, assignment_id=half_questions)
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    # What the background worker does once attempts close: each assignment's analysis computed and stored.
    run_analyses(app, [a for _, a in work] + [half_learners, half_questions], [])
    with app.app_context():
        grid = next((r for r in app.url_map.iter_rules() if r.endpoint in GRID_ENDPOINTS), None)
        db.engine.dispose()
    with app.test_request_context():
        from flask import url_for

        grid_path = url_for(grid.endpoint, class_id=class_id) if grid is not None else None
    everyone = [a for _, a in work] + [half_learners, half_questions]
    return World(class_id, work[0][1], half_learners, half_questions, grid_path, everyone)


GRID_ENDPOINTS = ("classes.results", "classes.grid")


@dataclass
class Measurement:
    name: str
    run: Callable[[], object]
    prepare: Callable[[], object] = lambda: None  # before each timed run, not timed
    times: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)


def measurements(app, world: World) -> list[Measurement]:
    from quizapp.domain import itemanalysis as ia
    from quizapp.extensions import db
    from quizapp.jobs import run_analyses
    from quizapp.models import Assignment, StoredAnalysis
    from quizapp.queries import itemanalysis as analysis_queries

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert (
        client.post("/login", data={"login": "teacher", "password": PASSWORD, "csrf_token": token}).status_code == 302
    )

    def get(path: str) -> Callable[[], None]:
        def run() -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            response.get_data()

        return run

    def forget_all() -> None:  # nothing in memory, nothing stored
        analysis_queries._KEPT.clear()
        with app.app_context():
            db.session.execute(sa.delete(StoredAnalysis))
            db.session.commit()

    def stored() -> None:  # another worker, every analysis stored (as the background worker leaves them)
        run_analyses(app, world.assignments, [])
        analysis_queries._KEPT.clear()

    def ahead(assignment_id: int) -> Callable[[], None]:
        return lambda: run_analyses(app, [assignment_id], [])

    def compute(assignment_id: int) -> Callable[[], None]:
        def run() -> None:
            with app.app_context():
                scope = analysis_queries.assignment_scope(db.session, db.session.get(Assignment, assignment_id), None)
                analysis_queries.analyse(db.session, scope, 20)
                db.session.rollback()

        return run

    def read(assignment_id: int) -> Callable[[], None]:
        def run() -> None:
            with app.app_context():
                scope = analysis_queries.assignment_scope(db.session, db.session.get(Assignment, assignment_id), None)
                analysis_queries.marks(db.session, scope)
                db.session.rollback()

        return run

    def statistics_of(assignment_id: int) -> Callable[[], None]:
        with app.app_context():  # the marks the read side hands over, read once
            scope = analysis_queries.assignment_scope(db.session, db.session.get(Assignment, assignment_id), None)
            found = analysis_queries.marks(db.session, scope)
            db.session.rollback()
        return lambda: ia.analyse(found.items, found.attempts)

    hello_client = hello.test_client()
    items = [
        Measurement("bare Flask hello (`GET /`) — the baseline", lambda: hello_client.get("/")),
        Measurement(
            "item analysis page, 300 learners x 30 questions", get(f"/teach/assignments/{world.full}/analysis")
        ),
        Measurement(
            "the same, as another worker (the stored analysis)",
            get(f"/teach/assignments/{world.full}/analysis"),
            stored,
        ),
        Measurement(
            "the same, computed afresh (nothing kept or stored)",
            get(f"/teach/assignments/{world.full}/analysis"),
            forget_all,
        ),
        Measurement(
            "the same as another worker, 150 learners x 30 questions",
            get(f"/teach/assignments/{world.half_learners}/analysis"),
            stored,
        ),
        Measurement(
            "the same as another worker, 300 learners x 15 questions",
            get(f"/teach/assignments/{world.half_questions}/analysis"),
            stored,
        ),
        Measurement("its CSV download", get(f"/teach/assignments/{world.full}/analysis.csv")),
        Measurement("computed ahead by the background worker, 300 x 30", ahead(world.full), forget_all),
        Measurement("item analysis computed (read + statistics), 300 x 30", compute(world.full)),
        Measurement("the read side alone (queries.itemanalysis.marks), 300 x 30", read(world.full)),
        Measurement("item analysis computed, 150 learners x 30 questions", compute(world.half_learners)),
        Measurement("item analysis computed, 300 learners x 15 questions", compute(world.half_questions)),
        Measurement("the statistics alone, 300 x 30", statistics_of(world.full)),
        Measurement("the statistics alone, 150 x 30", statistics_of(world.half_learners)),
        Measurement("the statistics alone, 300 x 15", statistics_of(world.half_questions)),
        Measurement("teacher's home (`GET /teach/`)", get("/teach/")),
        Measurement("teacher's home, as another worker (stored analyses)", get("/teach/"), stored),
    ]
    if world.grid_path:
        items.insert(4, Measurement("results grid, 300 learners x 20 assignments", get(world.grid_path)))
    return items


def run(rounds: int, batch: int, learners: int, assignments: int) -> tuple[list[Measurement], World]:
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="quizapp-teachers-"))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'teachers.sqlite'}", "SECRET_KEY": secrets.token_hex(32)}
    )
    app.instance_path = str(tmp / "instance")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        engine = db.engine
    world = seed(app, learners, assignments)
    counted = [0]
    event.listen(engine, "before_cursor_execute", lambda *a: counted.__setitem__(0, counted[0] + 1))
    items = measurements(app, world)
    for item in items:  # warm up: caches, compiled statements, templates
        item.prepare()
        item.run()
    for r in range(rounds):
        print(f"round {r + 1} of {rounds}…", file=sys.stderr)
        for item in items:
            for _ in range(batch):
                item.prepare()
                counted[0] = 0
                began = time.process_time()
                item.run()
                item.times.append(time.process_time() - began)
                item.statements.append(counted[0])
    return items, world


def report(items: list[Measurement], world: World, rounds: int, batch: int) -> str:
    base = statistics.median(items[0].times)
    lines = [f"\n{rounds} rounds of {batch} each, one process, Flask test client, SQLite (WAL)\n"]
    if world.grid_path is None:
        lines.append("(no results grid page in this app: not measured)\n")
    lines += ["| page or call | statements | CPU ms (median) | ratio to hello |", "| --- | ---: | ---: | ---: |"]
    for item in items:
        cpu = statistics.median(item.times)
        lines.append(
            f"| {item.name} | {statistics.median(item.statements):g} | {cpu * 1000:.2f} | **{cpu / base:.1f}** |"
        )
    by = {i.name: statistics.median(i.times) for i in items}
    full = by["item analysis computed (read + statistics), 300 x 30"]
    lines.append("")
    lines.append(
        f"- half the learners: {by['item analysis computed, 150 learners x 30 questions'] / full:.2f} of the time"
    )
    lines.append(
        f"- half the questions: {by['item analysis computed, 300 learners x 15 questions'] / full:.2f} of the time"
    )
    alone = by["the statistics alone, 300 x 30"]
    lines.append(f"- statistics alone, half the learners: {by['the statistics alone, 150 x 30'] / alone:.2f}")
    lines.append(f"- statistics alone, half the questions: {by['the statistics alone, 300 x 15'] / alone:.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of every measurement, interleaved")
    parser.add_argument("--batch", type=int, default=3, help="requests per measurement and round")
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--assignments", type=int, default=20)
    args = parser.parse_args()
    items, world = run(args.rounds, args.batch, args.learners, args.assignments)
    print(report(items, world, args.rounds, args.batch))


if __name__ == "__main__":
    main()
