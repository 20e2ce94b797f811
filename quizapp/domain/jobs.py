"""Background jobs: their states and kinds. Pure."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # refused (the problems are in the result) or crashed (the error says so)


class JobKind(StrEnum):
    STAGE_IMPORT = "stage_import"  # validate an upload and compare it with the live bank
    PUBLISH_IMPORT = "publish_import"  # publish a staged upload


JOB_STATUSES = tuple(s.value for s in JobStatus)
