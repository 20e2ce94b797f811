"""The statistics page (and the home page's summary) for a learner with 10,000 reviews and with 1,000,000, in
one process, as multiples of a bare Flask "hello" request.

Seeds a fresh SQLite database (WAL) in a temporary folder with two generated flashcard banks (2,000 and 20,000
cards, ten tags between them) and a generated quiz bank, and three learners:

  10k      10,000 reviews over the last year, of 2,000 cards
  1M       1,000,000 reviews over the last three years, of the same 2,000 cards: only the log is bigger
  1M, 20k  1,000,000 reviews over three years, of 20,000 cards: the log and the cards seen are bigger

The reviews are written with bulk Core inserts (each with the card's state before and after, as a grade
leaves them), and each card's state as its last review left it; then the learner's summaries are rebuilt from
the log (``quizapp.operations.activity.rebuild``, timed). Each learner also finishes quizzes through the
same operations as the quiz pages (30, 300 and 300 of them, ten questions each).

Then, with Flask's test client, times turn about, round after round: hello, the statistics page (the last
month, the last year, all time, and one bank and tag), the home page's summary (``home_summary``, called
directly: it is what the home page adds to a page), and ``GET /`` logged in. Each figure is the median of
this process's CPU time per request (SQLite runs in-process) and its ratio to hello's.

Usage: python benchmarks/stats_pages.py [--rounds 10] [--batch 10] [--small 10000] [--large 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from answer_load import ANSWERS, bank_source  # noqa: E402
from grade_load import flashcard_bank  # noqa: E402
from pages import CSRF, PASSWORD, hello  # noqa: E402

DAY = 86_400
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def snapshot(state: int, stability: float, difficulty: float, due: dt.datetime, last: dt.datetime) -> dict:
    """A card's py-fsrs state as a review row keeps it (before and after the grade)."""
    return {
        "state": state,
        "step": None,
        "stability": stability,
        "difficulty": difficulty,
        "due": due.isoformat(),
        "last_review": last.isoformat(),
    }


def generated_reviews(user_id: int, card_ids: list[int], total: int, days: int, rng: random.Random):
    """``total`` reviews of ``card_ids`` spread over the last ``days`` days, as a learner who studies most days
    would leave them: each card's first review (new), a learning step, then reviews at growing intervals
    (shorter after an Again, which sends it to relearning). Yields (review row, last state) per card."""
    per_card = total // len(card_ids)
    extra = total - per_card * len(card_ids)
    start = NOW - dt.timedelta(days=days)
    rows, states = [], []
    for k, card_id in enumerate(card_ids):
        n = per_card + (1 if k < extra else 0)
        # Spread the card's reviews over the span: the gaps grow, then level off at the span's scale.
        gaps = [min(2.0**i, 60.0) for i in range(n)]
        scale = days * 0.95 / sum(gaps) if sum(gaps) else 1.0
        when = start + dt.timedelta(seconds=rng.randrange(int(days * 0.05 * DAY) or 1))
        state, last, interval, stability, difficulty = 0, None, 0.0, 0.5, rng.uniform(2, 8)
        for i in range(n):
            rating = 1 if rng.random() < 0.1 else rng.choice((2, 3, 3, 3, 4))
            before = None
            if last is not None:
                before = snapshot(state, stability, difficulty, last + dt.timedelta(days=interval), last)
            state_before = state
            if rating == 1:
                state, interval, stability = (3 if state == 2 else 1), 10 / 1440, max(0.2, stability * 0.4)
            else:
                state = 2 if state in (1, 2, 3) or rating == 4 else 1
                interval = max(1.0, gaps[i] * scale) if state == 2 else 10 / 1440
                stability = max(stability, interval)
            after = snapshot(state, stability, difficulty, when + dt.timedelta(days=interval), when)
            rows.append(
                {
                    "user_id": user_id,
                    "card_id": card_id,
                    "rating": rating,
                    "reviewed_at": when.strftime("%Y-%m-%d %H:%M:%S.000000"),
                    "duration_ms": rng.randrange(2_000, 20_000),
                    "state_before": state_before,
                    "state_after": state,
                    "before": json.dumps(before) if before else None,
                    "after": json.dumps(after),
                    "source": "import",
                    "token": f"bench-{user_id}-{card_id}-{i}",
                }
            )
            last = when
            gap = gaps[i + 1] * scale if i + 1 < n else 0
            when = min(NOW - dt.timedelta(minutes=5), when + dt.timedelta(days=gap, seconds=rng.randrange(3600)))
            if len(rows) >= 50_000:
                yield rows, []
                rows = []
        states.append(
            {
                "user_id": user_id,
                "card_id": card_id,
                "state": state,
                "step": None if state == 2 else 0,
                "stability": stability,
                "difficulty": difficulty,
                "due": (last + dt.timedelta(days=interval)).strftime("%Y-%m-%d %H:%M:%S.000000"),
                "last_review": last.strftime("%Y-%m-%d %H:%M:%S.000000"),
                "version": n,
            }
        )
    yield rows, states


@dataclass
class Learner:
    name: str
    login: str
    reviews: int
    days: int
    bank: str
    cards: int
    quizzes: int
    user_id: int = 0
    rebuild_seconds: float = 0.0
    summary_rows: int = 0
    client: object = None
    token: str = ""


def seed(app, learners: list[Learner], rng: random.Random) -> None:
    from quizapp.domain import scheduling
    from quizapp.domain.banks import parse_bank
    from quizapp.extensions import db, passwords
    from quizapp.models import ActivityDay, Card, Question, QuestionRevision, User
    from quizapp.operations import activity, create_user, import_bank
    from quizapp.operations.cards import create_deck, save_settings
    from quizapp.operations.quizzes import CustomQuiz, finish_attempt, save_answer, start_attempt

    # The tables as plain columns: the JSON and times go in as the text the app's types would write.
    review_columns = "user_id card_id rating reviewed_at duration_ms state_before state_after before after source token"
    reviews = sa.table("reviews", *(sa.column(c) for c in review_columns.split()))
    state_columns = "user_id card_id state step stability difficulty due last_review version"
    states = sa.table("card_states", *(sa.column(c) for c in state_columns.split()))
    with app.app_context():
        sources = {"bench2k": flashcard_bank(2_000, "bench2k"), "bench20k": flashcard_bank(20_000, "bench20k")}
        sources["load"] = bank_source(200)
        for name, source in sources.items():
            import_bank(db.session, parse_bank(source, f"{name}.yaml"), source, f"{name}.yaml", NOW)
        db.session.commit()
        keys = dict(
            db.session.execute(
                select(QuestionRevision.id, Question.key).join(Question, QuestionRevision.question_id == Question.id)
            ).all()
        )
        for learner in learners:
            print(f"seeding {learner.name}…", file=sys.stderr)
            user = create_user(db.session, learner.login, PASSWORD, "learner", passwords=passwords(), now=NOW)
            save_settings(db.session, user, scheduling.Settings(timezone="Europe/London"), NOW)
            bank_id = db.session.scalar(sa.text("SELECT id FROM banks WHERE slug = :s"), {"s": learner.bank})
            create_deck(db.session, user, bank_id, [], NOW - dt.timedelta(days=learner.days))
            cards = db.session.scalars(select(Card.id).where(Card.bank_id == bank_id).order_by(Card.id)).all()
            learner.user_id = user.id
            for rows, last_states in generated_reviews(
                user.id, cards[: learner.cards], learner.reviews, learner.days, rng
            ):
                if rows:
                    db.session.execute(reviews.insert(), rows)
                if last_states:
                    db.session.execute(states.insert(), last_states)
            db.session.commit()
            for q in range(learner.quizzes):  # through the quiz pages' operations, on days spread over the span
                when = NOW - dt.timedelta(days=learner.days * (learner.quizzes - q) / learner.quizzes, hours=1)
                spec = CustomQuiz(["load"], count=10, mode="practice" if q % 2 else "exam")
                attempt = start_attempt(db.session, user, spec, when, seed=q)
                for position, revision_id in enumerate(attempt.question_revision_ids, start=1):
                    form = ANSWERS[keys[revision_id].rsplit("-", 1)[0]][(q + position) % 2]
                    save_answer(db.session, user.id, attempt.id, position, form, when + dt.timedelta(seconds=position))
                db.session.refresh(attempt)
                if attempt.in_progress:
                    finish_attempt(db.session, attempt, when + dt.timedelta(minutes=10))
            db.session.commit()
            user = db.session.get(User, user.id)
            began = time.perf_counter()
            activity.rebuild(db.session, user.id, scheduling.Settings(timezone="Europe/London"))
            db.session.commit()
            learner.rebuild_seconds = time.perf_counter() - began
            learner.summary_rows = db.session.scalar(
                select(sa.func.count()).select_from(ActivityDay).where(ActivityDay.user_id == user.id)
            )
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()


@dataclass
class Measurement:
    name: str
    run: object
    times: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)


def measurements(app, learners: list[Learner]) -> list[Measurement]:
    from quizapp.extensions import db
    from quizapp.queries import stats as stats_queries
    from quizapp.queries.cards import settings_of

    hello_client = hello.test_client()
    items = [Measurement("bare Flask hello (`GET /`) — the baseline", lambda: hello_client.get("/"))]
    for learner in learners:
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        response = client.post(
            "/login", data={"login": learner.login, "password": PASSWORD, "csrf_token": CSRF.search(page).group(1)}
        )
        assert response.status_code == 302, response.status_code

        def get(path: str, client=client) -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            response.get_data()

        def summary(learner=learner) -> None:
            with app.app_context():
                settings = settings_of(db.session, learner.user_id)
                stats_queries.home_summary(db.session, learner.user_id, settings, NOW)
                db.session.rollback()

        slug, tag = learner.bank, "t3"
        items += [
            Measurement(f"{learner.name}: statistics, the last month (`/stats`)", lambda get=get: get("/stats")),
            Measurement(f"{learner.name}: statistics, the last year", lambda get=get: get("/stats?period=1y")),
            Measurement(f"{learner.name}: statistics, all time", lambda get=get: get("/stats?period=all")),
            Measurement(
                f"{learner.name}: statistics, one bank and tag, all time",
                lambda get=get, slug=slug, tag=tag: get(f"/stats?scope=bank-{slug}&tag={tag}&period=all"),
            ),
            Measurement(f"{learner.name}: the home page's summary (`home_summary`)", summary),
            Measurement(f"{learner.name}: `GET /` logged in", lambda get=get: get("/")),
        ]
    return items


def run(rounds: int, batch: int, learners: list[Learner]) -> list[Measurement]:
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="quizapp-stats-"))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'stats.sqlite'}", "SECRET_KEY": secrets.token_hex(32)}
    )
    app.instance_path = str(tmp / "instance")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        engine = db.engine
    seed(app, learners, random.Random(11))
    counted = [0]
    event.listen(engine, "before_cursor_execute", lambda *a: counted.__setitem__(0, counted[0] + 1))
    items = measurements(app, learners)
    for item in items:  # warm up: caches, compiled statements, templates
        for _ in range(3):
            item.run()
    for r in range(rounds):
        print(f"round {r + 1} of {rounds}…", file=sys.stderr)
        for item in items:
            for _ in range(batch):
                counted[0] = 0
                began = time.process_time()
                item.run()
                item.times.append(time.process_time() - began)
                item.statements.append(counted[0])
    return items


def report(items: list[Measurement], learners: list[Learner], rounds: int, batch: int) -> str:
    base = statistics.median(items[0].times)
    lines = [f"\n{rounds} rounds of {batch} requests each, one process, Flask test client, SQLite (WAL)\n"]
    lines += [
        "| learner | reviews | days | cards seen | summary rows (days) | rebuild s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {lr.name} | {lr.reviews:,} | {lr.days} | {lr.cards:,} | {lr.summary_rows:,} | {lr.rebuild_seconds:.1f} |"
        for lr in learners
    ]
    lines += ["", "| page or call | statements | CPU ms (median) | ratio to hello |", "| --- | ---: | ---: | ---: |"]
    for item in items:
        cpu = statistics.median(item.times)
        lines.append(
            f"| {item.name} | {statistics.median(item.statements):g} | {cpu * 1000:.2f} | **{cpu / base:.1f}** |"
        )
    small = {
        i.name.split(": ", 1)[1]: statistics.median(i.times) for i in items if i.name.startswith(learners[0].name + ":")
    }
    for learner in learners[1:]:
        lines.append(f"\n{learner.name} against {learners[0].name}:")
        for item in items:
            if item.name.startswith(learner.name + ":"):
                what = item.name.split(": ", 1)[1]
                lines.append(f"- {what}: {statistics.median(item.times) / small[what]:.2f} times")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="rounds of every measurement, interleaved")
    parser.add_argument("--batch", type=int, default=10, help="requests per measurement and round")
    parser.add_argument("--small", type=int, default=10_000, help="reviews of the first learner")
    parser.add_argument("--large", type=int, default=1_000_000, help="reviews of the other two")
    args = parser.parse_args()
    learners = [
        Learner("10k", "small", args.small, 365, "bench2k", 2_000, 30),
        Learner("1M", "large", args.large, 3 * 365, "bench2k", 2_000, 300),
        Learner("1M, 20k cards", "wide", args.large, 3 * 365, "bench20k", 20_000, 300),
    ]
    items = run(args.rounds, args.batch, learners)
    print(report(items, learners, args.rounds, args.batch))


if __name__ == "__main__":
    main()
