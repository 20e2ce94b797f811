"""A class's results grid and CSV downloads for generated classes, in one process, as multiples of a bare Flask
"hello" request.

    .venv/bin/python benchmarks/class_results.py [--rounds 5] [--batch 3] [--learners 30,300] [--assignments 20]

A fresh SQLite database (WAL) with the answer benchmark's generated bank (30 quiz questions) and, for each
number of learners, a class of that many learners and ``--assignments`` assignments of all 30 questions, every
learner having finished one attempt at each, with an answer to every question: at 300 learners, 6,000 attempts
and 180,000 answers. The rows are bulk-inserted with Core, and the results summary the grid reads is rebuilt
from them. Then, with Flask's test client logged in as the class's teacher, times turn about, round after
round: hello, the grid (`/classes/<id>/results`, sorted by the first assignment: its first page) as a
worker that has worked it out before answers it, the same after one learner's attempt at one assignment
closed (their summary row written again through the operation that keeps it, then committed, before the
timed request), the same worked out afresh (everything the worker keeps forgotten first), its last page
sorted by the learners' means, the grid as CSV, the CSV of every response, and that CSV as far as its first
piece (it is streamed: the time to first byte). Each figure is the median of this process's CPU time per
request (SQLite runs in-process) and its ratio to hello's.
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

from sqlalchemy import event, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from answer_load import bank_source  # noqa: E402
from pages import CSRF, PASSWORD, hello  # noqa: E402

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
QUESTIONS = 30


@dataclass
class Measurement:
    name: str
    run: Callable[[], None]
    times: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    timed: bool = False  # times itself (into ``spent``), leaving out what it does before the request


def seed(app, sizes: list[int], assignments: int, rng: random.Random) -> tuple[dict[int, int], float]:
    """One class per size; returns {size: class id} and the seconds the bulk inserts took."""
    from quizapp.domain.banks import parse_bank
    from quizapp.extensions import db, passwords
    from quizapp.models import Answer, Assignment, Attempt, ClassMember, Question, QuestionRevision, User
    from quizapp.operations import classes as ops
    from quizapp.operations import create_user, import_bank
    from quizapp.operations.results import rebuild_results

    began = time.perf_counter()
    classes = {}
    with app.app_context():
        source = bank_source(QUESTIONS)
        import_bank(db.session, parse_bank(source, "load.yaml"), source, "load.yaml", NOW)
        teacher = create_user(db.session, "teacher", PASSWORD, "teacher", passwords=passwords(), now=NOW)
        revisions = db.session.execute(
            select(QuestionRevision.id, QuestionRevision.question_id)
            .join(Question, Question.id == QuestionRevision.question_id)
            .where(Question.type != "flashcard")
            .order_by(Question.id)
        ).all()[:QUESTIONS]
        hashed = passwords().hash(PASSWORD)
        for size in sizes:
            klass = ops.create_class(db.session, teacher, f"Class of {size}", None, "UTC", NOW)
            classes[size] = klass.id
            given = ops.AssignmentInput(
                "", NOW - dt.timedelta(days=30), NOW - dt.timedelta(days=1), None, banks=("load",), count=QUESTIONS
            )
            work = []
            for i in range(assignments):
                assignment = ops.create_assignment(db.session, teacher, klass, given, NOW)
                assignment.title = f"Week {i + 1}"
                work.append(assignment.id)
            rows = [
                {"username": f"c{size}-learner{i}", "password_hash": hashed, "role": "learner"} for i in range(size)
            ]
            user_ids = list(db.session.scalars(insert(User).returning(User.id), rows))
            db.session.execute(
                insert(ClassMember),
                [{"class_id": klass.id, "user_id": u, "role": "learner", "joined_at": NOW} for u in user_ids],
            )
            attempts = []
            for a in work:
                for u in user_ids:
                    started = NOW - dt.timedelta(days=2, minutes=rng.randrange(1000))
                    attempts.append(
                        {
                            "user_id": u,
                            "source": "custom",
                            "title": "Custom quiz",
                            "criteria": {"banks": {"load": 1}, "tags": [], "count": QUESTIONS},
                            "mode": "exam",
                            "seed": 1,
                            "question_revision_ids": [r.id for r in revisions],
                            "question_count": QUESTIONS,
                            "status": "finished",
                            "started_at": started,
                            "finished_at": started + dt.timedelta(minutes=20),
                            "score": 0.0,
                            "max_score": float(QUESTIONS),
                            "percent": round(rng.uniform(20, 100), 1),
                            "duration_seconds": 1200,
                            "assignment_id": a,
                        }
                    )
            attempt_ids = list(db.session.scalars(insert(Attempt).returning(Attempt.id), attempts))
            answers = [
                {
                    "attempt_id": attempt_id,
                    "user_id": attempts[k]["user_id"],
                    "position": p,
                    "question_id": r.question_id,
                    "question_revision_id": r.id,
                    "response": {"choice": ["a"]},
                    "points": float(rng.random() < 0.7),
                    "max_points": 1.0,
                    "correct": True,
                    "answered_at": attempts[k]["started_at"] + dt.timedelta(seconds=30 * p),
                    "time_spent_ms": 30_000,
                }
                for k, attempt_id in enumerate(attempt_ids)
                for p, r in enumerate(revisions, 1)
            ]
            for start in range(0, len(answers), 20_000):
                db.session.execute(insert(Answer), answers[start : start + 20_000])
            rebuild_results(db.session, work)  # as closing the attempts would have kept it
            db.session.commit()
        assert db.session.scalar(select(Assignment.id).limit(1)) is not None
    return classes, time.perf_counter() - began


def run(rounds: int, batch: int, sizes: list[int], assignments: int) -> tuple[list[Measurement], float]:
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="quizapp-classes-"))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'classes.sqlite'}", "SECRET_KEY": secrets.token_hex(32)}
    )
    app.instance_path = str(tmp / "instance")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        engine = db.engine
    classes, seconds = seed(app, sizes, assignments, random.Random(7))
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"login": "teacher", "password": PASSWORD, "csrf_token": CSRF.search(page).group(1)}
    )
    assert response.status_code == 302

    def get(path: str) -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        response.get_data()

    def first_piece(path: str) -> None:
        """As far as the first piece of a streamed download (the header line): its time to first byte."""
        response = client.get(path, buffered=False)
        assert response.status_code == 200, (path, response.status_code)
        next(iter(response.response))
        response.close()

    spent = [0.0]

    def one_closed(class_id: int, path: str) -> None:
        """As after one learner's attempt at one assignment closed: that learner's summary row for the class's
        first assignment written again from their attempts, through the operation that keeps it, and committed
        (outside the time: a different request), then the grid."""
        from quizapp.operations.results import update_result

        with app.app_context():
            update_result(db.session, first[class_id], learner[class_id])
            db.session.commit()
        counted[0] = 0
        began = time.process_time()
        get(path)
        spent[0] = time.process_time() - began

    def afresh(path: str) -> None:
        from quizapp.classes import grid
        from quizapp.queries.classes import forget_grids

        forget_grids()
        grid.forget()
        get(path)

    hello_client = hello.test_client()
    items = [Measurement("bare Flask hello (`GET /`) — the baseline", lambda: hello_client.get("/"))]
    with app.app_context():
        from quizapp.models import ClassMember
        from quizapp.queries.classes import PER_PAGE, assignments_of

        first = {c: assignments_of(db.session, c)[0].id for c in classes.values()}
        learner = {
            c: db.session.scalar(
                select(ClassMember.user_id).where(ClassMember.class_id == c, ClassMember.role == "learner").limit(1)
            )
            for c in classes.values()
        }
    for size, class_id in classes.items():
        base = f"/classes/{class_id}"
        items += [
            Measurement(f"{size} learners: the grid", lambda p=f"{base}/results?sort=a{first[class_id]}": get(p)),
            Measurement(
                f"{size} learners: the grid after one learner's attempt at one assignment closed",
                lambda c=class_id, p=f"{base}/results?sort=a{first[class_id]}": one_closed(c, p),
                timed=True,
            ),
            Measurement(
                f"{size} learners: the grid, worked out afresh",
                lambda p=f"{base}/results?sort=a{first[class_id]}": afresh(p),
            ),
            Measurement(
                f"{size} learners: the grid's last page, by mean",
                lambda p=f"{base}/results?sort=mean&order=desc&page={-(-size // PER_PAGE)}": get(p),
            ),
            Measurement(f"{size} learners: the grid as CSV", lambda p=f"{base}/export?table=grid": get(p)),
            Measurement(f"{size} learners: every response as CSV", lambda p=f"{base}/export?table=responses": get(p)),
            Measurement(
                f"{size} learners: every response as CSV, to its first byte",
                lambda p=f"{base}/export?table=responses": first_piece(p),
            ),
        ]
    counted = [0]
    event.listen(engine, "before_cursor_execute", lambda *a: counted.__setitem__(0, counted[0] + 1))
    for item in items:  # warm up: caches, compiled statements, templates
        item.run()
    for r in range(rounds):
        print(f"round {r + 1} of {rounds}…", file=sys.stderr)
        for item in items:
            for _ in range(batch):
                counted[0] = 0
                began = time.process_time()
                item.run()
                item.times.append(spent[0] if item.timed else time.process_time() - began)
                item.statements.append(counted[0])
    return items, seconds


def report(items: list[Measurement], rounds: int, batch: int, assignments: int, seconds: float) -> str:
    base = statistics.median(items[0].times)
    lines = [
        f"\n{rounds} rounds of {batch} requests each, {assignments} assignments of {QUESTIONS} questions, one process,"
        f" Flask test client, SQLite (WAL); seeding took {seconds:.0f} s\n",
        "| page | statements | CPU ms (median) | ratio to hello |",
        "| --- | ---: | ---: | ---: |",
    ]
    for item in items:
        median = statistics.median(item.times)
        statements = statistics.median(item.statements or [0])
        lines.append(
            f"| {item.name} | {statements:g} | {median * 1000:.2f} | {median / base:.1f}× |"  # noqa: RUF001
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=3)
    parser.add_argument("--learners", default="30,300", help="comma-separated class sizes")
    parser.add_argument("--assignments", type=int, default=20)
    args = parser.parse_args()
    sizes = [int(s) for s in args.learners.split(",")]
    items, seconds = run(args.rounds, args.batch, sizes, args.assignments)
    print(report(items, args.rounds, args.batch, args.assignments, seconds))


if __name__ == "__main__":
    main()
