"""Long work off the request: a huey queue, its worker's tasks, and what each kind of job does.

A request that has long work to do (checking or publishing a large upload) adds a :class:`~quizapp.models.Job`
row, commits, and :func:`enqueue`\\ s its id; the worker (``flask --app quizapp jobs run``, started by
``make run``) runs it in an app context, calling the same operations as the views and committing once for
the work itself, and records the progress and result in the job's row, where the job's page reads them.

Storage: SQLite by default (``instance/jobs.sqlite``, or ``JOBS_SQLITE``); Redis when ``REDIS_URL`` is set.
``JOBS_IMMEDIATE`` runs each job at once in the enqueuing process (tests).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey
from huey.api import Task

from .domain.banks import BankError
from .domain.jobs import JobKind, JobStatus
from .domain.refusals import Refused
from .extensions import db
from .models import Job, utcnow
from .operations import imports as import_operations
from .operations import jobs as job_operations
from .queries import imports as import_queries

log = logging.getLogger(__name__)

STAGE_STEPS = ("Reading and checking the file", "Comparing it with the live bank")
PUBLISH_STEPS = ("Checking the preview is still current", "Writing the new version")


def make_huey(config: Mapping[str, Any], instance_path: str) -> Huey:
    """The queue the configuration asks for."""
    immediate = bool(config.get("JOBS_IMMEDIATE"))
    if config.get("REDIS_URL"):
        return RedisHuey("quizapp", url=config["REDIS_URL"], immediate=immediate)
    path = config.get("JOBS_SQLITE") or os.path.join(instance_path, "jobs.sqlite")
    return SqliteHuey("quizapp", filename=path, immediate=immediate)


class Queue:
    """An app's queue and its one task, made when first used (so an app that never queues work opens no
    queue storage)."""

    def __init__(self, app: Flask):
        self.app = app
        self._huey: Huey | None = None
        self._task: Callable[[int], Task] | None = None

    @property
    def huey(self) -> Huey:
        if self._huey is None:
            huey = make_huey(self.app.config, self.app.instance_path)
            app = self.app

            def run(job_id: int) -> None:
                run_job(app, job_id)

            self._task = huey.task(name="quizapp.run_job", retries=0)(run)
            self._huey = huey
        return self._huey

    def enqueue(self, job_id: int) -> None:
        self.huey  # noqa: B018  # makes the task
        if self._task is None:  # pragma: no cover - reading self.huey makes it
            raise RuntimeError("the job task was not made")
        self._task(job_id)


def init_app(app: Flask) -> None:
    app.extensions["quizapp.jobs"] = Queue(app)


def queue() -> Queue:
    """The current app's queue."""
    return current_app.extensions["quizapp.jobs"]


def enqueue(job_id: int) -> None:
    """Hand a committed job to the worker (or, in immediate mode, run it now)."""
    queue().enqueue(job_id)


# --- what the worker runs --------------------------------------------------------------------------------


def run_job(app: Flask, job_id: int) -> None:
    """Run one job in its own app context (and so its own database session)."""
    with app.app_context():
        job = db.session.get(Job, job_id)
        if job is None or job.status != JobStatus.QUEUED:
            db.session.rollback()
            return
        try:
            RUNNERS[JobKind(job.kind)](job)
        except Exception as exc:  # a crash: the job's page says so rather than waiting for ever
            log.exception("job %s failed", job_id)
            db.session.rollback()
            job = db.session.get(Job, job_id)
            if job is not None:
                job_operations.fail_job(db.session, job, utcnow(), error=f"The job stopped: {type(exc).__name__}.")
                db.session.commit()
        finally:
            db.session.remove()


def _step(job: Job, done: int, steps: tuple[str, ...]) -> None:
    job_operations.advance(db.session, job, done, steps[done] if done < len(steps) else "", utcnow())
    db.session.commit()


def problems_data(exc: BankError) -> list[dict[str, Any]]:
    return [dataclasses.asdict(p) for p in exc.problems]


def stage(job: Job) -> None:
    """Check a large upload kept by the request, and compare it with its live bank."""
    staged = db.session.scalars(import_queries.staged_by_token(job.params["token"])).first()
    if staged is None:
        job_operations.fail_job(db.session, job, utcnow(), result={"message": "The upload is gone."})
        db.session.commit()
        return
    filename = staged.filename
    _step(job, 0, STAGE_STEPS)
    try:
        upload = import_operations.read_staged(staged)
    except BankError as exc:
        db.session.delete(staged)  # a bad file is not kept
        job_operations.fail_job(
            db.session, job, utcnow(), result={"filename": filename, "problems": problems_data(exc)}
        )
        db.session.commit()
        return
    _step(job, 1, STAGE_STEPS)
    diff = import_operations.check_staged(db.session, staged, upload)
    job_operations.finish_job(
        db.session, job, {"filename": filename, "token": staged.token, "counts": diff.counts}, utcnow()
    )
    db.session.commit()


def publish(job: Job) -> None:
    """Publish a staged upload; refused (stale, expired, gone), nothing changes and the page says why."""
    job_id, user_id, token, filename = job.id, job.user_id, job.params["token"], job.params.get("filename", "")
    _step(job, 0, PUBLISH_STEPS)
    _step(job, 1, PUBLISH_STEPS)
    try:
        result = import_operations.publish_staged(db.session, user_id, token, utcnow())
    except Refused as refused:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        extra = {"problems": problems_data(refused)} if isinstance(refused, BankError) else {}
        job_operations.fail_job(
            db.session, job, utcnow(), result={"filename": filename, "message": refused.message, **extra}
        )
        db.session.commit()
        return
    job_operations.finish_job(db.session, job, {"filename": filename, "import": result_data(result)}, utcnow())
    db.session.commit()


def result_data(result: import_operations.ImportResult) -> dict[str, Any]:
    return {
        "slug": result.slug,
        "status": result.status.value,
        "version": result.version,
        **{name: list(getattr(result, name)) for name in ("added", "changed", "retired", "restored", "major")},
    }


RUNNERS: dict[JobKind, Callable[[Job], None]] = {JobKind.STAGE_IMPORT: stage, JobKind.PUBLISH_IMPORT: publish}
