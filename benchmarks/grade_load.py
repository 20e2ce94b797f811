"""Flashcard grading under load, and how the "next due card" query scales with the review log.

Part 1 — grading through gunicorn (2 workers, a free 127.0.0.1 port, a temporary SQLite database): each of
C concurrent learners (own account, own deck of a generated bank) reveals a card, then posts a grade and
follows the redirect to the next card, as cards.js does. The timed operation is "POST grade -> next card"
(two requests); throughput counts completed grades per second over the whole run (each grade also needs
the untimed reveal). A bare hello app, served by gunicorn the same way in the same run with the same
concurrency, is the baseline.

Part 2 — "next due card" for one learner when the database holds 1,000 reviews, then 1,000,000 (bulk
inserted for other learners), and for a learner who has 1,000,000 reviews of their own: the index walk
alone and the whole study-page queue (counts and daily limits included), median of repeated runs, with
SQLite's EXPLAIN QUERY PLAN of the due query.

Usage: python benchmarks/grade_load.py [--concurrency 8] [--seconds 20] [--reviews 1000000] [--skip-load]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
INPUT = re.compile(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"')
PASSWORD = "benchmark horse battery staple"


def make_hello():
    """The baseline: the smallest Flask app gunicorn can serve."""
    from flask import Flask

    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "Hello")
    return hello


# --- part 1: grading under load ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app_spec: str, env: dict, chdir: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(chdir), app_spec],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn did not start for {app_spec}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


class Browser:
    """One learner's cookie jar over a keep-alive connection."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, dict(response.getheaders()), text

    def log_in(self, login: str) -> None:
        _, _, html = self.request("GET", "/login")
        status, _, _ = self.request(
            "POST", "/login", {"csrf_token": CSRF.search(html).group(1), "login": login, "password": PASSWORD}
        )
        assert status == 302, status


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99)}


def run_hello(port: int, concurrency: int, seconds: float) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            conn.request("GET", "/")
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"requests_per_s": len(latencies) / elapsed, **percentiles(latencies), "requests": len(latencies)}


def run_grading(port: int, decks: dict[str, int], seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    browsers = {}
    for login in decks:
        browser = Browser(port)
        browser.log_in(login)
        browsers[login] = browser
    stop_at = time.monotonic() + seconds
    rng = random.Random(7)
    ratings = [rng.choice("1234") for _ in range(100_000)]

    def worker(login: str) -> None:
        browser, deck = browsers[login], decks[login]
        mine = []
        _, _, page = browser.request("GET", f"/study/{deck}?fragment=1")
        k = 0
        while time.monotonic() < stop_at:
            reveal = dict(INPUT.findall(page[page.index('class="reveal"') :]))
            _, _, answer = browser.request("GET", f"/study/{deck}/answer?{urlencode(reveal)}&fragment=1")
            form = dict(INPUT.findall(answer[answer.index('class="grades"') :]))
            start = time.perf_counter()
            status, headers, _ = browser.request(
                "POST", f"/study/{deck}/grade", {**form, "rating": ratings[k % len(ratings)], "fragment": "1"}
            )
            if status != 303:
                with lock:
                    errors.append(f"grade: {status}")
                break
            status, _, page = browser.request("GET", headers["Location"])
            mine.append(time.perf_counter() - start)
            k += 1
            if status != 200 or 'class="reveal"' not in page:
                with lock:
                    errors.append(f"next card: {status}")
                break
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(login,)) for login in decks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"grading failed: {errors[:5]}")
    return {
        "grades_per_s": len(latencies) / elapsed,
        "requests_per_s": 3 * len(latencies) / elapsed,
        **percentiles(latencies),
        "grades": len(latencies),
    }


def flashcard_bank(n: int, bank_id: str = "bench") -> bytes:
    questions = "".join(
        f'\n  - {{id: c{i}, type: flashcard, front: "Card {i}: which cell myelinates CNS axons?", '
        f'back: "The oligodendrocyte ({i}).", tags: [t{i % 10}]}}'
        for i in range(n)
    )
    return (
        f'format: 1\nid: {bank_id}\ntitle: "Benchmark"\ndescription: "Generated."\nlanguage: en\n'
        f'license: CC0-1.0\nauthors: ["benchmark"]\nreviewed_on: 2026-11-25\nquestions:{questions}\n'
    ).encode()


def setup_learners(app, concurrency: int) -> dict[str, int]:
    from quizapp.domain import scheduling
    from quizapp.domain.banks import parse_bank
    from quizapp.extensions import db, passwords
    from quizapp.models import utcnow
    from quizapp.operations import create_user, import_bank
    from quizapp.operations.cards import create_deck, save_settings

    with app.app_context():
        source = flashcard_bank(5000)
        import_bank(db.session, parse_bank(source, "bench.yaml"), source, "bench.yaml", utcnow())
        db.session.commit()
        bank_id = db.session.execute(db.text("SELECT id FROM banks WHERE slug = 'bench'")).scalar()
        decks = {}
        for k in range(concurrency):
            login = f"learner{k}"
            user = create_user(db.session, login, PASSWORD, "learner", passwords=passwords(), now=utcnow())
            save_settings(db.session, user, scheduling.Settings(new_per_day=9999, reviews_per_day=9999), utcnow())
            decks[login] = create_deck(db.session, user, bank_id, [], utcnow()).id
        db.session.commit()
        return decks


def part_one(concurrency: int, seconds: float) -> dict:
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'load.sqlite'}"
        env = {
            **os.environ,
            "QUIZAPP_SQLALCHEMY_DATABASE_URI": url,
            "QUIZAPP_SECRET_KEY": secrets.token_urlsafe(48),
            "QUIZAPP_DEVELOPMENT": "true",  # plain HTTP cookies on 127.0.0.1
            "QUIZAPP_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000",
        }
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": env["QUIZAPP_SECRET_KEY"]})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
        decks = setup_learners(app, concurrency)
        with app.app_context():
            db.engine.dispose()

        process, port = serve("grade_load:make_hello()", env, Path(__file__).resolve().parent)
        try:
            run_hello(port, concurrency, 2)  # warm up
            hello = run_hello(port, concurrency, seconds)
        finally:
            stop(process)
        process, port = serve("wsgi:app", env, ROOT)
        try:
            grading = run_grading(port, decks, seconds)
        finally:
            stop(process)
        with sqlite3.connect(Path(tmp) / "load.sqlite") as conn:
            stored = conn.execute("SELECT count(*) FROM reviews").fetchone()[0]
        if stored != grading["grades"]:
            raise RuntimeError(f"{grading['grades']} grades were answered but {stored} reviews are stored")
    return {"hello": hello, "grading": grading, "concurrency": concurrency, "seconds": seconds}


# --- part 2: next due card against the size of the review log -----------------------------------------


def bulk_reviews(path: Path, user_ids: list[int], card_ids: list[int], n: int, rng: random.Random) -> None:
    """Insert ``n`` reviews (and the card states they leave) straight into SQLite, spread over ``user_ids``
    and ``card_ids`` and the past two years."""
    after = json.dumps(
        {
            "state": 2,
            "step": None,
            "stability": 12.3,
            "difficulty": 5.1,
            "due": "2026-12-01T10:00:00+00:00",
            "last_review": "2026-11-19T10:00:00+00:00",
        }
    )
    start = dt.datetime(2024, 11, 25, tzinfo=dt.UTC)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    batch = 50_000
    now = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
    with conn:
        for offset in range(0, n, batch):
            rows = []
            for k in range(offset, min(n, offset + batch)):
                when = start + dt.timedelta(seconds=rng.randrange(730 * 86400))
                rows.append(
                    (
                        user_ids[k % len(user_ids)],
                        card_ids[rng.randrange(len(card_ids))],
                        rng.choice((1, 3, 3, 3, 4)),
                        when.strftime("%Y-%m-%d %H:%M:%S.%f"),
                        rng.randrange(2000, 20000),
                        2,
                        2,
                        after,
                        after,
                        "import",
                        f"bench-{k}",
                    )
                )
            conn.executemany(
                "INSERT INTO reviews (user_id, card_id, rating, reviewed_at, duration_ms, state_before, state_after,"
                " before, after, source, token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        states = []
        for user_id in user_ids:
            for card_id in card_ids:
                due = now + dt.timedelta(days=rng.uniform(-3, 365))
                states.append(
                    (
                        user_id,
                        card_id,
                        2,
                        None,
                        12.3,
                        5.1,
                        due.strftime("%Y-%m-%d %H:%M:%S.%f"),
                        (due - dt.timedelta(days=10)).strftime("%Y-%m-%d %H:%M:%S.%f"),
                        1,
                    )
                )
        conn.executemany(
            "INSERT OR IGNORE INTO card_states (user_id, card_id, state, step, stability, difficulty, due,"
            " last_review, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            states,
        )
    conn.execute("ANALYZE")
    conn.close()


def time_queries(app, user_id: int, deck_id: int, repeat: int = 200) -> dict:
    from quizapp.domain import scheduling
    from quizapp.extensions import db
    from quizapp.models import Deck
    from quizapp.queries import cards as card_queries

    now = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
    with app.app_context():
        deck = db.session.get(Deck, deck_id)
        settings = card_queries.settings_of(db.session, user_id)
        day = scheduling.learner_day(now, settings.timezone, settings.day_starts_at_hour)
        due, whole = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            found = card_queries.next_due(db.session, user_id, deck, now, day.end, True)
            due.append(time.perf_counter() - start)
            start = time.perf_counter()
            nxt = card_queries.next_card(db.session, user_id, deck, settings, now)
            whole.append(time.perf_counter() - start)
            db.session.rollback()
        assert found is not None and nxt.card is not None
        query = card_queries.next_due_statement(bool(deck.tags), True).params(
            user_id=user_id, now=now, day_end=day.end, bank_id=deck.bank_id, tags=list(deck.tags or ())
        )
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = [row[-1] for row in db.session.execute(db.text(f"EXPLAIN QUERY PLAN {compiled}"))]
        reviews = db.session.execute(db.text("SELECT count(*) FROM reviews")).scalar()
        mine = db.session.execute(db.text("SELECT count(*) FROM reviews WHERE user_id = :u"), {"u": user_id}).scalar()
    return {
        "reviews_in_db": reviews,
        "reviews_of_user": mine,
        "next_due_ms": statistics.median(due) * 1000,
        "next_card_ms": statistics.median(whole) * 1000,
        "plan": plan,
    }


def part_two(total_reviews: int) -> list[dict]:
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.domain.banks import parse_bank
    from quizapp.extensions import db, passwords
    from quizapp.models import User, utcnow
    from quizapp.operations import create_user, import_bank
    from quizapp.operations.cards import create_deck

    rng = random.Random(11)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": secrets.token_urlsafe(48)})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            source = flashcard_bank(20_000)
            import_bank(db.session, parse_bank(source, "bench.yaml"), source, "bench.yaml", utcnow())
            now = utcnow()
            ids = [
                create_user(db.session, f"learner{k}", PASSWORD, "learner", passwords=passwords(), now=now).id
                for k in range(3)
            ]
            db.session.commit()
            bank_id = db.session.execute(db.text("SELECT id FROM banks")).scalar()
            cards = list(db.session.execute(db.text("SELECT id FROM cards ORDER BY id")).scalars())
            decks = {uid: create_deck(db.session, db.session.get(User, uid), bank_id, [], utcnow()).id for uid in ids}
            db.session.commit()
            db.engine.dispose()
        learner, others, heavy = ids
        # A learner with 1,000 reviews of 200 cards, alone in the database.
        bulk_reviews(path, [learner], cards[:200], 1_000, rng)
        results.append(
            {"case": "1,000 reviews in the database (all the learner's)", **time_queries(app, learner, decks[learner])}
        )
        # The same learner once the database holds a million reviews (of another learner, 20,000 cards).
        bulk_reviews(path, [others], cards, total_reviews - 1_000, rng)
        results.append(
            {
                "case": f"{total_reviews:,} reviews in the database; the learner's own 1,000",
                **time_queries(app, learner, decks[learner]),
            }
        )
        # A learner who has a million reviews of their own, over 20,000 cards.
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE reviews SET user_id = ? WHERE user_id = ?", (heavy, others))
            conn.execute("UPDATE card_states SET user_id = ? WHERE user_id = ?", (heavy, others))
        results.append(
            {
                "case": f"a learner with {total_reviews - 1_000:,} reviews of their own",
                **time_queries(app, heavy, decks[heavy]),
            }
        )
        with app.app_context():
            db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--skip-load", action="store_true", help="only the next-due-card part")
    args = parser.parse_args()

    if not args.skip_load:
        one = part_one(args.concurrency, args.seconds)
        hello, grading = one["hello"], one["grading"]
        print(f"Grading under load: gunicorn -w 2, {args.concurrency} concurrent clients, {args.seconds:g} s each\n")
        print("| operation | per second | p50 ms | p95 ms | p99 ms |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, r, rate in (
            ("bare hello app: GET /", hello, hello["requests_per_s"]),
            ("grade a card: POST grade → GET next card", grading, grading["grades_per_s"]),
        ):
            print(f"| {name} | {rate:,.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} |")
        print(
            f"\nGrades per second: {grading['grades_per_s'] / hello['requests_per_s']:.3f} of the hello requests per "
            f"second ({grading['requests_per_s']:,.0f} requests/s counting the reveal); p50 latency "
            f"{grading['p50'] / hello['p50']:.1f} times the hello app's. {grading['grades']:,} grades, "
            f"{hello['requests']:,} hello requests.\n"
        )

    print("Next due card (median of 200 runs, SQLite)\n")
    print("| case | reviews of the learner | next due card (index walk) ms | whole study queue ms |")
    print("| --- | ---: | ---: | ---: |")
    results = part_two(args.reviews)
    for r in results:
        print(f"| {r['case']} | {r['reviews_of_user']:,} | {r['next_due_ms']:.2f} | {r['next_card_ms']:.2f} |")
    print("\nEXPLAIN QUERY PLAN of the due query:")
    for line in results[-1]["plan"]:
        print(f"    {line}")


if __name__ == "__main__":
    main()
