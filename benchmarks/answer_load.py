"""Answering a question under concurrent load, served by gunicorn, next to a bare "hello" endpoint.

Both apps are served the same way in the same run: gunicorn with 2 sync workers on a free 127.0.0.1 port.
quizapp uses a fresh SQLite database in a temporary folder, seeded with a bank of every quiz type in turn
(tests/data/banks/all-types.yaml repeated), one learner and one exam attempt per client. Each client logs
in over HTTP first (not measured), then, for the measured time, one request after another on a new
connection (gunicorn's sync workers close each one):

  hello    GET /                                   a Flask app that returns "hello" (defined here)
  answer   POST /attempts/<id>/questions/<n>       save and grade an answer; 303 to the next question
  step     the answer, then GET of the next question page it redirects to, timed as one

Every question is answered in turn, alternately right and wrong on each pass, so after the first pass
each answer replaces the saved one (an UPDATE rather than an INSERT). Reports requests per second and
p50/p95/p99 latency, and each figure as a ratio to hello.

Usage: python benchmarks/answer_load.py [--rounds 3] [--duration 10] [--clients 8] [--workers 2] [--questions 200]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import http.client
import multiprocessing
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

hello = Flask("hello")


@hello.get("/")
def hello_page() -> str:
    return "hello"


PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# A right and a wrong answer, as a browser posts them, to each question of the all-types bank.
ANSWERS = {
    "single-1": ({"choice": "a"}, {"choice": "b"}),
    "multiple-1": ({"choice": ["a", "b"]}, {"choice": ["a", "c"]}),
    "tf-1": ({"choice": "true"}, {"choice": "false"}),
    "short-1": ({"answer": "oligodendrocyte"}, {"answer": "astrocyte"}),
    "numeric-1": ({"answer": "2,8 million"}, {"answer": "3.5"}),
    "cloze-1": ({"gap-1": "myelin", "gap-2": "central"}, {"gap-1": "myelin", "gap-2": "peripheral"}),
    "matching-1": ({"match-1": "3", "match-2": "1"}, {"match-1": "1", "match-2": "2"}),
    "ordering-1": (
        {"position-1": "2", "position-2": "3", "position-3": "1", "position-4": "4"},
        {"position-1": "1", "position-2": "2", "position-3": "3", "position-4": "4"},
    ),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, method: str, path: str, body: str | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


@dataclass(frozen=True)
class Server:
    port: int
    pid: int  # gunicorn's master process

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its workers (Linux: from /proc; elsewhere 0)."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if self.pid in (pid, ppid):
                total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        return total / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.0


@contextlib.contextmanager
def gunicorn(target: str, env: dict, workers: int, log: Path, check_path: str = "/") -> Iterator[Server]:
    """Serve ``target`` with gunicorn (sync workers) on a free port until the block ends."""
    port = free_port()
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", target],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if request(port, "GET", check_path)[0] < 500:
                        break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")
                time.sleep(0.2)
            yield Server(port, server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def bank_source(questions: int) -> bytes:
    """The all-types bank with its quiz questions repeated to ``questions`` and one exam of them all."""
    import yaml

    data = yaml.safe_load((ROOT / "tests" / "data" / "banks" / "all-types.yaml").read_text())
    base = [q for q in data["questions"] if q["type"] != "flashcard"]
    data["id"], data["title"] = "load", "Load test bank"
    data["questions"] = []
    for i in range(questions):
        question = copy.deepcopy(base[i % len(base)])  # a copy each, or YAML would write anchors
        data["questions"].append({**question, "id": f"{question['id']}-{i}"})
    data["quizzes"] = [{"id": "everything", "title": "Everything", "mode": "exam", "shuffle": False}]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()


@dataclass
class Learner:
    login: str
    attempt_id: int
    forms: list[tuple[dict, dict]]  # (right, wrong) per position
    cookie: str = ""
    token: str = ""
    position: int = 1  # the next question to answer, carried from one measurement to the next
    lap: int = 0  # passes through the attempt so far: even laps answer right, odd laps wrong


def seed(database_url: str, secret: str, clients: int, questions: int, tmp: Path) -> list[Learner]:
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.domain.banks import parse_bank
    from quizapp.extensions import db, passwords
    from quizapp.models import Question, QuestionRevision, utcnow
    from quizapp.operations import create_user, import_bank
    from quizapp.operations.quizzes import BankQuiz, start_attempt

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret})
    app.instance_path = str(tmp / "instance")
    learners = []
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        source = bank_source(questions)
        import_bank(db.session, parse_bank(source, "load.yaml"), source, "load.yaml", utcnow())
        keys = {
            rid: key.rsplit("-", 1)[0]
            for rid, key in db.session.execute(
                db.select(QuestionRevision.id, Question.key).join(Question, QuestionRevision.question_id == Question.id)
            )
        }
        for i in range(clients):
            user = create_user(db.session, f"learner{i}", PASSWORD, "learner", passwords=passwords(), now=utcnow())
            attempt = start_attempt(db.session, user, BankQuiz("load", "everything"), utcnow())
            forms = [ANSWERS[keys[rid]] for rid in attempt.question_revision_ids]
            learners.append(Learner(user.username, attempt.id, forms))
        db.session.commit()
        db.engine.dispose()
    return learners


def log_in(port: int, learner: Learner) -> None:
    """Log in as a browser does and read the CSRF token from the first question's form."""
    status, headers, html = request(port, "GET", "/login")
    cookie = _session(headers)
    token = CSRF.search(html.decode()).group(1)
    body = urlencode({"csrf_token": token, "login": learner.login, "password": PASSWORD})
    form = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    status, headers, _ = request(port, "POST", "/login", body, form)
    assert status == 302, status
    learner.cookie = _session(headers)
    status, headers, html = request(port, "GET", f"/attempts/{learner.attempt_id}/questions/1", None, _cookie(learner))
    assert status == 200, status
    learner.cookie = _session(headers, learner.cookie)  # the session now holds the CSRF secret too
    learner.token = CSRF.search(html.decode()).group(1)


def _session(headers: list[tuple[str, str]], default: str = "") -> str:
    cookies = [v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie" and v.startswith("session=")]
    return cookies[-1] if cookies else default


def _cookie(learner: Learner) -> dict:
    return {"Cookie": learner.cookie}


def _client(
    kind: str, port: int, learner: Learner | None, start: float, duration: float
) -> tuple[list[float], int, Learner | None]:
    """One client: requests one after another from ``start`` for ``duration`` seconds; latencies in ms."""
    latencies: list[float] = []
    errors = 0
    position, lap = (learner.position, learner.lap) if learner else (1, 0)
    if learner is not None:  # every request built before the clock starts, so the client spends little on it
        bodies = [
            tuple(urlencode({"csrf_token": learner.token, "go": "next", **form}, True) for form in pair)
            for pair in learner.forms
        ]
        paths = [f"/attempts/{learner.attempt_id}/questions/{n}" for n in range(1, len(learner.forms) + 1)]
        headers = {**_cookie(learner), "Content-Type": "application/x-www-form-urlencoded"}
    while time.time() < start:
        time.sleep(0.001)
    end = start + duration
    while True:
        began = time.perf_counter()
        if time.time() >= end:
            break
        try:
            if kind == "hello":
                ok = request(port, "GET", "/")[0] == 200
            else:
                assert learner is not None
                body = bodies[position - 1][lap % 2]  # right on even laps, wrong on odd ones
                status, response_headers, _ = request(port, "POST", paths[position - 1], body, headers)
                ok = status == 303
                if ok and kind == "step":
                    location = dict((k.lower(), v) for k, v in response_headers)["location"]
                    ok = request(port, "GET", location, None, _cookie(learner))[0] == 200
                position += 1
                if position > len(learner.forms):
                    position, lap = 1, lap + 1
        except OSError:
            ok = False
        if ok:
            latencies.append((time.perf_counter() - began) * 1000)
        else:
            errors += 1
    if learner is not None:
        learner.position, learner.lap = position, lap
    return latencies, errors, learner


@dataclass
class Round:
    latencies: list[float]  # ms, one per successful request
    errors: int
    cpu: float  # seconds of the server's CPU time


@dataclass
class Result:
    name: str
    rate: float  # requests per second, in the median round
    errors: int
    p50: float
    p95: float
    p99: float
    cpu_ms: float  # the server's CPU time per request


def load(kind: str, server: Server, learners: list[Learner | None], duration: float) -> Round:
    """``duration`` seconds of load from one client process per learner."""
    start = time.time() + 1.0
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(len(learners)) as pool:
        cpu = server.cpu_seconds()
        results = pool.starmap(_client, [(kind, server.port, learner, start, duration) for learner in learners])
        cpu = server.cpu_seconds() - cpu
    for learner, (_, _, moved) in zip(learners, results, strict=True):
        if learner is not None and moved is not None:
            learner.position, learner.lap = moved.position, moved.lap
    return Round([x for r in results for x in r[0]], sum(r[1] for r in results), cpu)


def summarise(name: str, rounds: list[Round], duration: float) -> Result:
    """The median round's rate (rounds vary with whatever else the machine does), percentiles of every
    latency of every round, and the server's CPU time per request over all rounds."""
    latencies = sorted(x for r in rounds for x in r.latencies)
    rate = statistics.median(len(r.latencies) for r in rounds) / duration
    cpu_ms = 1000 * sum(r.cpu for r in rounds) / max(1, len(latencies))

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else float("nan")

    return Result(name, rate, sum(r.errors for r in rounds), pct(50), pct(95), pct(99), cpu_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per measurement and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the three measurements, interleaved")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--questions", type=int, default=200, help="questions per attempt")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="quizapp-bench-") as folder:
        tmp = Path(folder)
        database_url = f"sqlite:///{tmp / 'bench.sqlite'}"
        secret = secrets.token_urlsafe(48)
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZAPP_")}
        env |= {"QUIZAPP_SECRET_KEY": secret, "QUIZAPP_SQLALCHEMY_DATABASE_URI": database_url}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "benchmarks"), env.get("PYTHONPATH", "")])
        print(f"seeding {args.clients} learners with an exam of {args.questions} questions each…", flush=True)
        learners = seed(database_url, secret, args.clients, args.questions, tmp)

        rounds: dict[str, list[Round]] = {"hello": [], "answer": [], "step": []}
        with (
            gunicorn("answer_load:hello", env, args.workers, tmp / "hello.log") as hello,
            gunicorn("wsgi:app", env, args.workers, tmp / "quizapp.log", "/login") as quizapp,
        ):
            for learner in learners:
                log_in(quizapp.port, learner)
            for i in range(args.rounds):  # interleaved, so that each figure meets the same background
                print(f"round {i + 1} of {args.rounds}…", flush=True)
                rounds["hello"].append(load("hello", hello, [None] * args.clients, args.duration))
                rounds["answer"].append(load("answer", quizapp, learners, args.duration))
                rounds["step"].append(load("step", quizapp, learners, args.duration))
        results = [summarise(name, r, args.duration) for name, r in rounds.items()]
        # Each round's count against the hello count of the same round; the median of those.
        ratios = {
            name: statistics.median(
                len(r.latencies) / max(1, len(h.latencies)) for r, h in zip(rs, rounds["hello"], strict=True)
            )
            for name, rs in rounds.items()
        }

    print(
        f"\n{args.clients} clients, gunicorn -w {args.workers} (sync), {args.rounds} rounds of {args.duration:g} s "
        f"each, {os.cpu_count()} CPUs, SQLite (WAL)\n"
    )
    print(
        "| measurement | requests/s (median round) | p50 ms | p95 ms | p99 ms | errors | ratio to hello "
        "| server CPU ms/request | CPU ratio |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    labels = {
        "hello": "bare Flask hello (`GET /`) — the baseline",
        "answer": "answer a question (`POST` → 303 to the next question)",
        "step": "answer and load the next question (`POST` + `GET`, as one)",
    }
    for r in results:
        print(
            f"| {labels[r.name]} | {r.rate:,.0f} | {r.p50:.1f} | {r.p95:.1f} | {r.p99:.1f} | {r.errors} "
            f"| {ratios[r.name]:.2f} | {r.cpu_ms:.2f} | {results[0].cpu_ms / r.cpu_ms if r.cpu_ms else 0:.2f} |"
        )


if __name__ == "__main__":
    main()
