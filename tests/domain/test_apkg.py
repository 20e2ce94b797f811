"""Anki packages: reading every construct, writing banks with stable guids, a learner's cards with their
review history, and bad files."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import genanki
import pytest
import yaml

from quizapp.domain.banks import bank_to_data, parse_bank, prepare_media
from quizapp.domain.formats.apkg import (
    ApkgError,
    LoggedGrade,
    Memory,
    StudyCard,
    note_guid,
    read_apkg,
    stable_id,
    write_apkg,
    write_learner_apkg,
)
from quizapp.domain.packages import BankPackage
from tests.apkg_samples import PNG, collection, every_construct, media_of, rezip

TODAY = dt.date(2026, 12, 1)


def checked(package: BankPackage):
    """The converted bank through the same validator as a hand-written one, pictures included."""
    return parse_bank(package.yaml_text, package.source_name, prepare_media(package.media))


@pytest.fixture(scope="module")
def converted():
    conversion = read_apkg(every_construct(), name="Cardiology.apkg", today=TODAY)
    bank = checked(conversion.package)  # the same validator as a hand-written bank
    return conversion, bank.questions


def test_basic_notes_become_flashcards_with_markdown_and_tags(converted):
    _, questions = converted
    first = questions[0]
    assert (first.type, first.front, first.back) == (
        "flashcard",
        "What does **BNP** stand for?",
        "B-type natriuretic peptide",
    )
    assert first.tags == ["cardio-heart_failure"]
    assert first.id.startswith("note-")


def test_reversed_cards_become_a_second_flashcard(converted):
    _, questions = converted
    faces = [(q.front, q.back) for q in questions if q.type == "flashcard"]
    assert ("Furosemide", "Loop diuretic") in faces and ("Loop diuretic", "Furosemide") in faces
    # Optional reversed: only when the note asks for it.
    assert ("Aldosterone antagonist", "Spironolactone") in faces
    assert ("Amiloride", "ENaC blocker") in faces and ("ENaC blocker", "Amiloride") not in faces
    reversed_ids = [q.id for q in questions if q.type == "flashcard" and q.front == "Loop diuretic"]
    assert reversed_ids[0].endswith("-reversed")


def test_cloze_notes_become_cloze_questions(converted):
    _, questions = converted
    cloze = next(q for q in questions if q.type == "cloze")
    assert cloze.prompt == "The {{c1::left ventricle::chamber}} pumps into the {{c2::aorta}}."
    assert cloze.explanation == "Systemic circulation"


def test_images_become_media_and_sounds_are_reported(converted):
    conversion, questions = converted
    ecg = next(q for q in questions if q.type == "flashcard" and q.front.startswith("ECG"))
    assert ecg.front == "ECG ![A 12-lead ECG](media/ecg.png)"
    assert ecg.back == "Atrial fibrillation"
    assert dict(conversion.package.media) == {"media/ecg.png": PNG}
    assert any(s.line == 6 and "sound was left out" in s.reason for s in conversion.skipped)


def test_what_cannot_be_mapped_is_reported_with_notetype_and_note_index(converted):
    conversion, questions = converted
    skipped = {(s.name, s.line): s.reason for s in conversion.skipped if not s.reason.startswith("converted")}
    assert skipped == {
        ("Basic (genanki)", 7): "the image 'ecg.png' has no alt text, which every image needs: add one in Anki",
        ("Image Occlusion", 8): "the notetype 'Image Occlusion' has no counterpart (Basic and Cloze are read)",
    }
    assert len(questions) == 8  # 6 notes, two of them with a reversed card


def test_the_header_says_what_the_package_did_not(converted):
    conversion, _ = converted
    header = yaml.safe_load(conversion.package.yaml_text)
    assert (header["id"], header["title"]) == ("cardiology", "Cardiology")
    assert header["license"] == "Not stated in the source file (Cardiology.apkg)."


# --- bad files ----------------------------------------------------------------------------------------


def test_not_a_zip():
    with pytest.raises(ApkgError, match=r"deck\.apkg: this is not an Anki package") as caught:
        read_apkg(b"SQLite format 3\x00 not a zip", name="deck.apkg")
    assert 400 <= caught.value.status < 500


def test_path_traversal_in_the_archive_is_refused():
    data = rezip({"collection.anki2": b"x", "../../evil.sh": b"rm -rf /"})
    with pytest.raises(ApkgError, match=r"unsafe path '\.\./\.\./evil\.sh'; nothing was read"):
        read_apkg(data)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "a/b.png", "..", "c:\\x.png"])
def test_path_traversal_in_media_names_is_refused(name):
    good = zipfile.ZipFile(__import__("io").BytesIO(every_construct()))
    entries = {n: good.read(n) for n in good.namelist()}
    entries["media"] = json.dumps({"0": name}).encode()
    with pytest.raises(ApkgError, match="is unsafe"):
        read_apkg(rezip(entries))


def test_a_zip_bomb_is_refused():
    data = rezip({"collection.anki2": b"\x00" * (8 * 1024 * 1024)})
    with pytest.raises(ApkgError, match="zip bomb"):
        read_apkg(data)


def test_a_corrupt_collection_is_refused():
    with pytest.raises(ApkgError, match="the collection inside"):
        read_apkg(rezip({"collection.anki2": b"SQLite format 3\x00" + b"\x17" * 4096}))


def test_a_database_that_is_not_anki_is_refused(tmp_path):
    import sqlite3

    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE things (id INTEGER)")
    conn.close()
    with pytest.raises(ApkgError, match="no notes table"):
        read_apkg(rezip({"collection.anki2": path.read_bytes()}))


def test_the_newest_anki_format_is_refused_with_the_way_round():
    with pytest.raises(ApkgError, match="Support older Anki versions"):
        read_apkg(rezip({"collection.anki21b": b"(\xb5/\xfd", "meta": b""}))


def test_media_that_is_not_json_is_refused():
    good = zipfile.ZipFile(__import__("io").BytesIO(every_construct()))
    entries = {n: good.read(n) for n in good.namelist()} | {"media": b"\x08\x01\x12"}
    with pytest.raises(ApkgError, match="media list is not JSON"):
        read_apkg(rezip(entries))


def test_a_deck_of_only_unknown_notetypes_is_refused_with_the_reasons():
    from tests.apkg_samples import OCCLUSION, package

    deck = genanki.Deck(1_234_567_890, "Only occlusion")
    deck.add_note(genanki.Note(model=OCCLUSION, fields=["img", "h"]))
    with pytest.raises(
        ApkgError, match=r"nothing in the file could be converted \(line 1: 'Image Occlusion' the notetype"
    ):
        read_apkg(package(deck, {}))


# --- writing a bank -------------------------------------------------------------------------------------

BANK = """
format: 1
id: cardio
title: Cardiology
description: d
language: en
license: CC-BY-4.0
authors: [A]
reviewed_on: 2026-01-01
questions:
  - id: bnp
    type: single
    prompt: "What does BNP stand for? ![A tube of blood](media/tube.png)"
    choices:
      - {id: a, text: B-type natriuretic peptide, correct: true}
      - {id: b, text: Brain nitrate protein}
    explanation: "Made by the **ventricles**."
    tags: [heart-failure]
  - id: pump
    type: cloze
    prompt: "The {{c1::left ventricle|LV::chamber}} pumps into the {{c2::aorta}}."
  - id: card
    type: flashcard
    front: Furosemide
    back: Loop diuretic
  - id: dose
    type: numeric
    prompt: Usual dose?
    answer: 40
    unit: mg
"""


MEDIA = {"media/tube.png": PNG}


def _bank(text=BANK):
    """The bank with its picture, as an export gets it: images by their file names (media/x.png)."""
    return checked(BankPackage(text, MEDIA))


def _export(text=BANK, timestamp=1_700_000_000.0):
    return write_apkg(bank_to_data(_bank(text)), MEDIA, timestamp=timestamp)


def test_every_question_becomes_a_note_with_a_stable_guid():
    db = collection(_export())
    notes = db.execute("SELECT guid, flds, tags, mid FROM notes ORDER BY id").fetchall()
    assert [guid for guid, *_ in notes] == [genanki.guid_for("cardio", q) for q in ("bnp", "pump", "card", "dose")]
    assert [guid for guid, *_ in notes] == [note_guid("cardio", q) for q in ("bnp", "pump", "card", "dose")]
    front, back = notes[0][1].split("\x1f")
    assert "B-type natriuretic peptide" in front and "Brain nitrate protein" in front  # the options
    assert '<img src="tube.png" alt="A tube of blood">' in front
    assert back.startswith("<p>B-type natriuretic peptide</p>") and "<strong>ventricles</strong>" in back
    assert notes[0][2].strip() == "heart-failure"
    assert notes[1][1].split("\x1f")[0] == "<p>The {{c1::left ventricle::chamber}} pumps into the {{c2::aorta}}.</p>"
    assert notes[2][1].split("\x1f") == ["<p>Furosemide</p>", "<p>Loop diuretic</p>"]
    assert notes[3][1].split("\x1f")[1] == "<p>40 mg</p>"


def test_the_cloze_question_uses_a_cloze_notetype_and_gives_a_card_per_gap():
    db = collection(_export())
    models = json.loads(db.execute("SELECT models FROM col").fetchone()[0])
    kinds = {m["name"]: (m["type"], int(mid)) for mid, m in models.items()}
    assert kinds["quizapp Cloze"] == (1, stable_id("cardio", "cloze"))
    assert kinds["quizapp Basic"] == (0, stable_id("cardio", "basic"))
    ords = db.execute(
        "SELECT cards.ord FROM cards JOIN notes ON notes.id = cards.nid WHERE notes.guid = ?",
        (note_guid("cardio", "pump"),),
    ).fetchall()
    assert sorted(o for (o,) in ords) == [0, 1]


def test_an_updated_export_keeps_guids_model_ids_and_deck_id():
    changed = BANK.replace("Usual dose?", "Usual oral dose?")
    first, second = collection(_export()), collection(_export(changed, timestamp=1_800_000_000.0))
    query = "SELECT guid, mid FROM notes ORDER BY guid"
    assert first.execute(query).fetchall() == second.execute(query).fetchall()
    decks = [json.loads(db.execute("SELECT decks FROM col").fetchone()[0]) for db in (first, second)]
    assert str(stable_id("cardio", "deck")) in decks[0] and decks[0].keys() == decks[1].keys()


def test_the_media_the_questions_use_is_in_the_package():
    assert media_of(_export()) == {"tube.png": PNG}


def test_an_exported_bank_reads_back():
    conversion = read_apkg(_export(), today=TODAY)
    questions = checked(conversion.package).questions
    assert [q.type for q in questions] == ["flashcard", "cloze", "flashcard", "flashcard"]


# --- a learner's cards --------------------------------------------------------------------------------

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def _learner_cards():
    data = {q.id: q.model_dump(mode="json") for q in _bank().questions}
    review_card = StudyCard(
        data["bnp"],
        0,
        Memory(2, None, 12.5, 5.2, T0 + dt.timedelta(days=13), T0 + dt.timedelta(days=1)),
        (
            LoggedGrade(3, T0, 4200, 0, None, None, 1, T0 + dt.timedelta(minutes=10)),
            LoggedGrade(3, T0 + dt.timedelta(days=1), 90_000, 1, T0 + dt.timedelta(minutes=10), T0, 2,
                        T0 + dt.timedelta(days=13)),
        ),
    )  # fmt: skip
    learning_gap = StudyCard(
        data["pump"],
        2,
        Memory(1, 1, 1.1, 6.0, NOW + dt.timedelta(minutes=10), NOW),
        (LoggedGrade(1, NOW, None, 0, None, None, 1, NOW + dt.timedelta(minutes=10)),),
    )
    new_card = StudyCard(data["pump"], 1, None)
    return [review_card, learning_gap, new_card]


@pytest.fixture(scope="module")
def learner_db():
    apkg = write_learner_apkg("Cardiology", "cardio", "7", _learner_cards(), MEDIA, NOW)
    return collection(apkg)


def test_review_history_is_written_to_the_revlog(learner_db):
    rows = learner_db.execute(
        "SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog ORDER BY id"
    ).fetchall()
    first_ms = int(T0.timestamp() * 1000)
    assert [(r[0], r[2], r[7]) for r in rows] == [
        (first_ms, 3, 0),  # a new card's first grade: Good, a learning entry
        (first_ms + 86_400_000, 3, 0),  # graduating from learning
        (int(NOW.timestamp() * 1000), 1, 0),  # Again on the cloze's second gap
    ]
    assert rows[0][3] == -600 and rows[1][3] == 12  # learning step in seconds, then 12 days
    assert rows[0][6] == 4200 and rows[1][6] == 60_000  # Anki caps a review's time at a minute
    assert rows[1][5] == 2500
    by_card = dict(learner_db.execute("SELECT id, nid FROM cards").fetchall())
    assert all(r[1] in by_card for r in rows)


def test_cards_carry_their_scheduling(learner_db):
    crt = learner_db.execute("SELECT crt FROM col").fetchone()[0]
    cards = learner_db.execute(
        "SELECT notes.guid, cards.ord, type, queue, due, ivl, factor, reps, cards.data FROM cards"
        " JOIN notes ON notes.id = cards.nid ORDER BY notes.guid, cards.ord"
    ).fetchall()
    by_key = {(guid, ordinal): rest for guid, ordinal, *rest in cards}
    review = by_key[(note_guid("cardio", "bnp"), 0)]
    due_day = (T0 + dt.timedelta(days=13) - dt.datetime.fromtimestamp(crt, dt.UTC)).days
    assert review[:6] == [2, 2, due_day, 12, 2500, 2]
    assert json.loads(review[6]) == {
        "dr": 0.9,
        "s": 12.5,
        "d": 5.2,
        "lrt": int((T0 + dt.timedelta(days=1)).timestamp()),
    }
    learning = by_key[(note_guid("cardio", "pump"), 1)]  # gap 2 is the cloze note's second card
    assert learning[:3] == [1, 1, int((NOW + dt.timedelta(minutes=10)).timestamp())]
    new = by_key[(note_guid("cardio", "pump"), 0)]
    assert new[:2] == [0, 0] and new[4] == 0


def test_only_the_learners_cards_are_in_the_package(learner_db):
    guids = {g for (g,) in learner_db.execute("SELECT guid FROM notes")}
    assert guids == {note_guid("cardio", "bnp"), note_guid("cardio", "pump")}


def test_a_package_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr("quizapp.domain.formats.apkg.MAX_PACKAGE", 100)
    with pytest.raises(ApkgError, match="the file is larger than 0 MiB"):
        read_apkg(every_construct(), name="big.apkg")


def test_an_image_whose_alt_text_only_names_it_skips_its_note_and_its_file():
    # The bank validator refuses such alt text; the converter skips the note so the rest still imports.
    from tests.apkg_samples import BASIC, package

    deck = genanki.Deck(1_234_567_891, "Rhythms")
    deck.add_note(genanki.Note(model=BASIC, fields=['Which? <img src="ecg.png" alt="ecg.png">', "Sinus"]))
    deck.add_note(genanki.Note(model=BASIC, fields=['Rate? <img src="strip.png" alt="A rhythm strip">', "60"]))
    deck.add_note(genanki.Note(model=BASIC, fields=['Axis? <img src="chart.png" alt="image">', "Normal"]))
    conversion = read_apkg(package(deck, {"ecg.png": PNG, "strip.png": PNG, "chart.png": PNG}), today=TODAY)
    skipped = {s.line: s.reason for s in conversion.skipped}
    assert skipped[1] == (
        "the image 'ecg.png' has the alt text 'ecg.png', which does not say what it shows: add one in Anki"
    )
    assert skipped[3].startswith("the image 'chart.png' has the alt text 'image', which does not say")
    assert sorted(conversion.package.media) == ["media/strip.png"]
    assert [q.front for q in checked(conversion.package).questions] == ["Rate? ![A rhythm strip](media/strip.png)"]
