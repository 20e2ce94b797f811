"""Load and fault runs of quizapp, on this machine, against 127.0.0.1 only.

    .venv/bin/python benchmarks/load/run.py [--minutes 10] [--fault-minutes M] [--users 12]
        [--only sqlite,postgres,worker,disk,host,postgres-restart,redis-restart]

Topologies, each started here on free 127.0.0.1 ports and torn down afterwards:

- **sqlite**: one host, ``gunicorn -w 4``, SQLite in WAL mode on a small tmpfs of its own (so that the
  disk can be filled); the runs ``sqlite`` (no fault), ``worker`` and ``disk`` use it.
- **postgres**: two hosts (``gunicorn -w 2`` each, the same secret key) on a fresh PostgreSQL database
  at 127.0.0.1:5432 (dropped afterwards), with ``QUIZAPP_REDIS_URL`` set to 127.0.0.1:6379; the runs
  ``postgres`` (no fault), ``host``, ``postgres-restart`` and ``redis-restart`` use it.
- **hello**: a bare Flask hello under the same gunicorn command, loaded by the same number of users with
  the same think times, before each topology, as the baseline.

Each run is headless locust (``locustfile.py``) for the given minutes; a fault starts a third of the way
in. After each run: every answer and review the clients saw accepted is in the database exactly once; no
response of 500 or more except a 503 with ``Retry-After`` between a fault's start and 10 s after its end;
``PRAGMA integrity_check`` and ``foreign_key_check`` (SQLite) or orphan and count checks (PostgreSQL);
and the time from the end of a fault until every host answers ``/readyz`` with 200 (at most 10 s).
The figures are printed as Markdown and written as JSON next to the locust CSV files (``--out``).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import sqlalchemy

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PY = sys.executable
POSTGRES_ADMIN_URL = os.environ.get(
    "QUIZAPP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = "redis://127.0.0.1:6379/0"
TEACHER = ("teacher@example.org", "a teacher's load-test passphrase")
UPLOAD = ROOT / "questions" / "ms-treatment-landscape.yaml"
READY_LIMIT = 10.0  # seconds from the end of a fault until every host is ready
GRACE = 10.0  # seconds after a fault during which its 503s still count as the fault's
START_LIMIT = 300.0
FOREIGN_KEYS = [  # checked on PostgreSQL after each run: (table, column, the table it points to)
    ("answers", "attempt_id", "attempts"),
    ("answers", "user_id", "users"),
    ("attempts", "user_id", "users"),
    ("reviews", "card_id", "cards"),
    ("reviews", "user_id", "users"),
    ("card_states", "card_id", "cards"),
    ("card_states", "user_id", "users"),
    ("decks", "user_id", "users"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_of(url: str, timeout: float = 5.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # 127.0.0.1 only
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


@dataclass
class Host:
    app: str  # gunicorn's app argument
    env: dict
    workers: int
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [PY, "-m", "gunicorn", "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}"]
        command += ["--pythonpath", str(HERE), self.app]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, path: str = "/readyz", limit: float = START_LIMIT) -> float:
        began = time.monotonic()
        while status_of(self.url + path, timeout=2) != 200:
            if time.monotonic() - began > limit or (self.process and self.process.poll() is not None):
                raise RuntimeError(f"{self.url} not ready; see {self.log}")
            time.sleep(0.1)
        return time.monotonic() - began

    def worker_pids(self) -> list[int]:
        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def kill(self) -> None:
        """kill -9 the master and every worker at once."""
        pids = [self.process.pid, *self.worker_pids()]
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        for pid in pids[1:]:
            with contextlib.suppress(psutil.NoSuchProcess):
                psutil.Process(pid).wait(timeout=30)

    def stop(self) -> None:
        terminate(self.process, self.kill)


def terminate(process: subprocess.Popen | None, kill) -> None:
    """SIGTERM (what finishes requests and jobs under way), then ``kill`` if it has not ended in 40 s."""
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            kill()


@dataclass
class JobWorker:
    """The background worker (``flask jobs run``) beside the hosts, as a deployment runs it: it computes the
    item analyses of assignments whose attempts closed."""

    env: dict
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as log:
            command = [PY, "-m", "flask", "--app", "quizapp", "jobs", "run"]
            self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        terminate(self.process, lambda: (self.process.kill(), self.process.wait(timeout=30)))


def flask(env: dict, *args: str, stdin: str | None = None) -> None:
    result = subprocess.run(
        [PY, "-m", "flask", "--app", "quizapp", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode:
        raise RuntimeError(f"flask {' '.join(args)}: {result.stderr[-2000:]}")


def app_env(database_url: str, secret: str, jobs: Path, **extra: str) -> dict:
    """The hosts' settings: ``jobs`` is the background jobs' queue file when Redis is not set (never the
    repository's own ``instance/``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZAPP_")}
    return env | {
        "QUIZAPP_SECRET_KEY": secret,
        "QUIZAPP_SQLALCHEMY_DATABASE_URI": database_url,
        "QUIZAPP_JOBS_SQLITE": str(jobs),
        "QUIZAPP_DEVELOPMENT": "true",  # plain HTTP on 127.0.0.1: session cookies without Secure
        # every simulated person comes from 127.0.0.1: raise the per-address limits for the run
        "QUIZAPP_REGISTRATIONS_PER_ADDRESS": "1000000",
        "QUIZAPP_REGISTRATIONS_TOTAL": "1000000",
        "QUIZAPP_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000000",
        **extra,
    }


# A class the teacher owns, with one bank's quiz set as an assignment open for the whole run, made through the
# operations the class pages call; prints what locust needs to join it and open its pages.
CLASS_SETUP = """
import datetime as dt, json, sys
from sqlalchemy import select
from quizapp import create_app
from quizapp.extensions import db
from quizapp.models import utcnow
from quizapp.operations import classes as operations
from quizapp.queries.accounts import user_by_login
from quizapp.queries.quizzes import current_quizzes

with create_app().app_context():
    teacher = db.session.scalars(user_by_login(sys.argv[1])).one()
    now = utcnow()
    bank, version = next((b, v) for b, v in current_quizzes(db.session) if v.quizzes)
    klass = operations.create_class(db.session, teacher, "Load class", None, "UTC", now)
    given = operations.AssignmentInput(
        title="", opens_at=now - dt.timedelta(days=1), due_at=now + dt.timedelta(days=30), attempts_allowed=None,
        bank=bank.slug, quiz=version.quizzes[0]["id"],
    )
    assignment = operations.create_assignment(db.session, teacher, klass, given, now)
    found = {"class": klass.id, "assignment": assignment.id, "code": klass.join_code, "bank": bank.slug}
    db.session.commit()
    print(json.dumps(found))
"""


def prepare(env: dict, banks: list[Path] | None = None) -> dict:
    """Migrate, import the banks (the repository's, by default), make the teacher the teacher users log in as,
    and the class they teach with its assignment: its ids, join code and the assigned bank's slug."""
    flask(env, "db", "upgrade")
    flask(env, "bank", "import", *sorted(str(p) for p in banks or [ROOT / "questions"]))
    flask(env, "user", "create", "--role", "teacher", "--password-stdin", TEACHER[0], stdin=TEACHER[1] + "\n")
    made = subprocess.run(
        [PY, "-c", CLASS_SETUP, TEACHER[0]], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if made.returncode:
        raise RuntimeError(f"class set-up: {made.stderr[-2000:]}")
    return json.loads(made.stdout.strip().splitlines()[-1])


# --- locust -----------------------------------------------------------------------------------------------


def locust(
    hosts: list[Host], seconds: int, users: int, prefix: Path, classes: list[str], klass: dict | None = None
) -> tuple[subprocess.Popen, Path]:
    tally = prefix.with_suffix(".tally.json")
    env = os.environ | {
        "LOAD_HOSTS": ",".join(h.url for h in hosts),
        "LOAD_TEACHER": ":".join(TEACHER),
        "LOAD_BANK_FILE": str(UPLOAD),
        "LOAD_TALLY": str(tally),
        "LOAD_CLASS": json.dumps(klass or {}),
    }
    command = [PY, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "--only-summary"]
    command += ["-u", str(users), "-r", str(max(1, users // 4)), "-t", f"{seconds}s", "--stop-timeout", "15"]
    command += ["--host", hosts[0].url, "--csv", str(prefix), *classes]
    with prefix.with_suffix(".locust.log").open("w") as log:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT), tally


def read_stats(prefix: Path) -> list[dict]:
    rows = []
    with Path(f"{prefix}_stats.csv").open() as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "name": f"{row['Type']} {row['Name']}".strip(),
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "p50": float(row["50%"] or 0),
                    "p95": float(row["95%"] or 0),
                    "p99": float(row["99%"] or 0),
                }
            )
    return rows


# --- checks after a run -------------------------------------------------------------------------------------


def check_database(url: str, tally: dict) -> dict:
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as conn:
        answers = {
            (a, p): n
            for a, p, n in conn.exec_driver_sql(
                "SELECT attempt_id, position, COUNT(*) FROM answers GROUP BY attempt_id, position"
            )
        }
        reviews = {t: n for t, n in conn.exec_driver_sql("SELECT token, COUNT(*) FROM reviews GROUP BY token")}
        if engine.dialect.name == "sqlite":
            integrity = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            foreign = list(conn.exec_driver_sql("PRAGMA foreign_key_check"))
            consistent = integrity == ["ok"] and not foreign
            detail = f"integrity_check {integrity[:3]}, foreign_key_check {len(foreign)} rows"
        else:
            orphans = {
                f"{child}.{column} without {parent}": f"SELECT COUNT(*) FROM {child} x LEFT JOIN {parent} p "
                f"ON p.id = x.{column} WHERE p.id IS NULL"
                for child, column, parent in FOREIGN_KEYS
            }
            orphans["card states twice"] = (
                "SELECT COUNT(*) FROM (SELECT user_id, card_id FROM card_states GROUP BY user_id, card_id "
                "HAVING COUNT(*) > 1) d"
            )
            found = {name: conn.exec_driver_sql(sql).scalar() for name, sql in orphans.items()}
            consistent = not any(found.values())
            detail = ", ".join(f"{k}: {v}" for k, v in found.items())
    engine.dispose()
    told = [tuple(a) for a in tally["answers"]]
    lost_answers = [a for a in told if answers.get(a, 0) == 0]
    doubled_answers = [a for a in told if answers.get(a, 0) > 1] + [a for a, n in answers.items() if n > 1]
    lost_reviews = [t for t in tally["reviews"] if reviews.get(t, 0) == 0]
    doubled_reviews = [t for t, n in reviews.items() if n > 1]
    return {
        "answers accepted": len(told),
        "reviews accepted": len(tally["reviews"]),
        "answers told twice": len(told) - len(set(told)),
        "lost answers": len(lost_answers),
        "doubled answers": len(set(doubled_answers)),
        "lost reviews": len(lost_reviews),
        "doubled reviews": len(doubled_reviews),
        "answers in database": sum(answers.values()),
        "reviews in database": sum(reviews.values()),
        "consistent": consistent,
        "consistency detail": detail,
    }


def check_errors(tally: dict, window: tuple[float, float] | None) -> dict:
    errors = tally["server_errors"]
    documented = [
        e
        for e in errors
        if e["status"] == 503 and e["retry_after"] and window and window[0] - 1 <= e["time"] <= window[1] + GRACE
    ]
    others = [e for e in errors if e not in documented]
    return {
        "5xx": len(errors),
        "503 with Retry-After in the fault window": len(documented),
        "other 5xx": len(others),
        "other 5xx detail": others[:10],
        "broken connections": tally["broken_connections"],
        "POSTs with unknown outcome": tally["unknown_posts"],
        "learners registered": len(tally["registered"]),
        "teacher pages refused": tally.get("teacher_pages_refused", [])[:10],
        "learners logged back in": tally.get("logins", 0),
        "right passwords refused": tally.get("logins_refused", [])[:10],
    }


# --- faults -----------------------------------------------------------------------------------------------


def ready_after(hosts: list[Host]) -> float:
    began = time.monotonic()
    for host in hosts:
        host.wait_ready(limit=60)
    return time.monotonic() - began


def busy_worker(host: Host, limit: float = 10.0) -> tuple[int, bool]:
    """A worker serving a request (holding a client's connection) if one is seen within ``limit`` seconds,
    else the first."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        for pid in host.worker_pids():
            with contextlib.suppress(psutil.Error):
                for conn in psutil.Process(pid).net_connections(kind="tcp"):
                    if conn.status == psutil.CONN_ESTABLISHED and conn.laddr.port == host.port:
                        return pid, True
        time.sleep(0.01)
    return host.worker_pids()[0], False


def fault_worker(hosts: list[Host], _context: dict) -> tuple[str, float]:
    victim, busy = busy_worker(hosts[0])
    os.kill(victim, signal.SIGKILL)
    return f"kill -9 worker {victim} ({'serving a request' if busy else 'idle'})", ready_after(hosts)


def fault_host(hosts: list[Host], _context: dict) -> tuple[str, float]:
    """The service is ready again when a host behind the balancer is (the other one, at once); the killed
    host's own start-up (importing the app under this load) is reported apart."""
    victim, others = hosts[0], hosts[1:]
    victim.kill()
    service = ready_after(others)
    time.sleep(5)  # the other host carries the load alone
    victim.start()
    boot = victim.wait_ready(limit=120)
    return f"kill -9 host {victim.url} (master and workers), restarted 5 s later, ready {boot:.1f} s after", service


def postgres_command() -> list[str]:
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout.split()
    return ["pg_ctlcluster", clusters[0], clusters[1], "restart"]


def fault_postgres(hosts: list[Host], _context: dict) -> tuple[str, float]:
    command = postgres_command()
    subprocess.run(command, check=True, timeout=120)
    return " ".join(command), ready_after(hosts)


def redis_pid() -> int | None:
    """The process listening on Redis's port, if any."""
    port = int(REDIS_URL.rsplit(":", 1)[1].split("/")[0])
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
            return conn.pid
    return None


def redis_answers() -> bool:
    ping = ["redis-cli", "-h", "127.0.0.1", "ping"]
    return subprocess.run(ping, capture_output=True, text=True).stdout.strip() == "PONG"


def restart_redis_by_hand() -> str:
    """Shut the running server down and start it again as it was configured (its config file, or the
    settings it reports). For a server the init script does not know (started by hand, its pid file empty),
    where ``service redis-server restart`` stops nothing and succeeds."""
    cli = ["redis-cli", "-h", "127.0.0.1"]
    info = subprocess.run([*cli, "info", "server"], capture_output=True, text=True, check=True).stdout
    server = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    if server.get("config_file", "").strip():
        command = ["redis-server", server["config_file"].strip()]
    else:
        command = ["redis-server"]
        for name in ("port", "bind", "dir", "save", "appendonly", "daemonize"):
            got = subprocess.run([*cli, "config", "get", name], capture_output=True, text=True, check=True)
            value = [*got.stdout.splitlines(), "", ""][1]
            command += [f"--{name}", *(value.split() or [""])]
    subprocess.run([*cli, "shutdown"], capture_output=True, timeout=60)  # saves first if it is set to
    deadline = time.monotonic() + 30
    while redis_answers() or redis_pid() is not None:
        if time.monotonic() > deadline:
            raise RuntimeError("redis did not stop")
        time.sleep(0.1)
    subprocess.run(command, check=True, timeout=60, capture_output=True, cwd="/")
    return f"redis-cli shutdown, then {' '.join(command)}"


def fault_redis(hosts: list[Host], _context: dict) -> tuple[str, float]:
    before = redis_pid()
    status = subprocess.run(["service", "redis-server", "status"], capture_output=True).returncode
    if status == 0:
        subprocess.run(["service", "redis-server", "restart"], check=True, timeout=120, capture_output=True)
        how = "service redis-server restart"
    else:
        how = restart_redis_by_hand()
    deadline = time.monotonic() + 30
    while not redis_answers():
        if time.monotonic() > deadline:
            raise RuntimeError("redis did not come back")
        time.sleep(0.2)
    after = redis_pid()
    if after is None or after == before:  # a restart that left the old server running is no fault
        raise RuntimeError(f"redis was not restarted ({how}: pid {before} before, {after} after)")
    return f"{how} (pid {before} -> {after})", ready_after(hosts)


def fault_disk(hosts: list[Host], context: dict) -> tuple[str, float]:
    filler = Path(context["disk"]) / "filler"
    written = 0
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 4096, 512):  # to the last byte
            block = b"\0" * size
            try:
                while True:
                    written += os.write(descriptor, block)
            except OSError:
                pass
    finally:
        os.close(descriptor)
    time.sleep(15)  # the disk stays full under load
    filler.unlink()
    return f"filled the database's tmpfs ({written >> 20} MiB) for 15 s, then freed it", ready_after(hosts)


FAULTS = {
    "worker": fault_worker,
    "host": fault_host,
    "postgres-restart": fault_postgres,
    "redis-restart": fault_redis,
    "disk": fault_disk,
}


# --- runs -------------------------------------------------------------------------------------------------


def one_run(name: str, hosts: list[Host], url: str, seconds: int, users: int, out: Path, context: dict) -> dict:
    prefix = out / name
    process, tally_path = locust(hosts, seconds, users, prefix, ["Learner", "Teacher", "Visitor"], context["class"])
    window, fault, recovery = None, None, None
    if name in FAULTS:
        time.sleep(seconds / 3)
        began = time.time()
        fault, recovery = FAULTS[name](hosts, context)
        window = (began, time.time() - recovery)  # the fault ends when the condition is lifted
    process.wait(timeout=seconds + 120)
    tally = json.loads(tally_path.read_text())
    result = {
        "run": name,
        "seconds": seconds,
        "users": users,
        "fault": fault,
        "ready after fault (s)": None if recovery is None else round(recovery, 2),
        "stats": read_stats(prefix),
        **check_errors(tally, window),
        **check_database(url, tally),
    }
    result["passed"] = (
        result["other 5xx"] == 0
        and not result["teacher pages refused"]
        and not result["right passwords refused"]
        and result["lost answers"] == 0
        and result["doubled answers"] == 0
        and result["lost reviews"] == 0
        and result["doubled reviews"] == 0
        and result["consistent"]
        and (recovery is None or recovery <= READY_LIMIT)
    )
    return result


def hello_run(name: str, seconds: int, users: int, workers: int, out: Path, env: dict) -> dict:
    host = Host("hello:app", env, workers, out / f"{name}.log")
    host.start()
    try:
        host.wait_ready("/")
        prefix = out / name
        process, _tally = locust([host], seconds, users, prefix, ["Hello"])
        process.wait(timeout=seconds + 120)
        return {"run": name, "seconds": seconds, "users": users, "stats": read_stats(prefix)}
    finally:
        host.stop()


def sqlite_topology(runs: list[str], seconds: int, fault_seconds: int, users: int, out: Path) -> list[dict]:
    disk = Path(tempfile.mkdtemp(prefix="quizapp-load-disk-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(disk)]).returncode == 0
    url = f"sqlite:///{disk / 'quizapp.sqlite'}"
    env = app_env(url, secrets.token_urlsafe(48), out / "sqlite-jobs.sqlite")
    results = [hello_run("hello-1host", min(seconds, 120), users, 4, out, env)]
    klass = prepare(env)
    host = Host("wsgi:app", env, 4, out / "sqlite-host.log")
    worker = JobWorker(env, out / "sqlite-jobs.log")
    host.start()
    worker.start()
    try:
        host.wait_ready()
        for name in runs:
            if name == "disk" and not mounted:
                continue
            results.append(
                one_run(
                    name,
                    [host],
                    url,
                    seconds if name == "sqlite" else fault_seconds,
                    users,
                    out,
                    {"disk": disk, "class": klass},
                )
            )
            print(json.dumps({k: v for k, v in results[-1].items() if k != "stats"}), flush=True)
    finally:
        worker.stop()
        host.stop()
        if mounted:
            subprocess.run(["umount", str(disk)], check=False)
        shutil.rmtree(disk, ignore_errors=True)
    return results


def postgres_topology(runs: list[str], seconds: int, fault_seconds: int, users: int, out: Path) -> list[dict]:
    # pre-ping: the runs restart the server, which ends this engine's pooled connection too
    admin = sqlalchemy.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    name = f"quizapp_load_{secrets.token_hex(5)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sqlalchemy.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    env = app_env(url, secrets.token_urlsafe(48), out / "postgres-jobs.sqlite", QUIZAPP_REDIS_URL=REDIS_URL)
    hosts: list[Host] = []
    worker = JobWorker(env, out / "postgres-jobs.log")
    try:
        results = [hello_run("hello-2hosts", min(seconds, 120), users, 2, out, env)]
        klass = prepare(env)
        hosts = [Host("wsgi:app", env, 2, out / f"postgres-host-{n}.log") for n in "ab"]
        for host in hosts:
            host.start()
        worker.start()
        for host in hosts:
            host.wait_ready()
        for run in runs:
            results.append(
                one_run(run, hosts, url, seconds if run == "postgres" else fault_seconds, users, out, {"class": klass})
            )
            print(json.dumps({k: v for k, v in results[-1].items() if k != "stats"}), flush=True)
        return results
    finally:
        worker.stop()
        for host in hosts:
            host.stop()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def markdown(results: list[dict]) -> str:
    lines = []
    for result in results:
        lines.append(f"\n### {result['run']} ({result['seconds']} s, {result['users']} users)\n")
        if result.get("fault"):
            lines.append(f"Fault: {result['fault']}; ready again {result['ready after fault (s)']} s after.\n")
        lines.append("| endpoint | requests | 5xx/broken | req/s | p50 ms | p95 ms | p99 ms |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for row in result["stats"]:
            lines.append(
                f"| {row['name']} | {row['requests']} | {row['failures']} | {row['rps']:.2f} | {row['p50']:.0f} "
                f"| {row['p95']:.0f} | {row['p99']:.0f} |"
            )
        checks = {k: v for k, v in result.items() if k not in ("run", "seconds", "users", "stats", "fault")}
        if checks:
            lines.append("\n" + "; ".join(f"{k}: {v}" for k, v in checks.items()))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10, help="each run without a fault")
    parser.add_argument("--fault-minutes", type=float, help="each run with a fault (default: --minutes)")
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--only", default="sqlite,worker,disk,postgres,host,postgres-restart,redis-restart")
    parser.add_argument("--out", type=Path, help="a folder for the CSV, logs and results.json")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="quizapp-load-"))
    out.mkdir(parents=True, exist_ok=True)
    seconds = int(args.minutes * 60)
    fault_seconds = int((args.fault_minutes or args.minutes) * 60)
    wanted = args.only.split(",")
    results = []
    first = [r for r in wanted if r in ("sqlite", "worker", "disk")]  # in the order asked for
    second = [r for r in wanted if r in ("postgres", "host", "postgres-restart", "redis-restart")]
    if first:
        results += sqlite_topology(first, seconds, fault_seconds, args.users, out)
    if second:
        results += postgres_topology(second, seconds, fault_seconds, args.users, out)
    (out / "results.json").write_text(json.dumps(results, indent=1))
    print(markdown(results))
    print(f"\nfiles in {out}")
    return 0 if all(r.get("passed", True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
