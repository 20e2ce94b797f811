"""The load suite's users (benchmarks/load/locustfile.py), headless for a few seconds against one gunicorn host
on SQLite: learners register, take quizzes in both modes and study cards, a teacher uploads a bank, visitors
read the catalogue. No response of 500 or more, and every answer and review the clients saw accepted is in
the database exactly once. The full runs, with faults, are ``benchmarks/load/run.py``."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from benchmarks.load.run import ROOT, UPLOAD, Host, app_env, check_database, check_errors, locust, prepare

pytestmark = pytest.mark.slow
SECONDS = 20
USERS = 5


def test_users_under_load_lose_and_double_nothing(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'quizapp.sqlite'}"
    env = app_env(url, secrets.token_urlsafe(48), tmp_path / "jobs.sqlite")  # not the repository's instance/
    klass = prepare(env, [ROOT / "questions" / "ms-foundations", UPLOAD])  # a bank folder, with its pictures
    host = Host("wsgi:app", env, 4, tmp_path / "host.log")
    host.start()
    try:
        host.wait_ready()
        process, tally_path = locust(
            [host], SECONDS, USERS, tmp_path / "smoke", ["Learner", "Teacher", "Visitor"], klass
        )
        assert process.wait(timeout=SECONDS + 90) in (0, 1), (tmp_path / "smoke.locust.log").read_text()[-3000:]
    finally:
        host.stop()
    tally = json.loads(tally_path.read_text())
    errors = check_errors(tally, None)
    assert errors["5xx"] == 0, errors["other 5xx detail"]
    assert errors["broken connections"] == 0
    assert errors["learners registered"] >= 1
    assert errors["teacher pages refused"] == []  # the class pages are the teacher's to read
    assert errors["right passwords refused"] == []
    found = check_database(url, tally)
    assert found["answers accepted"] > 0, found  # the learners got through quizzes
    assert found["lost answers"] == found["doubled answers"] == found["answers told twice"] == 0, found
    assert found["lost reviews"] == found["doubled reviews"] == 0, found
    assert found["consistent"], found["consistency detail"]
