"""Anki packages (``.apkg``): reading a deck into a bank, writing a bank as a deck, and writing a learner's
cards with their review history.

Pure (files only in a private temporary folder). An ``.apkg`` is a zip holding the collection, an SQLite
database (``collection.anki21`` or ``collection.anki2``), a ``media`` JSON map from member names (``0``,
``1``…) to file names, and the media files. It is read with Python's own ``zipfile`` and ``sqlite3`` — the
collection opened read-only, with ``trusted_schema`` off — rather than the ``anki`` package, which is a
large desktop application's core and would open the file read-write. Newer Anki versions can write
``collection.anki21b`` (Zstandard-compressed, a newer schema): such a file is refused with the way round.

Writing uses genanki: a note per question with a **stable guid** from (bank id, question id), and model and
deck ids derived from the bank id, so importing an updated deck into Anki updates its notes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import genanki
from pydantic import TypeAdapter

from ..banks import Bank, Question
from ..interchange import NotMapped
from ..packages import MEDIA_DIR
from ..types import REGISTRY
from ..types.base import WHOLE
from ..types.cloze import CLOZE_RE, cloze_gaps
from ._core import (
    Conversion,
    Converted,
    Format,
    FormatError,
    Ids,
    Skipped,
    assemble,
    default_header,
    slugify,
    tags_from,
)
from .htmltext import described, html_to_markdown, markdown_to_html, with_media

MAX_PACKAGE = 512 * 1024 * 1024  # bytes, the .apkg itself
MAX_MEMBERS = 50_000
MAX_COLLECTION = 512 * 1024 * 1024  # bytes, unpacked
MAX_MEDIA_FILE = 32 * 1024 * 1024
MAX_UNPACKED = 1024 * 1024 * 1024  # everything read from one file
MAX_RATIO = 200  # unpacked / packed size of one member beyond which it is taken for a zip bomb
COLLECTIONS = ("collection.anki21", "collection.anki2")
_SAFE_MEDIA_RE = re.compile(r"^[^/\\\x00-\x1f]+$")
_SOUND_RE = re.compile(r"\[sound:[^\]]*\]")
_FIELD_REF_RE = re.compile(r"\{\{#([^}]+)\}\}")


class ApkgError(FormatError):
    """A file that is not an Anki package we will read: not a zip, too big, unsafe or corrupt."""

    def __init__(self, filename: str, message: str):
        super().__init__(filename, 0, message)


# --- reading ----------------------------------------------------------------------------------------


class _Zip:
    """A zip read with limits: a member's declared and actual size, its compression ratio, the total."""

    def __init__(self, data: bytes, name: str):
        self.name, self.read_total = name, 0
        if len(data) > MAX_PACKAGE:
            raise ApkgError(name, f"the file is larger than {MAX_PACKAGE // (1024 * 1024)} MiB")
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            members = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
            raise ApkgError(name, "this is not an Anki package (an .apkg file is a zip archive)") from None
        if len(members) > MAX_MEMBERS:
            raise ApkgError(name, f"{len(members)} files in the archive; at most {MAX_MEMBERS} are read")
        for member in members:
            path = member.filename
            if path.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", path) or ":" in path:
                raise ApkgError(name, f"the archive holds an unsafe path {path!r}; nothing was read")
        self.members = {m.filename: m for m in members}

    def read(self, member: str, limit: int) -> bytes:
        info = self.members[member]
        if info.file_size > limit:
            raise ApkgError(self.name, f"{member} unpacks to {info.file_size:,} bytes; at most {limit:,} are read")
        if info.compress_size and info.file_size > 1024 * 1024 and info.file_size / info.compress_size > MAX_RATIO:
            raise ApkgError(self.name, f"{member} is compressed {info.file_size // info.compress_size}:1, a zip bomb")
        try:
            with self.zip.open(info) as stream:
                content = stream.read(limit + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise ApkgError(self.name, f"{member} is damaged ({exc})") from None
        self.read_total += len(content)
        if len(content) > limit or self.read_total > MAX_UNPACKED:
            raise ApkgError(self.name, f"{member} unpacks to more than its archive says: refused as a zip bomb")
        return content


def _media_map(archive: _Zip) -> dict[str, str]:
    """File name → archive member, with every name checked for path tricks."""
    if "media" not in archive.members:
        return {}
    raw = archive.read("media", 16 * 1024 * 1024)
    try:
        mapping = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApkgError(archive.name, "the media list is not JSON (was the deck exported by a newer Anki?)") from None
    if not isinstance(mapping, dict):
        raise ApkgError(archive.name, "the media list is not a mapping of files")
    found: dict[str, str] = {}
    for member, file_name in mapping.items():
        if not isinstance(file_name, str) or not _SAFE_MEDIA_RE.match(file_name) or file_name in (".", ".."):
            raise ApkgError(archive.name, f"the media name {file_name!r} is unsafe (a path, not a file name)")
        found[file_name] = str(member)
    return found


@dataclass(frozen=True)
class _Note:
    index: int
    note_id: int
    model: dict[str, Any]
    fields: dict[str, str]
    tags: list[str]


def _notes(collection: bytes, name: str) -> Iterable[_Note]:
    with tempfile.TemporaryDirectory(prefix="quizapp-apkg-") as folder:
        path = Path(folder) / "collection.sqlite"
        path.write_bytes(collection)
        try:
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except sqlite3.Error:
            raise ApkgError(name, "the collection inside could not be opened") from None
        try:
            connection.execute("PRAGMA trusted_schema = OFF")
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"col", "notes"} <= tables:
                raise ApkgError(name, "the collection inside has no notes table: not an Anki collection")
            row = connection.execute("SELECT models FROM col").fetchone()
            models = json.loads(row[0]) if row and row[0] else {}
            if not isinstance(models, dict):
                raise ApkgError(name, "the collection's notetypes are not readable")
            rows = connection.execute("SELECT id, mid, tags, flds FROM notes ORDER BY id").fetchall()
        except (sqlite3.Error, json.JSONDecodeError, TypeError) as exc:
            raise ApkgError(name, f"the collection inside is corrupt ({exc})") from None
        finally:
            connection.close()
    for index, (note_id, model_id, tags, fields) in enumerate(rows, 1):
        model = models.get(str(model_id)) or {"name": f"unknown notetype {model_id}", "flds": [], "type": 0}
        names = [f.get("name", "") for f in sorted(model.get("flds", []), key=lambda f: f.get("ord", 0))]
        values = str(fields).split("\x1f")
        yield _Note(index, int(note_id), model, dict(zip(names, values, strict=False)), str(tags or "").split())


class _AnkiMedia:
    def __init__(self, archive: _Zip, mapping: dict[str, str]):
        self.archive, self.mapping = archive, mapping
        self.files: dict[str, bytes] = {}

    def image(self, src: str, alt: str | None) -> str:
        name = src.split("?")[0]
        if name not in self.mapping or self.mapping[name] not in self.archive.members:
            raise NotMapped(f"the image {name!r} is used but not in the package")
        key = f"{MEDIA_DIR}/{slugify(PurePosixPath(name).stem) or 'image'}{PurePosixPath(name).suffix.lower()}"
        clean_alt = described(alt, "add one in Anki", name, key)
        content = self.archive.read(self.mapping[name], MAX_MEDIA_FILE)
        if self.files.get(key, content) != content:
            key = f"{MEDIA_DIR}/{hashlib.sha256(content).hexdigest()[:12]}{PurePosixPath(name).suffix.lower()}"
        self.files[key] = content
        return f"![{clean_alt}]({key})"


def _markdown(html_text: str, media: _AnkiMedia, notes: list[str]) -> str:
    if _SOUND_RE.search(html_text):
        notes.append("its sound was left out")
    return html_to_markdown(_SOUND_RE.sub("", html_text), media.image)


def _shown(template: dict[str, Any], fields: dict[str, str]) -> bool:
    """Whether a card template makes a card for these fields (its ``{{#Field}}`` conditions are met)."""
    return all(fields.get(name, "").strip() for name in _FIELD_REF_RE.findall(template.get("qfmt", "")))


def _convert_note(note: _Note, media: _AnkiMedia, ids: Ids) -> tuple[list[dict[str, Any]], list[str]]:
    model, notes = note.model, []
    tags = tags_from(tag.replace("::", "-") for tag in note.tags)
    common: dict[str, Any] = {"tags": tags} if tags else {}
    if model.get("type") == 1:
        text = note.fields.get("Text", next(iter(note.fields.values()), ""))
        prompt = _markdown(text, media, notes)
        if not cloze_gaps(prompt):
            raise NotMapped("a cloze note without a {{c1::…}} gap")
        question = {"id": ids.take(f"note-{note.note_id}", prompt), "type": "cloze", "prompt": prompt}
        extra = _markdown(note.fields.get("Back Extra", ""), media, notes)
        return [{**question, **({"explanation": extra} if extra else {}), **common}], notes
    if "Front" not in note.fields or "Back" not in note.fields:
        raise NotMapped(f"the notetype {model.get('name', '')!r} has no counterpart (Basic and Cloze are read)")
    front, back = (_markdown(note.fields[k], media, notes) for k in ("Front", "Back"))
    if not front or not back:
        raise NotMapped("a note with an empty front or back")
    cards = []
    for template in model.get("tmpls") or [{"qfmt": "{{Front}}"}]:
        qfmt = template.get("qfmt", "")
        if not _shown(template, note.fields):
            continue
        reverse = "{{Front}}" not in qfmt and "{{Back}}" in qfmt
        suffix = "-reversed" if reverse else ""
        card = {"id": ids.take(f"note-{note.note_id}{suffix}", front), "type": "flashcard"}
        faces = {"front": back if reverse else front, "back": front if reverse else back}
        cards.append({**card, **faces, **{k: list(v) for k, v in common.items()}})  # no shared lists: no YAML aliases
    return cards, notes


def read_apkg(
    data: bytes,
    *,
    bank_id: str | None = None,
    name: str = "deck.apkg",
    header: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> Conversion:
    """Convert an Anki package into a bank package: Basic notes (and their reversed cards) to flashcards,
    Cloze notes to cloze questions, tags to tags, images to media. Other notetypes are skipped and
    reported with the notetype's name and the note's index (its "line").

    Raises:
        ApkgError: not a zip, an unsafe path or media name, a zip bomb, a corrupt or unreadable collection,
            or no note converts.
    """
    archive = _Zip(data, name)
    present = [c for c in COLLECTIONS if c in archive.members]
    if not present:
        if "collection.anki21b" in archive.members:
            raise ApkgError(
                name,
                "this file was exported in Anki's newest format, which is not read here: in Anki, export the"
                " deck again with “Support older Anki versions” ticked",
            )
        raise ApkgError(name, "no collection.anki21 or collection.anki2 inside: not an Anki package")
    day = today or dt.date.min  # only when no header is given: the tests' own calls say the day
    head = dict(header) if header is not None else default_header(name, "Anki package", bank_id=bank_id, today=day)
    media = _AnkiMedia(archive, _media_map(archive))
    collection = archive.read(present[0], MAX_COLLECTION)
    questions: list[Converted] = []
    skipped: list[Skipped] = []
    ids = Ids()
    for note in _notes(collection, name):
        label = note.model.get("name", "")
        try:
            converted, notes = _convert_note(note, media, ids)
        except NotMapped as exc:
            skipped.append(Skipped(label, note.index, str(exc)))
            continue
        extra = tuple(f"converted, but {n}" for n in notes)
        questions += [
            Converted(label, note.index, question, extra if k == 0 else ()) for k, question in enumerate(converted)
        ]
    try:
        conversion = assemble(name, head, questions, skipped, media.files)
    except FormatError as exc:
        raise ApkgError(name, exc.problems[0].message) from None
    return with_media(conversion, media.files)


def _read(name: str, data: bytes, header: Mapping[str, Any]) -> Conversion:
    return read_apkg(data, name=name, header=header)


# --- writing ----------------------------------------------------------------------------------------


def stable_id(*parts: object) -> int:
    """An Anki model or deck id that is the same every time for the same ``parts`` (e.g. the bank id)."""
    digest = hashlib.sha256("\x1f".join(map(str, ("quizapp", *parts))).encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def note_guid(bank_id: str, question_id: str) -> str:
    """The note's guid: the same for the same question of the same bank, across exports."""
    return genanki.guid_for(bank_id, question_id)


def _models(bank_id: str) -> tuple[genanki.Model, genanki.Model]:
    basic = genanki.Model(
        stable_id(bank_id, "basic"),
        "quizapp Basic",
        fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": '{{FrontSide}}<hr id="answer">{{Back}}'}],
    )
    cloze = genanki.Model(
        stable_id(bank_id, "cloze"),
        "quizapp Cloze",
        fields=[{"name": "Text"}, {"name": "Back Extra"}],
        templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<br>{{Back Extra}}"}],
        model_type=genanki.Model.CLOZE,
    )
    return basic, cloze


def _anki_cloze(prompt: str) -> str:
    """Our gaps as Anki's: the first accepted answer, and the hint."""

    def gap(match: re.Match[str]) -> str:
        answer, _, hint = match.group(2).partition("::")
        first = answer.split("|")[0].strip()
        return (
            f"{{{{c{match.group(1)}::{first}::{hint.strip()}}}}}"
            if hint.strip()
            else f"{{{{c{match.group(1)}::{first}}}}}"
        )

    return CLOZE_RE.sub(gap, prompt)


class _Html:
    """Markdown to Anki field HTML, collecting the media the fields use."""

    def __init__(self, media: Mapping[str, bytes]):
        self.media, self.used = media, {}

    def _src(self, src: str) -> str:
        if src.startswith(f"{MEDIA_DIR}/") and src in self.media:
            flat = src[len(MEDIA_DIR) + 1 :]
            self.used[flat] = self.media[src]
            return flat
        return src

    def __call__(self, text: str | None) -> str:
        return markdown_to_html(text, self._src) if text else ""


def _note(question: Any, bank_id: str, models: tuple[genanki.Model, genanki.Model], html: _Html) -> genanki.Note:
    basic, cloze = models
    tags = list(question.tags)
    guid = note_guid(bank_id, question.id)
    if question.type == "cloze":
        fields = [html(_anki_cloze(question.prompt)), html(question.explanation)]
        return genanki.Note(model=cloze, fields=fields, tags=tags, guid=guid)
    front, back = REGISTRY[question.type].faces(question, WHOLE)
    if question.explanation:
        back = f"{back}\n\n{question.explanation}"
    if question.references:
        back += "\n\n" + "\n".join(f"- {_citation(r)}" for r in question.references)
    return genanki.Note(model=basic, fields=[html(front), html(back)], tags=tags, guid=guid)


def _citation(reference: Any) -> str:
    link = (
        f"https://doi.org/{reference.doi}"
        if reference.doi
        else f"https://pubmed.ncbi.nlm.nih.gov/{reference.pmid}/"
        if reference.pmid
        else reference.url
    )
    return f"{reference.citation} <{link}>" if link else reference.citation


def _package(deck: genanki.Deck, files: Mapping[str, bytes], timestamp: float, after: Callable[[Any], None]) -> bytes:
    """Write the deck's collection, let ``after`` change it (a cursor on it), and zip it with the media."""
    with tempfile.TemporaryDirectory(prefix="quizapp-apkg-") as folder:
        path = Path(folder) / "collection.anki2"
        connection = sqlite3.connect(path)
        try:
            cursor = connection.cursor()
            genanki.Package(deck).write_to_db(cursor, timestamp, iter(range(int(timestamp * 1000), 1 << 62)))
            after(cursor)
            connection.commit()
        finally:
            connection.close()
        out = io.BytesIO()
        names = sorted(files)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(path, "collection.anki2")
            archive.writestr("media", json.dumps({str(k): n for k, n in enumerate(names)}))
            for k, file_name in enumerate(names):
                archive.writestr(str(k), files[file_name])
        return out.getvalue()


def write_apkg(data: dict[str, Any], media: Mapping[str, bytes], *, timestamp: float | None = None) -> bytes:
    """A bank (its data) as an Anki package: cloze questions as Cloze notes, every other question as a Basic
    note with its card faces (a choice question's options on the front; the answer and the explanation on
    the back), the images it uses, and stable note guids, model ids and deck id."""
    bank = Bank.model_validate(data)
    models, html = _models(bank.id), _Html(media)
    deck = genanki.Deck(stable_id(bank.id, "deck"), bank.title)
    for question in bank.questions:
        deck.add_note(_note(question, bank.id, models, html))
    # By default the notes' time is the day the bank was reviewed: the same bank always gives the same package.
    when = timestamp if timestamp is not None else dt.datetime.combine(bank.reviewed_on, dt.time(), dt.UTC).timestamp()
    return _package(deck, html.used, when, lambda cursor: None)


# --- a learner's cards, with their scheduling and review history --------------------------------------

ANKI_NEW, ANKI_LEARNING, ANKI_REVIEW, ANKI_RELEARNING = 0, 1, 2, 3  # card types; also FSRS's states 1..3
DEFAULT_EASE = 2500  # Anki's starting ease (250 %); FSRS's memory goes in the card's data instead
DAY = 86_400


@dataclass(frozen=True)
class Memory:
    """A card's FSRS state as stored (``state`` 1 learning, 2 review, 3 relearning)."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: dt.datetime
    last_review: dt.datetime | None


@dataclass(frozen=True)
class LoggedGrade:
    """One review of the card: the rating, when, how long, and the FSRS state before (0 new) and after."""

    rating: int
    reviewed_at: dt.datetime
    duration_ms: int | None
    state_before: int
    due_before: dt.datetime | None
    last_before: dt.datetime | None
    state_after: int
    due_after: dt.datetime | None


@dataclass(frozen=True)
class StudyCard:
    """One of a learner's cards: its question (stored data), gap, memory (None if never reviewed), log."""

    question: Mapping[str, Any]
    gap: int
    memory: Memory | None
    reviews: tuple[LoggedGrade, ...] = ()


def _interval(state: int, due: dt.datetime | None, since: dt.datetime | None) -> int:
    """Anki's interval: whole days (at least 1) for a review card, minus seconds for a learning one."""
    if due is None or since is None:
        return 0
    seconds = (due - since).total_seconds()
    if state == ANKI_REVIEW:
        return max(1, round(seconds / DAY))
    return -max(1, round(seconds))


def _schedule(memory: Memory | None, reviews: Sequence[LoggedGrade], crt: int, retention: float) -> dict[str, Any]:
    """The columns of Anki's ``cards`` row that say where the card stands."""
    if memory is None:
        return {}
    due = memory.due.timestamp()
    lapses = sum(r.rating == 1 and r.state_before == ANKI_REVIEW for r in reviews)
    data: dict[str, Any] = {"dr": retention}
    if memory.stability is not None and memory.difficulty is not None:
        data |= {"s": round(memory.stability, 4), "d": round(memory.difficulty, 4)}
    if memory.last_review is not None:
        data["lrt"] = int(memory.last_review.timestamp())
    row = {"reps": len(reviews), "lapses": lapses, "factor": DEFAULT_EASE, "data": json.dumps(data)}
    if memory.state == ANKI_REVIEW:
        interval = _interval(ANKI_REVIEW, memory.due, memory.last_review or memory.due)
        return row | {"type": ANKI_REVIEW, "queue": 2, "due": math.floor((due - crt) / DAY), "ivl": interval}
    kind = ANKI_RELEARNING if memory.state == ANKI_RELEARNING else ANKI_LEARNING
    since = memory.last_review or memory.due
    if (memory.due - since).total_seconds() >= DAY:  # a learning step of a day or more: Anki's day-learn queue
        return row | {"type": kind, "queue": 3, "due": math.floor((due - crt) / DAY), "ivl": 0, "left": 1}
    return row | {"type": kind, "queue": 1, "due": int(due), "ivl": 0, "left": 1}


def _revlog_rows(card_id: int, reviews: Sequence[LoggedGrade], taken: set[int]) -> list[tuple[Any, ...]]:
    rows = []
    for review in reviews:
        review_id = int(review.reviewed_at.timestamp() * 1000)
        while review_id in taken:  # Anki keys the log by milliseconds; two grades in one keep their order
            review_id += 1
        taken.add(review_id)
        kind = {ANKI_REVIEW: 1, ANKI_RELEARNING: 2}.get(review.state_before, 0)
        interval = _interval(review.state_after, review.due_after, review.reviewed_at)
        last = _interval(review.state_before, review.due_before, review.last_before)
        factor = DEFAULT_EASE if review.state_after == ANKI_REVIEW else 0
        duration = min(max(review.duration_ms or 0, 0), 60_000)
        rows.append((review_id, card_id, -1, review.rating, interval, last, factor, duration, kind))
    return rows


def write_learner_apkg(
    title: str,
    bank_id: str,
    deck_key: str,
    cards: Sequence[StudyCard],
    media: Mapping[str, bytes],
    now: dt.datetime,
    *,
    retention: float = 0.9,
) -> bytes:
    """A learner's deck as an Anki package: their cards (one note per question, a cloze note's cards by gap),
    each card's scheduling from its FSRS state, and every review as a row of Anki's review log."""
    models, html = _models(bank_id), _Html(media)
    deck_id = stable_id(bank_id, "learner", deck_key)
    deck = genanki.Deck(deck_id, title)
    by_question: dict[str, list[StudyCard]] = {}
    for card in cards:
        by_question.setdefault(card.question["id"], []).append(card)
    placed: list[tuple[str, int, StudyCard]] = []
    for question_id, group in by_question.items():
        question = _question_model(group[0].question)
        deck.add_note(_note(question, bank_id, models, html))
        for card in group:
            placed.append((note_guid(bank_id, question_id), max(card.gap - 1, 0), card))

    def schedule(cursor: Any) -> None:
        crt = cursor.execute("SELECT crt FROM col").fetchone()[0]
        taken: set[int] = set()
        for guid, ordinal, card in placed:
            found = cursor.execute(
                "SELECT cards.id FROM cards JOIN notes ON notes.id = cards.nid WHERE notes.guid = ? AND cards.ord = ?",
                (guid, ordinal),
            ).fetchone()
            if found is None:
                continue
            columns = _schedule(card.memory, card.reviews, crt, retention)
            if columns:
                assignments = ", ".join(f"{column} = ?" for column in columns)
                cursor.execute(f"UPDATE cards SET {assignments} WHERE id = ?", (*columns.values(), found[0]))  # noqa: S608  # nosec B608 - column names are ours
            rows = _revlog_rows(found[0], card.reviews, taken)
            cursor.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    return _package(deck, html.used, now.timestamp(), schedule)


_QUESTION: TypeAdapter[Any] = TypeAdapter(Question)


def _question_model(data: Mapping[str, Any]) -> Any:
    return _QUESTION.validate_python(dict(data), strict=False)


FORMAT = Format("apkg", "Anki package", (".apkg",), _read, write_apkg, "application/octet-stream", ".apkg")
