"""Background jobs: large uploads are checked and published by the worker (run at once here, in huey's
immediate mode), with a progress page that works without JavaScript; and a real `flask jobs run` worker."""

from __future__ import annotations

import io
import os
import re
import secrets
import signal
import subprocess
import sys
import time

import pytest
import redis
from sqlalchemy import func, select

from quizapp.domain.jobs import JobStatus
from quizapp.extensions import db, passwords
from quizapp.jobs import enqueue, make_huey, queue
from quizapp.models import Bank, Job, StagedImport, utcnow
from quizapp.operations import create_user
from quizapp.operations import imports as import_operations

from .conftest import PASSWORD, ROOT, bank_yaml, csrf_token, log_in, make_app
from .test_publish import EDITED

JOB_RE = re.compile(r"/teach/jobs/(\d+)$")


@pytest.fixture
def teacher(app, client, make_user):
    app.config["IMPORT_JOB_BYTES"] = 100  # every test bank is "large"
    make_user("teacher", role="teacher")
    log_in(client, "teacher")
    return client


def post_upload(client, text: str, name: str = "demo.yaml"):
    return client.post(
        "/teach/banks", data={"csrf_token": csrf_token(client), "bank": (io.BytesIO(text.encode()), name)}
    )


def job_path(response) -> str:
    assert response.status_code == 303, response.text
    assert JOB_RE.search(response.headers["Location"]), response.headers["Location"]
    return response.headers["Location"]


def test_a_large_upload_is_checked_and_published_by_a_job(app, teacher, make_bank):
    make_bank(bank_yaml())
    checking = job_path(post_upload(teacher, EDITED))
    page = teacher.get(checking)
    assert page.status_code == 200
    assert "Checking demo.yaml" in page.text and "See the preview and publish" in page.text
    assert 'http-equiv="refresh"' not in page.text and "jobs.js" not in page.text  # done: nothing to wait for
    preview = re.search(r'href="(/teach/imports/[A-Za-z0-9_-]{32})"', page.text).group(1)
    assert "<dt>Changed</dt><dd>2: 1 major, 1 minor</dd>" in teacher.get(preview).text

    publishing = job_path(teacher.post(preview + "/publish", data={"csrf_token": csrf_token(teacher)}))
    html = teacher.get(publishing).text
    assert "Publishing demo.yaml" in html and "is now at version 2" in html
    assert "Learners' memory of the cards of q1 starts afresh" in html
    status = teacher.get(publishing + ".json").get_json()
    assert status == {"status": "done", "progress": 2, "total": 2, "step": ""}
    with app.app_context():
        assert db.session.scalar(select(Bank.version_number)) == 2
        assert db.session.scalar(select(func.count()).select_from(StagedImport)) == 0


def test_a_bad_large_upload_shows_its_problems_and_keeps_nothing(app, teacher):
    path = job_path(post_upload(teacher, bank_yaml().replace("type: single", "type: essay"), "bad.yaml"))
    response = teacher.get(path)
    assert "bad.yaml was not imported: 1 problem" in response.text
    assert "<code>questions[0].type</code>: unknown question type &#39;essay&#39;" in response.text
    assert teacher.get(path + ".json").get_json()["status"] == "failed"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StagedImport)) == 0
        assert db.session.scalar(select(func.count()).select_from(Bank)) == 0


def test_a_stale_large_publish_is_refused_before_it_is_queued(app, teacher, make_bank):
    make_bank(bank_yaml())
    page = teacher.get(job_path(post_upload(teacher, EDITED))).text
    preview = re.search(r'href="(/teach/imports/[A-Za-z0-9_-]{32})"', page).group(1)
    make_bank(bank_yaml().replace("First question?", "First question, meanwhile?"))
    response = teacher.post(preview + "/publish", data={"csrf_token": csrf_token(teacher)})
    assert response.status_code == 409 and "has changed since this preview" in response.text
    with app.app_context():
        assert db.session.scalar(select(Bank.version_number)) == 2


def test_a_waiting_job_page_refreshes_itself_and_has_a_script(app, teacher, make_user):
    with app.app_context():
        job = Job(kind="stage_import", user_id=1, status="queued", params={"filename": "x.yaml"}, total=2, step="")
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    html = teacher.get(f"/teach/jobs/{job_id}").text
    # Without JavaScript it reloads itself (the reader can stop it); with it, jobs.js updates it in place.
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    assert f'<a href="/teach/jobs/{job_id}?refresh=off">Stop reloading</a>' in html
    assert 'src="/static/jobs.js"' in html and "Refresh now" in html
    assert '<progress id="job-progress" max="2" value="0">' in html
    stopped = teacher.get(f"/teach/jobs/{job_id}?refresh=off").text
    assert 'http-equiv="refresh"' not in stopped and "Reload it every 5 seconds" in stopped
    assert f'href="/teach/jobs/{job_id}?refresh=off" class="job-refresh">Refresh now' in stopped


def test_job_pages_are_their_owners_only(app, teacher, make_user):
    with app.app_context():
        job = Job(kind="stage_import", user_id=1, status="done", params={"filename": "x.yaml"}, total=2, step="")
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    other = app.test_client()
    make_user("teacher2", role="teacher")
    log_in(other, "teacher2")
    assert other.get(f"/teach/jobs/{job_id}").status_code == 404
    assert other.get(f"/teach/jobs/{job_id}.json").status_code == 404
    assert teacher.get("/teach/jobs/99999999999").status_code == 404
    assert teacher.get("/teach/jobs/0").status_code == 404


def test_the_queue_is_sqlite_by_default_and_immediate_in_tests(tmp_path):
    sqlite = make_huey({}, str(tmp_path))
    assert type(sqlite).__name__ == "SqliteHuey" and sqlite.storage.filename == str(tmp_path / "jobs.sqlite")
    assert make_huey({"JOBS_IMMEDIATE": True}, str(tmp_path)).immediate


def test_with_redis_configured_a_job_goes_through_redis(tmp_path, make_user):
    """The queue on the Redis server (database 15): the job waits there until a worker takes it."""
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {url}: {exc}")
        pytest.skip(f"Redis is not reachable at {url}")
    app = make_app(f"sqlite:///{tmp_path / 'quizapp.sqlite'}", tmp_path, JOBS_IMMEDIATE=False, REDIS_URL=url)
    with app.app_context():
        huey = queue().huey
        assert type(huey).__name__ == "RedisHuey"
        huey.flush()
        user = create_user(db.session, "teacher", PASSWORD, "teacher", passwords=passwords(), now=utcnow())
        job_id = import_operations.queue_stage(db.session, user, "demo.yaml", bank_yaml().encode(), utcnow()).id
        db.session.commit()  # and touch nothing after: a new SQLite transaction would hold the write lock
        enqueue(job_id)
        assert huey.pending_count() == 1
        huey.execute(huey.dequeue())  # what a worker does
        assert db.session.scalar(select(Job.status).where(Job.id == job_id)) == JobStatus.DONE
        huey.flush()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.slow
def test_a_real_worker_runs_a_queued_job(tmp_path):
    """`flask jobs run` in its own process, on a temporary SQLite queue, completes a job the app queued."""
    database, queue_file = tmp_path / "quizapp.sqlite", tmp_path / "jobs.sqlite"
    app = make_app(f"sqlite:///{database}", tmp_path, JOBS_IMMEDIATE=False, JOBS_SQLITE=str(queue_file))
    with app.app_context():
        user = create_user(db.session, "teacher", PASSWORD, "teacher", passwords=passwords(), now=utcnow())
        job_id = import_operations.queue_stage(db.session, user, "demo.yaml", bank_yaml().encode(), utcnow()).id
        db.session.commit()  # and touch nothing after: a new SQLite transaction would hold the write lock
        enqueue(job_id)
    env = {
        **os.environ,
        "QUIZAPP_SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "QUIZAPP_JOBS_SQLITE": str(queue_file),
        "QUIZAPP_SECRET_KEY": secrets.token_urlsafe(32),
        "PYTHONPATH": str(ROOT),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "quizapp", "jobs", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            with app.app_context():
                status = db.session.scalar(select(Job.status).where(Job.id == job_id))
                db.session.remove()
            if status in (JobStatus.DONE, JobStatus.FAILED) or worker.poll() is not None:
                break
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            _out, err = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            _out, err = worker.communicate()
    assert status == JobStatus.DONE, err
    assert "Background worker started" in err
    with app.app_context():
        staged = db.session.scalars(select(StagedImport)).one()
        assert staged.bank_slug == "demo" and staged.base_version == 0
        db.session.remove()
        db.engine.dispose()
