"""Importing question banks. Functions add and flush but never commit; the caller commits once."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from ..domain import formats
from ..domain.banks import Bank as BankModel
from ..domain.banks import bank_header, parse_package, question_json
from ..domain.diff import is_major_change
from ..domain.media import StoredImage
from ..domain.packages import BankPackage, package_hash
from ..domain.uploads import read_upload
from ..models import Bank, BankVersion, Question, QuestionRevision
from .cards import restart_memory, sync_cards
from .media import store_media
from .search import update_index


class ImportStatus(StrEnum):
    CREATED = "created"  # a new bank
    UPDATED = "updated"  # a new version of a bank
    UNCHANGED = "unchanged"  # the same content as the bank's current version: nothing written


@dataclass
class ImportResult:
    """What importing one bank did."""

    slug: str  # the bank's YAML id
    status: ImportStatus
    version: int
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    major: list[str] = field(default_factory=list)  # changed or restored so that what is right changed

    @property
    def created(self) -> bool:
        return self.status == ImportStatus.CREATED

    @property
    def unchanged(self) -> bool:
        return self.status == ImportStatus.UNCHANGED


def source_hash(source: bytes) -> str:
    return hashlib.sha256(source).hexdigest()


def find_unchanged_source(session: Session, digest: str) -> Bank | None:
    """The bank whose current version was imported from exactly these bytes, if any (a cheap no-op check)."""
    return session.scalars(select(Bank).where(Bank.source_hash == digest).limit(1)).first()


def _lock_bank(session: Session, slug: str) -> None:
    """Serialise imports of the same bank. SQLite transactions already hold the write lock (BEGIN
    IMMEDIATE); PostgreSQL takes a transaction-scoped advisory lock on the bank id."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(slug.encode()) - 2**31})


def import_bank_source(
    session: Session, source: bytes, source_name: str, now: dt.datetime, bank: BankModel | None = None
) -> ImportResult:
    """Import a bank from the bytes of its file, as the teachers' upload page and ``flask bank import`` do.

    Bytes already imported are recognised by their hash without parsing them. Otherwise the source is
    parsed and validated (raising :class:`~quizapp.domain.banks.BankError`, a refusal listing every
    problem, before anything changes) and imported. ``bank`` is the source already parsed, for a caller
    that validates several files before importing any of them.
    """
    unchanged = find_unchanged_source(session, source_hash(source))
    if unchanged is not None:
        return ImportResult(unchanged.slug, ImportStatus.UNCHANGED, unchanged.version_number)
    if bank is None:
        bank = read_upload(source_name, source, today=now.date()).bank
    return import_bank(session, bank, source, source_name, now)


IMPORT_STEPS = ("Comparing the questions", "Writing the questions", "Updating the search index", "Updating the cards")
Progress = Callable[[int, str], None]  # (steps done, the step starting now) of IMPORT_STEPS


@dataclass(frozen=True)
class FileImport:
    """What importing a bank file did, and what of it was left out in converting it."""

    result: ImportResult
    skipped: tuple[formats.Skipped, ...] = ()
    converted_from: str | None = None  # the format's label ("GIFT"), None for a YAML bank


def import_bank_file(
    session: Session, name: str, data: bytes, now: dt.datetime, from_format: str | None = None
) -> FileImport:
    """Import a bank file in any registered format (GIFT, Aiken, CSV…), converted first; a YAML bank goes in
    byte for byte, so a file already imported is still recognised by its hash.

    Raises:
        BankError: the file cannot be read or converted, or the bank is invalid; nothing is changed.
    """
    found = formats.format_for(name, from_format)
    conversion = formats.read_bank_file(name, data, from_format=found.name, today=now.date())
    result = import_package(session, conversion.package, now)  # with its pictures, from a zip or a conversion
    return FileImport(result, conversion.skipped, found.label if found.converts else None)


def import_package(
    session: Session,
    package: BankPackage,
    now: dt.datetime,
    parsed: tuple[BankModel, Mapping[str, StoredImage]] | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a bank package (a YAML file, or a folder or zip with its images), as :func:`import_bank_source`
    does a YAML file: a package already imported is recognised by its hash; otherwise it is validated
    (raising :class:`~quizapp.domain.banks.BankError` before anything changes) and imported with its
    images. ``parsed`` is what :func:`~quizapp.domain.banks.parse_package` made of it, if already known."""
    digest = package_hash(package)
    unchanged = find_unchanged_source(session, digest)
    if unchanged is not None:
        return ImportResult(unchanged.slug, ImportStatus.UNCHANGED, unchanged.version_number)
    bank, images = parsed if parsed is not None else parse_package(package)
    return import_bank(session, bank, b"", package.source_name, now, progress, images=images, digest=digest)


def import_bank(
    session: Session,
    bank: BankModel,
    source: bytes,
    source_name: str,
    now: dt.datetime,
    progress: Progress | None = None,
    *,
    images: Mapping[str, StoredImage] | None = None,
    digest: str | None = None,
) -> ImportResult:
    """Add or update ``bank`` at ``now`` so its questions keep their identity; flush, don't commit.

    ``progress`` is told as each of :data:`IMPORT_STEPS` starts (a command line's progress bar). ``images``
    are the bank's stored images by the names its package gave them (the questions already refer to them by
    hash); ``digest`` is the package's hash when the bank came from more than ``source``.
    """
    progress = progress or _quiet
    progress(0, IMPORT_STEPS[0])
    _lock_bank(session, bank.id)
    digest = digest or source_hash(source)
    header = bank_header(bank)
    quizzes = [q.model_dump(mode="json") for q in bank.quizzes]
    datas = [question_json(q) for q in bank.questions]
    hashes = [hashlib.sha256(d.encode()).hexdigest() for d in datas]
    content = hashlib.sha256(
        json.dumps([header, quizzes, [q.id for q in bank.questions], hashes], sort_keys=True).encode()
    ).hexdigest()

    row = session.scalars(select(Bank).where(Bank.slug == bank.id)).first()
    if row is not None and row.content_hash == content:
        if row.source_hash != digest:  # same content, other formatting: remember these bytes too
            row.source_hash, row.updated_at = digest, now
        session.flush()
        return ImportResult(bank.id, ImportStatus.UNCHANGED, row.version_number)

    status = ImportStatus.UPDATED if row is not None else ImportStatus.CREATED
    if row is None:
        row = Bank(slug=bank.id, version_number=0, created_at=now, **_header_columns(header))
        session.add(row)
    else:
        for key, value in _header_columns(header).items():
            setattr(row, key, value)
    row.version_number += 1
    row.updated_at = now
    row.content_hash = content
    row.source_hash = digest
    session.flush()
    version = BankVersion(
        bank_id=row.id,
        number=row.version_number,
        content_hash=content,
        source_name=source_name,
        header=header,
        quizzes=quizzes,
        question_count=len(bank.questions),
        imported_at=now,
    )
    session.add(version)
    session.flush()
    store_media(session, version.id, images or {}, now)

    result = ImportResult(bank.id, status, row.version_number)
    existing = {
        r.key: r
        for r in session.execute(
            select(
                Question.id,
                Question.key,
                Question.content_hash,
                Question.position,
                Question.retired_at,
                Question.revision_number,
            ).where(Question.bank_id == row.id)
        )
    }
    new_rows, revisions, updates = [], [], []
    unindexed: list[int] = []  # questions to take out of the search index
    indexed: list[tuple[int, str]] = []  # (id, data) of current questions to index afresh
    for position, (question, data, digest_q) in enumerate(zip(bank.questions, datas, hashes, strict=True)):
        old = existing.get(question.id)
        if old is None:
            new_rows.append(
                {
                    "bank_id": row.id,
                    "key": question.id,
                    "type": question.type,
                    "position": position,
                    "content_hash": digest_q,
                    "data": data,
                    "revision_number": 1,
                }
            )
            result.added.append(question.id)
            continue
        if old.content_hash == digest_q and old.retired_at is None:
            if old.position != position:
                updates.append({"id": old.id, "position": position})
            continue
        (result.restored if old.retired_at is not None else result.changed).append(question.id)
        indexed.append((old.id, data))
        number = old.revision_number + (old.content_hash != digest_q)
        updates.append(
            {
                "id": old.id,
                "type": question.type,
                "position": position,
                "content_hash": digest_q,
                "data": data,
                "revision_number": number,
                "retired_at": None,
            }
        )
        if old.content_hash != digest_q:
            revisions.append(
                {
                    "question_id": old.id,
                    "number": number,
                    "bank_version_id": version.id,
                    "content_hash": digest_q,
                    "data": data,
                }
            )
    changed_ids = [r["question_id"] for r in revisions]
    previous: dict[int, str] = {}
    for start in range(0, len(changed_ids), 500):
        chunk = changed_ids[start : start + 500]
        previous.update(session.execute(select(Question.id, Question.data).where(Question.id.in_(chunk))).all())
    keys = {q.id for q in bank.questions}
    for key, old in existing.items():
        if key not in keys and old.retired_at is None:
            updates.append({"id": old.id, "retired_at": now})
            result.retired.append(key)
            unindexed.append(old.id)

    progress(1, IMPORT_STEPS[1])
    if new_rows:
        ids = session.execute(
            insert(Question).returning(Question.id, Question.key, sort_by_parameter_order=True), new_rows
        ).all()
        for (qid, _key), new in zip(ids, new_rows, strict=True):
            indexed.append((qid, new["data"]))
            revisions.append(
                {
                    "question_id": qid,
                    "number": 1,
                    "bank_version_id": version.id,
                    "content_hash": new["content_hash"],
                    "data": new["data"],
                }
            )
    for batch in _group_by_keys(updates):
        session.execute(update(Question), batch)
    if revisions:
        session.execute(insert(QuestionRevision), revisions)
    progress(2, IMPORT_STEPS[2])
    update_index(session, unindexed, indexed)
    session.flush()
    progress(3, IMPORT_STEPS[3])
    sync_cards(session, row.id, now)
    major = _major_changes(session, previous, existing, bank.questions, datas)
    result.major = [key for key, _qid in major]
    restart_memory(session, [qid for _key, qid in major], now)
    progress(len(IMPORT_STEPS), "")
    return result


def _quiet(done: int, step: str) -> None:
    """No one is watching."""


def _major_changes(
    session: Session, previous: dict[int, str], existing: dict, questions: list, datas: list[str]
) -> list[tuple[str, int]]:
    """(key, id) of each existing question whose new content changes what is right (see domain.diff);
    ``previous`` is the stored data of the questions whose content changed, by id, as it was before."""
    found = []
    for question, data in zip(questions, datas, strict=True):
        old = existing.get(question.id)
        if old is None or old.id not in previous:
            continue
        if is_major_change(question.type, json.loads(previous[old.id]), json.loads(data)):
            found.append((question.id, old.id))
    return found


def _header_columns(header: dict) -> dict:
    return {**header, "reviewed_on": dt.date.fromisoformat(header["reviewed_on"])}


def _group_by_keys(rows: list[dict]) -> list[list[dict]]:
    """Bulk UPDATE by primary key needs every row in a batch to set the same columns."""
    groups: dict[tuple[str, ...], list[dict]] = {}
    for r in rows:
        groups.setdefault(tuple(sorted(r)), []).append(r)
    return list(groups.values())
