"""Uploads, from file to live bank: staging (validate, compare, keep), publishing and discarding.

Nothing in a bank changes when a file is uploaded: it is validated and compared with the live bank, and kept
as a :class:`~quizapp.models.StagedImport` for its preview. Publishing it imports exactly the bytes that
were previewed, and is refused (409) if the bank has changed since the preview was made or the preview has
expired. Functions add and flush but never commit.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..domain.diff import BankDiff
from ..domain.jobs import JobKind
from ..domain.packages import package_hash
from ..domain.refusals import Conflict, NotFound
from ..domain.uploads import Upload, read_upload
from ..models import Job, StagedImport, User
from ..queries import imports as import_queries
from .banks import ImportResult, Progress, import_bank
from .jobs import create_job
from .media import store_media_files

STAGED_LIFETIME = dt.timedelta(hours=24)  # how long a preview can be published


class StagedImportNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(
            "There is no such upload waiting to be published: it may have been published or discarded already, "
            "or it expired. Upload the file again to see what it would change."
        )


class StaleImport(Conflict):
    """The preview no longer says what publishing would do."""


class StillChecking(Conflict):
    def __init__(self) -> None:
        super().__init__("This upload is still being checked; publish it once its preview is shown.")


def new_staged(
    session: Session, user: User, name: str, source: bytes, now: dt.datetime, source_format: str | None = None
) -> StagedImport:
    """Keep an upload, not yet checked, for ``user`` (a job checks a large one: see :func:`check_staged`)."""
    purge_expired(session, now)
    staged = StagedImport(
        token=secrets.token_urlsafe(24),
        user_id=user.id,
        filename=name,
        source_format=source_format,
        source=source,
        created_at=now,
        expires_at=now + STAGED_LIFETIME,
    )
    session.add(staged)
    session.flush()
    return staged


def check_staged(session: Session, staged: StagedImport, upload: Upload | None = None) -> BankDiff:
    """Compare the kept upload with its live bank and remember the result; a bad file raises
    :class:`~quizapp.domain.banks.BankError` and changes nothing (the caller rolls back)."""
    upload = upload or read_staged(staged)
    # Its pictures are stored now (once each, by content, linked to no version yet), so the preview shows them.
    store_media_files(session, upload.images.values(), staged.created_at)
    diff = import_queries.compare(session, upload)
    staged.bank_slug = diff.slug
    staged.base_version = diff.base_version
    staged.report = diff.to_data()
    session.flush()
    return diff


def read_staged(staged: StagedImport) -> Upload:
    """The kept upload read again, as it was read for its preview (converted the same way)."""
    return read_upload(staged.filename, staged.source, staged.source_format, staged.created_at.date())


def stage_import(
    session: Session, user: User, name: str, source: bytes, now: dt.datetime, source_format: str | None = None
) -> StagedImport:
    """Validate an upload (converting it first if it is in another format; raising
    :class:`~quizapp.domain.banks.BankError` before anything is kept), compare it with the live bank and keep
    it for its preview."""
    upload = read_upload(name, source, source_format, now.date())
    staged = new_staged(session, user, name, source, now, source_format)
    check_staged(session, staged, upload)
    return staged


def staged_for(session: Session, user_id: int, token: str) -> StagedImport:
    """The uploader's staged upload named by ``token``; anyone else's, or none, is not found."""
    staged = session.scalars(import_queries.staged_by_token(token)).first()
    if staged is None or staged.user_id != user_id:
        raise StagedImportNotFound()
    return staged


def check_fresh(session: Session, staged: StagedImport, now: dt.datetime) -> None:
    """Refuse (409) to publish a preview that expired, or one made against a version no longer live."""
    if staged.report is None or staged.bank_slug is None:
        raise StillChecking()
    if staged.expires_at <= now:
        raise StaleImport(
            f"This preview of {staged.filename} expired on {staged.expires_at:%-d %B %Y at %H:%M} UTC, so nothing "
            "was published. Upload the file again to see what it would change now."
        )
    live = import_queries.live_version(session, staged.bank_slug)
    if live != staged.base_version:
        was = f"version {staged.base_version}" if staged.base_version else "no bank with this id"
        raise StaleImport(
            f"Bank {staged.bank_slug} has changed since this preview was made (it is now at version {live}; the "
            f"preview compared the file with {was}), so nothing was published. Upload the file again to see what "
            "it would change now."
        )


def publish_staged(
    session: Session, user_id: int, token: str, now: dt.datetime, progress: Progress | None = None
) -> ImportResult:
    """Publish the previewed upload: import exactly its bytes, then forget it."""
    staged = staged_for(session, user_id, token)
    check_fresh(session, staged, now)
    upload = read_staged(staged)
    digest = package_hash(upload.package) if upload.package is not None else None
    result = import_bank(
        session, upload.bank, upload.source, upload.name, now, progress, images=upload.images, digest=digest
    )
    session.delete(staged)
    session.flush()
    return result


def discard_staged(session: Session, user_id: int, token: str) -> str:
    """Forget an upload without publishing it; returns its file name."""
    staged = staged_for(session, user_id, token)
    name = staged.filename
    session.delete(staged)
    session.flush()
    return name


def purge_expired(session: Session, now: dt.datetime) -> int:
    """Forget every upload whose preview has expired."""
    return session.execute(delete(StagedImport).where(StagedImport.expires_at <= now)).rowcount or 0


# --- large uploads: checked and published by the background worker ----------------------------------------


def queue_stage(
    session: Session, user: User, name: str, source: bytes, now: dt.datetime, source_format: str | None = None
) -> Job:
    """Keep a large upload unchecked and queue the job that checks it (the caller commits, then enqueues)."""
    staged = new_staged(session, user, name, source, now, source_format)
    return create_job(session, JobKind.STAGE_IMPORT, user, {"token": staged.token, "filename": name}, 2, now)


def queue_publish(session: Session, user: User, token: str, now: dt.datetime) -> Job:
    """Queue the job that publishes a large staged upload, once it is known to be fresh."""
    staged = staged_for(session, user.id, token)
    check_fresh(session, staged, now)
    return create_job(session, JobKind.PUBLISH_IMPORT, user, {"token": token, "filename": staged.filename}, 2, now)


def runs_as_job(staged: StagedImport, max_bytes: int, max_questions: int) -> bool:
    """Whether publishing ``staged`` is long work: a file over ``max_bytes`` or more than ``max_questions``
    questions."""
    questions = len((staged.report or {}).get("questions", ()))
    return len(staged.source) > max_bytes or questions > max_questions
