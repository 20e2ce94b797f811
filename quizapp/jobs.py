"""Long work off the request: a huey queue, its worker's tasks, and what each kind of job does.

Item analyses are computed ahead and stored by the same worker (see "item analyses kept ahead" below).

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey
from huey.api import Task
from sqlalchemy import event
from sqlalchemy.orm import Session

from .database import deferred
from .domain.banks import BankError
from .domain.jobs import JobKind, JobStatus
from .domain.refusals import NotFound, Refused
from .extensions import db
from .models import Assignment, Job, utcnow
from .operations import imports as import_operations
from .operations import itemanalysis as analysis_operations
from .operations import jobs as job_operations
from .operations.itemanalysis import CLOSED_ASSIGNMENTS
from .queries import imports as import_queries
from .queries import itemanalysis as analysis_queries
from .queries.itemanalysis import Fresh

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
    """An app's queue and its tasks, made when first used (so an app that never queues work opens no queue
    storage)."""

    def __init__(self, app: Flask):
        self.app = app
        self._huey: Huey | None = None
        self._task: Callable[[int], Task] | None = None
        self._analyses: Callable[[list[int], list[dict[str, Any]]], Task] | None = None

    @property
    def huey(self) -> Huey:
        if self._huey is None:
            huey = make_huey(self.app.config, self.app.instance_path)
            app = self.app

            def run(job_id: int) -> None:
                run_job(app, job_id)

            def analyses(assignment_ids: list[int], computed: list[dict[str, Any]]) -> None:
                run_analyses(app, assignment_ids, computed)

            self._task = huey.task(name="quizapp.run_job", retries=0)(run)
            self._analyses = huey.task(name="quizapp.keep_analyses", retries=0)(analyses)
            self._huey = huey
        return self._huey

    def keep_analyses(self, assignment_ids: list[int], computed: list[dict[str, Any]]) -> None:
        self.huey  # noqa: B018  # makes the task
        if self._analyses is None:  # pragma: no cover - reading self.huey makes it
            raise RuntimeError("the analyses task was not made")
        self._analyses(assignment_ids, computed)

    def enqueue(self, job_id: int) -> None:
        self.huey  # noqa: B018  # makes the task
        if self._task is None:  # pragma: no cover - reading self.huey makes it
            raise RuntimeError("the job task was not made")
        self._task(job_id)


def init_app(app: Flask) -> None:
    app.extensions["quizapp.jobs"] = Queue(app)
    for name, listener in (("after_commit", _committed), ("after_rollback", _rolled_back)):
        if not event.contains(db.session, name, listener):  # one listener for every app of the process
            event.listen(db.session, name, listener)


def queue() -> Queue:
    """The current app's queue."""
    return current_app.extensions["quizapp.jobs"]


def enqueue(job_id: int) -> None:
    """Hand a committed job to the worker (or, in immediate mode, run it now)."""
    queue().enqueue(job_id)


# --- item analyses kept ahead ------------------------------------------------------------------------------
# An analysis is stored (stored_analyses) where every worker and host reads it, so that one computation
# serves them all: the analysis of each assignment whose attempts closed is computed ahead by the worker
# once the closing transaction commits (the operation that closes an attempt notes its assignment in the
# session), so that the teacher's first view finds it ready; an analysis a page had to compute is handed to
# the worker to store. The page computes any analysis not stored or no longer current itself, so a queue
# that is slow, or down, costs time, never a wrong figure.


def keep_analyses(assignment_ids: Iterable[int] = (), computed: Iterable[Fresh | None] = ()) -> None:
    """Queue the analyses of these assignments (each learner's first attempt) to be computed and stored,
    and analyses pages computed to be stored. Never fails the request: a queue that cannot take them is
    logged, and pages compute what they do not find."""
    ids = sorted(set(assignment_ids))
    kept = [dataclasses.asdict(c) for c in computed if c is not None]
    if not ids and not kept:
        return
    try:
        queue().keep_analyses(ids, kept)
    except Exception:  # the queue's storage is down: pages compute what they need
        log.warning("could not queue item analyses to keep", exc_info=True)


def _committed(session: Session) -> None:
    closed = session.info.pop(CLOSED_ASSIGNMENTS, None)
    if closed and has_app_context():
        keep_analyses(closed)


def _rolled_back(session: Session) -> None:
    session.info.pop(CLOSED_ASSIGNMENTS, None)


def run_analyses(app: Flask, assignment_ids: Sequence[int], computed: Sequence[Mapping[str, Any]]) -> None:
    """Compute the analyses of these assignments unless current, then store them and those ``computed``
    that are still current. On SQLite the computing reads in a deferred transaction, so that learners'
    answers are not held up behind it; the storing is one short transaction that checks each is current."""
    with app.app_context():
        try:
            fresh = [Fresh(**c) for c in computed]
            with deferred():
                for assignment_id in assignment_ids:
                    assignment = db.session.get(Assignment, assignment_id)
                    try:
                        scope = analysis_queries.assignment_scope(db.session, assignment, None) if assignment else None
                    except NotFound:  # its banks are gone
                        continue
                    if scope is not None and (found := analysis_queries.fresh_analysis(db.session, scope)):
                        fresh.append(found)
                db.session.rollback()
            for found in fresh:
                scope = analysis_queries.scope_from_spec(db.session, found.spec)
                if scope is not None and analysis_queries.state_digest(db.session, scope) == found.state:
                    key = analysis_queries.scope_key(scope, found.spec["min_attempts"])
                    analysis_operations.store_analysis(db.session, key, found.state, found.data, utcnow())
            db.session.commit()
        except Exception:  # another worker stored the same meanwhile, or the database is down: pages compute
            log.warning("could not keep item analyses", exc_info=True)
            db.session.rollback()
        finally:
            db.session.remove()


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
