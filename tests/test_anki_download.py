"""*Download for Anki* on the decks page: the learner's own cards with their scheduling and review log."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from quizapp.domain.formats.apkg import note_guid
from quizapp.extensions import db
from quizapp.models import Card, Deck, Review
from quizapp.queries.media import bank_media

from .apkg_samples import collection, media_of
from .conftest import log_in
from .media_data import write_folder
from .test_study import ALL_TYPES, answer, make_deck


@pytest.fixture
def learner(app, make_user, make_bank, client):
    make_bank(ALL_TYPES)
    make_user("learner")
    log_in(client, "learner")
    return client


NOTES_AND_CARDS = (
    "SELECT notes.guid, cards.id, cards.ord, cards.type, cards.queue FROM cards JOIN notes ON notes.id = cards.nid"
)


def test_the_decks_page_links_each_deck_to_its_anki_download(learner):
    deck = make_deck(learner)
    page = learner.get("/decks").get_data(as_text=True)
    assert f'href="/decks/{deck}/anki" download' in page


def test_the_download_holds_the_cards_their_scheduling_and_review_history(app, learner):
    deck = make_deck(learner)
    _html, form = answer(learner, deck)
    learner.post(f"/study/{deck}/grade", data={**form, "rating": "3"})
    _html, form = answer(learner, deck)
    learner.post(f"/study/{deck}/grade", data={**form, "rating": "1"})

    response = learner.get(f"/decks/{deck}/anki")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="all-types.apkg"'
    assert zipfile.ZipFile(io.BytesIO(response.data)).namelist()[:2] == ["collection.anki2", "media"]
    anki = collection(response.data)
    with app.app_context():
        reviews = db.session.scalars(select(Review).order_by(Review.reviewed_at)).all()
        cards = {c.id: c for c in db.session.scalars(select(Card).join(Card.question))}
        bank = db.session.get(Deck, deck).bank.slug
        expected = [
            (int(r.reviewed_at.timestamp() * 1000), r.rating, note_guid(bank, cards[r.card_id].question.key))
            for r in reviews
        ]
        live = len(cards)
    rows = anki.execute(
        "SELECT revlog.id, revlog.ease, notes.guid FROM revlog JOIN cards ON cards.id = revlog.cid"
        " JOIN notes ON notes.id = cards.nid ORDER BY revlog.id"
    ).fetchall()
    assert [tuple(r) for r in rows] == expected
    kinds = [row[3:] for row in anki.execute(NOTES_AND_CARDS)]
    assert kinds.count((1, 1)) == 2  # the two graded cards are learning, due within minutes
    assert kinds.count((0, 0)) == live - 2  # the others are new
    assert len(kinds) == live


def test_someone_elses_deck_is_not_found(app, learner, make_user, client):
    deck = make_deck(learner)
    make_user("other")
    other = app.test_client()
    log_in(other, "other")
    assert other.get(f"/decks/{deck}/anki").status_code == 404
    assert other.get("/decks/99999999999999999999/anki").status_code == 404


def test_the_pictures_of_a_deck_are_in_the_download_under_their_file_names(app, learner, runner, tmp_path):
    # Questions are stored with content-addressed image URLs; Anki needs each picture as a file of the package.
    assert runner.invoke(args=["bank", "import", str(write_folder(tmp_path / "pictures"))]).exit_code == 0
    deck = make_deck(learner, bank="pictures")
    response = learner.get(f"/decks/{deck}/anki")
    assert response.status_code == 200
    with app.app_context():
        stored = bank_media(db.session, db.session.get(Deck, deck).bank)
    # The picture on the cards' faces; right.jpg is a choice's feedback, which no card face shows.
    assert media_of(response.data) == {"heart.png": stored["media/heart.png"]}
    fronts = [front for (front,) in collection(response.data).execute("SELECT flds FROM notes")]
    pictured = [f for f in fronts if "<img" in f]
    assert pictured and all("/media/" not in f for f in fronts)
    assert any('<img src="heart.png" alt="A heart with its left ventricle in red">' in f for f in pictured)
