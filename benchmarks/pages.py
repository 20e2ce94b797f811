"""Every learner page and action, in one process, as a multiple of a bare Flask "hello" request.

Seeds a fresh SQLite database (WAL) in a temporary folder with the banks in questions/, a generated bank of
every quiz type (benchmarks/answer_load.py's) and a generated flashcard bank, and one learner with some
history: finished attempts, an exam in progress, a deck with reviews. Then, with Flask's test client (no
HTTP server: what is measured is the server's own time for a request), times each page and action:

  hello        GET / of a bare Flask app defined here — the baseline
  no-op        GET and POST of a view that does nothing, behind login: the framework's floor (session
               cookie, the session's user, CSRF on the POST)
  the pages    banks, a bank, quizzes, a question, answering (POST), results, history, decks, the study
               page (and its ``fragment=1`` part), reveal (the answer page), grade (POST), settings, account
  card step    reveal + grade + the next card (``fragment=1``, as cards.js asks), timed as one

Measurements take turns, round after round, so background noise meets all alike; each figure is the median
of every request's time over all rounds, and its ratio to hello's median. The time is this process's CPU
time (the server's work; SQLite runs in-process and, in WAL mode, rarely waits for the disk), which other
work on a shared machine disturbs far less than the wall-clock time, also shown. "SQL" is the number of statements
one request runs (counted with a SQLAlchemy event).

Usage: python benchmarks/pages.py [--rounds 15] [--batch 20] [--only NAME] [--low] [--cold] [--profile NAME [--top 40]]

``--cold`` times each measurement twice, turn about: as it is, and with what each worker keeps for a
learner (closed attempts' graded answers) emptied before each request.

``--profile NAME`` runs only the measurements whose name contains NAME (and hello), under cProfile, and prints
the functions that took the most time (cumulative and own), to see where a page's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import event, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from answer_load import ANSWERS, bank_source  # noqa: E402
from grade_load import flashcard_bank  # noqa: E402

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FIELD = re.compile(r'<input[^>]*name="(card|version|token|shown)"[^>]*value="([^"]*)"')
CARD = re.compile(r'data-card="(\d+)"')

hello = Flask("hello")


@hello.get("/")
def hello_page() -> str:
    return "hello"


@dataclass
class World:
    """What the seeding made: ids the pages need."""

    bank_slug: str
    exam_id: int  # an exam in progress, every question answered in turn
    exam_forms: list[tuple[dict, dict]]  # (right, wrong) per position
    finished_id: int  # a finished attempt, for its results
    deck_id: int


def seed(app) -> World:
    """Import the banks, make a learner with history: finished attempts, an exam in progress, a deck with reviews."""
    import datetime as dt

    from quizapp.domain import scheduling
    from quizapp.domain.banks import parse_bank, parse_package
    from quizapp.domain.packages import read_folder
    from quizapp.extensions import db, passwords
    from quizapp.models import Bank, Card, Question, QuestionRevision, utcnow
    from quizapp.operations import create_user, import_bank, import_package
    from quizapp.operations.cards import create_deck, grade, save_settings
    from quizapp.operations.quizzes import BankQuiz, finish_attempt, save_answer, start_attempt

    with app.app_context():
        for path in sorted((ROOT / "questions").glob("*.yaml")):
            source = path.read_bytes()
            import_bank(db.session, parse_bank(source, path.name), source, path.name, utcnow())
        for path in sorted((ROOT / "questions").glob("*/bank.yaml")):  # banks with images: bank.yaml and media/
            package = read_folder(path.parent)
            import_package(db.session, package, utcnow(), parse_package(package))
        for name, source in (("load.yaml", bank_source(200)), ("bench.yaml", flashcard_bank(2000))):
            import_bank(db.session, parse_bank(source, name), source, name, utcnow())
        db.session.commit()

        user = create_user(db.session, "learner", PASSWORD, "learner", passwords=passwords(), now=utcnow())
        save_settings(db.session, user, scheduling.Settings(new_per_day=9999, reviews_per_day=9999), utcnow())
        now = utcnow()
        start = now - dt.timedelta(days=10)
        finished = []
        for day, (slug, quiz) in enumerate(
            [(b.slug, q["id"]) for b in db.session.scalars(select(Bank).order_by(Bank.slug)) for q in _quizzes(b)][:12]
        ):
            when = start + dt.timedelta(days=day % 9, hours=day)
            attempt = start_attempt(db.session, user, BankQuiz(slug, quiz), when, seed=day)
            for position in range(1, attempt.question_count + 1, 2):  # half answered (blank: wrong)
                try:
                    save_answer(db.session, user.id, attempt.id, position, {}, when + dt.timedelta(seconds=position))
                except Exception:
                    break
            finish_attempt(db.session, attempt, when + dt.timedelta(minutes=10))
            finished.append(attempt.id)
        exam = start_attempt(db.session, user, BankQuiz("load", "everything"), now, seed=1)
        keys = dict(
            db.session.execute(
                select(QuestionRevision.id, Question.key).join(Question, QuestionRevision.question_id == Question.id)
            ).all()
        )
        forms = [ANSWERS[keys[rid].rsplit("-", 1)[0]] for rid in exam.question_revision_ids]

        bench = db.session.scalars(select(Bank).where(Bank.slug == "bench")).one()
        deck = create_deck(db.session, user, bench.id, [], now)
        cards = db.session.scalars(select(Card).where(Card.bank_id == bench.id).order_by(Card.id).limit(300)).all()
        for i, card in enumerate(cards):  # reviews over the last days
            when = now - dt.timedelta(days=9 - i % 9, minutes=i)
            grade(db.session, user, card, 3 if i % 4 else 1, when, token=secrets.token_urlsafe(12), version=None)
        db.session.commit()
        world = World("ms-foundations", exam.id, forms, finished[-1], deck.id)
        db.engine.dispose()
        return world


def _quizzes(bank) -> list[dict]:
    from quizapp.extensions import db
    from quizapp.models import BankVersion

    version = db.session.scalars(
        select(BankVersion).where(BankVersion.bank_id == bank.id, BankVersion.number == bank.version_number)
    ).one()
    return version.quizzes or []


@dataclass
class Measurement:
    name: str
    run: Callable[[], None]  # one request (or one step of several), checked
    before: Callable[[], None] | None = None  # untimed preparation for each run
    times: list[float] = field(default_factory=list)  # seconds of this process's CPU time
    walls: list[float] = field(default_factory=list)  # seconds of wall-clock time
    statements: list[int] = field(default_factory=list)


class Learner:
    """A logged-in test client, and the state the actions carry from one request to the next."""

    def __init__(self, app, world: World):
        self.client = app.test_client()
        self.world = world
        page = self.client.get("/login")
        token = CSRF.search(page.get_data(as_text=True)).group(1)
        response = self.client.post("/login", data={"login": "learner", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.status_code
        self.token = CSRF.search(self.get("/account")).group(1)
        self.position, self.lap = 1, 0
        self.card = self._card(self.get(f"/study/{world.deck_id}?fragment=1"))
        self.pending: dict[str, str] = {}  # a reveal's form fields, for the grade measured alone

    def get(self, path: str, status: int = 200) -> str:
        response = self.client.get(path)
        assert response.status_code == status, (path, response.status_code)
        return response.get_data(as_text=True)

    def post(self, path: str, data: dict, status: int = 303) -> str:
        response = self.client.post(path, data={"csrf_token": self.token, **data})
        assert response.status_code == status, (path, response.status_code, response.get_data(as_text=True)[:500])
        return response.headers.get("Location", "")

    def answer(self) -> None:
        """Answer the exam's next question, right on even passes and wrong on odd ones (then it replaces)."""
        form = self.world.exam_forms[self.position - 1][self.lap % 2]
        self.post(f"/attempts/{self.world.exam_id}/questions/{self.position}", {"go": "next", **form})
        self.position += 1
        if self.position > len(self.world.exam_forms):
            self.position, self.lap = 1, self.lap + 1

    def reveal(self) -> dict[str, str]:
        page = self.get(f"/study/{self.world.deck_id}/answer?card={self.card}&shown=1&fragment=1")
        return dict(FIELD.findall(page))

    def grade(self, fields: dict[str, str] | None = None) -> str:
        fields = fields or self.reveal_fields()
        return self.post(f"/study/{self.world.deck_id}/grade", {**fields, "rating": "3", "fragment": "1"})

    def reveal_fields(self) -> dict[str, str]:
        return {**self.reveal(), "token": secrets.token_urlsafe(18)}

    def step(self) -> None:
        """Reveal, grade Good, and load the next card as cards.js does."""
        location = self.grade(self.reveal())
        self.card = self._card(self.get(location))

    def _card(self, html: str) -> int:
        found = CARD.search(html)
        assert found, "no card to study"
        return int(found.group(1))


def measurements(app, learner: Learner, world: World) -> list[Measurement]:
    hello_client = hello.test_client()
    exam = f"/attempts/{world.exam_id}"

    def hello_get() -> None:
        assert hello_client.get("/").status_code == 200

    return [
        Measurement("bare Flask hello (`GET /`) — the baseline", hello_get),
        Measurement("logged-in no-op (`GET`)", lambda: learner.get("/_noop")),
        Measurement("logged-in no-op (`POST`, CSRF checked)", lambda: learner.post("/_noop", {}, 200)),
        Measurement("banks (`/`)", lambda: learner.get("/")),
        Measurement("a bank (`/banks/ms-foundations`)", lambda: learner.get(f"/banks/{world.bank_slug}")),
        Measurement("quizzes (`/quizzes`)", lambda: learner.get("/quizzes")),
        Measurement("a question page", lambda: learner.get(f"{exam}/questions/{learner.position}")),
        Measurement("answer a question (`POST` → 303)", learner.answer),
        Measurement("results", lambda: learner.get(f"/attempts/{world.finished_id}/results")),
        Measurement("history (`/history`)", lambda: learner.get("/history")),
        Measurement("decks (`/decks`)", lambda: learner.get("/decks")),
        Measurement("study page", lambda: learner.get(f"/study/{world.deck_id}")),
        Measurement("study page, `fragment=1`", lambda: learner.get(f"/study/{world.deck_id}?fragment=1")),
        Measurement("reveal (answer page, `fragment=1`)", learner.reveal),
        Measurement("grade (`POST` → 303)", lambda: _grade_once(learner, world), lambda: _before_grade(learner, world)),
        Measurement("settings (`/settings/scheduler`)", lambda: learner.get("/settings/scheduler")),
        Measurement("account (`/account`)", lambda: learner.get("/account")),
        Measurement("card step: reveal + grade + next card", learner.step),
    ]


def _grade_once(learner: Learner, world: World) -> None:
    learner.post(f"/study/{world.deck_id}/grade", {**learner.pending, "rating": "3", "fragment": "1"})


def _before_grade(learner: Learner, world: World) -> None:
    """The card due now and its reveal, untimed: the grade's form fields."""
    learner.card = learner._card(learner.get(f"/study/{world.deck_id}?fragment=1"))
    learner.pending = learner.reveal_fields()


def run(
    rounds: int,
    batch: int,
    only: str | None = None,
    profiler: cProfile.Profile | None = None,
    cold: bool = False,
) -> tuple[list[Measurement], World]:
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.access import login_required
    from quizapp.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="quizapp-pages-"))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'pages.sqlite'}", "SECRET_KEY": secrets.token_hex(32)}
    )
    app.instance_path = str(tmp / "instance")

    @login_required
    def noop() -> str:
        return "ok"

    app.add_url_rule("/_noop", "noop", noop, methods=["GET", "POST"])
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        engine = db.engine
    print("seeding…", file=sys.stderr)
    world = seed(app)
    learner = Learner(app, world)
    counted = [0]
    event.listen(engine, "before_cursor_execute", lambda *a: counted.__setitem__(0, counted[0] + 1))
    items = measurements(app, learner, world)
    if only is not None:
        items = [items[0], *(item for item in items[1:] if only in item.name)]
    if cold:
        items = [items[0], *(twin for item in items[1:] for twin in (item, _cold(item)))]
    for item in items:  # warm up: caches, compiled statements, templates
        for _ in range(3):
            _timed(item, counted, record=False)
    if profiler is not None:
        profiler.enable()
    for r in range(rounds):
        print(f"round {r + 1} of {rounds}…", file=sys.stderr)
        for item in items:
            for _ in range(batch):
                _timed(item, counted)
    if profiler is not None:
        profiler.disable()
    return items, world


def _cold(item: Measurement) -> Measurement:
    """``item`` with what each worker keeps across requests for a learner (closed attempts' graded answers)
    emptied before each run, untimed: the same code as before it kept them, in the same process."""
    from quizapp.queries import quizzes

    def before() -> None:
        if item.before is not None:
            item.before()
        quizzes._closed_results.clear()

    return Measurement(f"{item.name} (nothing kept)", item.run, before)


def _timed(item: Measurement, counted: list[int], record: bool = True) -> None:
    if item.before is not None:
        item.before()
    counted[0] = 0
    began, cpu = time.perf_counter(), time.process_time()
    item.run()
    took, wall = time.process_time() - cpu, time.perf_counter() - began
    if record:
        item.times.append(took)
        item.walls.append(wall)
        item.statements.append(counted[0])


def report(items: list[Measurement], rounds: int, batch: int, low: bool = False) -> str:
    """The table; with ``low``, each figure is the 10th percentile instead of the median (steadier when
    comparing two versions on a busy machine)."""
    median = _low if low else statistics.median
    base = median(items[0].times)
    lines = [
        f"\n{rounds} rounds of {batch} requests each, one process, Flask test client, SQLite (WAL)\n",
        "| page or action | CPU ms (median) | ratio to hello | wall ms (median) | wall ratio | SQL statements |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    wall_base = median(items[0].walls)
    for item in items:
        cpu, wall = median(item.times), median(item.walls)
        sql = statistics.median(item.statements) if item.statements else 0
        lines.append(
            f"| {item.name} | {cpu * 1000:.2f} | **{cpu / base:.1f}** | {wall * 1000:.2f} "
            f"| {wall / wall_base:.1f} | {sql:g} |"
        )
    return "\n".join(lines)


def _low(values: list[float]) -> float:
    return sorted(values)[len(values) // 10]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="rounds of every measurement, interleaved")
    parser.add_argument("--batch", type=int, default=20, help="requests per measurement and round")
    parser.add_argument("--only", metavar="NAME", help="run only the measurements whose name contains NAME")
    parser.add_argument("--low", action="store_true", help="report the 10th percentile instead of the median")
    parser.add_argument("--profile", metavar="NAME", help="profile the measurements whose name contains NAME")
    parser.add_argument("--cold", action="store_true", help="time each also with nothing kept for the learner")
    parser.add_argument("--top", type=int, default=40, help="functions to list when profiling")
    args = parser.parse_args()
    if args.profile is None:
        items, _ = run(args.rounds, args.batch, args.only, cold=args.cold)
        print(report(items, args.rounds, args.batch, args.low))
        return
    profiler = cProfile.Profile()
    items, _ = run(args.rounds, args.batch, args.profile, profiler)
    print(report(items, args.rounds, args.batch))
    for order in ("cumulative", "tottime"):
        pstats.Stats(profiler).strip_dirs().sort_stats(order).print_stats(args.top)


if __name__ == "__main__":
    main()
