"""Background jobs' rows: created when work is queued, moved on as it runs, closed with its result.

The worker commits each change at once, so the job's page (another process) sees it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ..domain.jobs import JobKind, JobStatus
from ..models import Job, User


def create_job(
    session: Session, kind: JobKind, user: User | None, params: dict[str, Any], total: int, now: dt.datetime
) -> Job:
    job = Job(
        kind=kind.value,
        user_id=user.id if user is not None else None,
        status=JobStatus.QUEUED.value,
        params=params,
        total=total,
        progress=0,
        step="Waiting for the worker",
        created_at=now,
    )
    session.add(job)
    session.flush()
    return job


def advance(session: Session, job: Job, done: int, step: str, now: dt.datetime) -> None:
    """Record that ``done`` of the job's steps are done and ``step`` is under way."""
    if job.status == JobStatus.QUEUED:
        job.status, job.started_at = JobStatus.RUNNING.value, now
    job.progress, job.step = min(done, job.total), step
    session.flush()


def finish_job(session: Session, job: Job, result: dict[str, Any], now: dt.datetime) -> None:
    job.status, job.result, job.finished_at = JobStatus.DONE.value, result, now
    job.progress, job.step = job.total, ""
    session.flush()


def fail_job(
    session: Session, job: Job, now: dt.datetime, *, result: dict[str, Any] | None = None, error: str | None = None
) -> None:
    """Close the job as failed: refused (``result`` holds what to show, e.g. the problems) or crashed."""
    job.status, job.result, job.error, job.finished_at = JobStatus.FAILED.value, result, error, now
    job.step = ""
    session.flush()
