"""Anki packages for the tests, written the way Anki 2.1 writes them (schema 11, ``collection.anki2``),
with genanki: Basic, Basic (and reversed card), Basic (optional reversed card), Cloze and a notetype quizapp
does not read, with tags, an image with alt text, one without, and a sound."""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import genanki

PNG = (Path(__file__).resolve().parent / "data" / "formats" / "pixel.png").read_bytes()

BASIC = genanki.BASIC_MODEL
REVERSED = genanki.BASIC_AND_REVERSED_CARD_MODEL
OPTIONAL = genanki.BASIC_OPTIONAL_REVERSED_CARD_MODEL
CLOZE = genanki.CLOZE_MODEL
OCCLUSION = genanki.Model(
    1_607_392_320,
    "Image Occlusion",
    fields=[{"name": "Image"}, {"name": "Header"}],
    templates=[{"name": "Occlusion", "qfmt": "{{Image}}", "afmt": "{{Header}}"}],
)


def every_construct() -> bytes:
    """A deck with one note of each kind; notes are indexed 1… in this order (their ids rise)."""
    deck = genanki.Deck(2_059_400_110, "Cardiology")
    notes = [
        (BASIC, ["What does <b>BNP</b> stand for?", "B-type natriuretic peptide"], ["Cardio::Heart_failure"]),
        (REVERSED, ["Furosemide", "Loop diuretic"], ["drugs"]),
        (OPTIONAL, ["Spironolactone", "Aldosterone antagonist", "y"], []),
        (OPTIONAL, ["Amiloride", "ENaC blocker", ""], []),
        (CLOZE, ["The {{c1::left ventricle::chamber}} pumps into the {{c2::aorta}}.", "Systemic circulation"], []),
        (BASIC, ['ECG <img src="ecg.png" alt="A 12-lead ECG">', "Atrial fibrillation[sound:af.mp3]"], []),
        (BASIC, ['Which rhythm? <img src="ecg.png">', "Sinus"], []),
        (OCCLUSION, ['<img src="ecg.png" alt="x">', "Label it"], []),
    ]
    for model, fields, tags in notes:
        deck.add_note(genanki.Note(model=model, fields=fields, tags=tags))
    return package(deck, {"ecg.png": PNG})


def package(deck: genanki.Deck, media: dict[str, bytes], timestamp: float = 1_700_000_000.0) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for name, content in media.items():
            (Path(folder) / name).write_bytes(content)
            paths.append(str(Path(folder) / name))
        target = Path(folder) / "deck.apkg"
        genanki.Package(deck, media_files=paths).write_to_file(target, timestamp=timestamp)
        return target.read_bytes()


def collection(apkg: bytes) -> sqlite3.Connection:
    """The package's collection, opened in memory."""
    data = zipfile.ZipFile(io.BytesIO(apkg)).read("collection.anki2")
    with tempfile.NamedTemporaryFile(suffix=".anki2", delete=False) as handle:
        handle.write(data)
    source = sqlite3.connect(handle.name)
    memory = sqlite3.connect(":memory:")
    source.backup(memory)
    source.close()
    Path(handle.name).unlink()
    return memory


def media_of(apkg: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(apkg))
    mapping = json.loads(archive.read("media"))
    return {name: archive.read(member) for member, name in mapping.items()}


def rezip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()
