"""Uploading a bank: checked, previewed with its diff, then published or discarded; stale previews refused;
what a major change does to cards; `flask bank import --dry-run`."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import event, func, select

from quizapp.domain.banks import BankError, parse_bank
from quizapp.extensions import db, passwords
from quizapp.models import (
    Attempt,
    Bank,
    BankVersion,
    Card,
    CardState,
    Question,
    QuestionRevision,
    Review,
    StagedImport,
    User,
)
from quizapp.operations import cards as card_operations
from quizapp.operations import create_user
from quizapp.operations import imports as import_operations
from quizapp.operations.banks import import_bank
from quizapp.queries import imports as import_queries

from .conftest import DATA, PASSWORD, bank_yaml, csrf_token, log_in

WHEN = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
TOKEN_RE = re.compile(r"/teach/imports/([A-Za-z0-9_-]{32})")

# q1's key changes (major), q2's wording (minor), q3 is retired, q4 is added.
EDITED = (
    bank_yaml()
    .replace('{id: a, text: "Right", correct: true}', '{id: a, text: "Right", correct: false}')
    .replace('{id: b, text: "Wrong", feedback: "No."}', '{id: b, text: "Wrong", correct: true, feedback: "No."}')
    .replace('prompt: "Second question?"', 'prompt: "Second question, reworded?"')
    .replace(
        """  - id: q3
    type: flashcard
    front: "Front"
    back: "Back"
""",
        """  - id: q4
    type: short_answer
    prompt: "Name it."
    answers: [it]
""",
    )
)


@pytest.fixture
def teacher(client, make_user):
    make_user("teacher", role="teacher")
    log_in(client, "teacher")
    return client


def upload(client, text: str | bytes, name: str = "demo.yaml"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/teach/banks", data={"csrf_token": csrf_token(client), "bank": (io.BytesIO(data), name)})


def staged_token(response) -> str:
    assert response.status_code == 303, response.text
    match = TOKEN_RE.search(response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def version_of(app, slug: str = "demo") -> int:
    with app.app_context():
        return db.session.scalar(select(Bank.version_number).where(Bank.slug == slug)) or 0


def staged_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StagedImport))


def test_upload_previews_and_changes_nothing_until_published(app, teacher, make_bank):
    make_bank(bank_yaml())
    token = staged_token(upload(teacher, EDITED))
    assert version_of(app) == 1
    page = teacher.get(f"/teach/imports/{token}")
    assert page.status_code == 200
    html = page.text
    assert "Preview of demo.yaml" in html and "compared with its live version 1" in html
    counts = html.split('class="facts change-counts"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>Added</dt><dd>1</dd>" in counts and "<dt>Retired</dt><dd>1</dd>" in counts
    assert "<dt>Changed</dt><dd>2: 1 major, 1 minor</dd>" in counts
    # The changed questions by default: q1 major (its key), q2 minor (its wording), word by word.
    assert '<span class="severity severity-major">Major</span> choice a: correct' in html
    assert '<span class="severity severity-minor">Minor</span> prompt' in html
    assert 'Second question<ins><span class="visually-hidden">[added: </span>, reworded' in html
    assert '<del><span class="visually-hidden">[removed: </span>true' in html
    # Rendered as learners see it, with the answer revealed.
    assert "Correct answer:</strong> Wrong" in html and "not correct" in html
    added = teacher.get(f"/teach/imports/{token}?show=added").text
    assert "<code>q4</code>" in added and "Accepted answers:</span> it" in added
    retired = teacher.get(f"/teach/imports/{token}?show=retired").text
    assert "<code>q3</code>" in retired and "As it was" in retired
    assert teacher.get(f"/teach/imports/{token}?show=all").text.count('class="preview-question') == 3
    assert teacher.get(f"/teach/imports/{token}?show=nope").status_code == 404
    assert teacher.get(f"/teach/imports/{token}?page=9").status_code == 404

    published = teacher.post(f"/teach/imports/{token}/publish", data={"csrf_token": csrf_token(teacher)})
    assert published.status_code == 200
    assert "new version published" in published.text and "<dt>Cards restarted</dt><dd>q1</dd>" in published.text
    assert version_of(app) == 2 and staged_count(app) == 0
    bank_page = teacher.get("/banks/demo").text
    assert "<dt>Version</dt><dd>2</dd>" in bank_page and "Name it." in bank_page
    again = teacher.post(f"/teach/imports/{token}/publish", data={"csrf_token": csrf_token(teacher)})
    assert again.status_code == 404 and "no such upload waiting" in again.text


def test_discard_forgets_the_upload(app, teacher, make_bank):
    make_bank(bank_yaml())
    token = staged_token(upload(teacher, EDITED))
    response = teacher.post(f"/teach/imports/{token}/discard", data={"csrf_token": csrf_token(teacher)})
    assert response.status_code == 200 and "demo.yaml: discarded" in response.text
    assert version_of(app) == 1 and staged_count(app) == 0
    assert teacher.get(f"/teach/imports/{token}").status_code == 404


def test_a_stale_preview_is_refused_and_changes_nothing(app, teacher, make_bank):
    make_bank(bank_yaml())
    token = staged_token(upload(teacher, EDITED))
    make_bank(bank_yaml().replace("First question?", "First question, meanwhile?"))  # someone else publishes
    response = teacher.post(f"/teach/imports/{token}/publish", data={"csrf_token": csrf_token(teacher)})
    assert response.status_code == 409
    assert "Bank demo has changed since this preview was made (it is now at version 2" in response.text
    assert version_of(app) == 2


def test_an_expired_preview_is_refused(app, teacher, make_bank):
    make_bank(bank_yaml())
    token = staged_token(upload(teacher, EDITED))
    with app.app_context():
        staged = db.session.scalars(select(StagedImport)).one()
        staged.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        db.session.commit()
    response = teacher.post(f"/teach/imports/{token}/publish", data={"csrf_token": csrf_token(teacher)})
    assert response.status_code == 409 and "expired" in response.text and version_of(app) == 1


def test_a_new_bank_preview_and_an_unchanged_upload(app, teacher):
    token = staged_token(upload(teacher, bank_yaml()))
    html = teacher.get(f"/teach/imports/{token}").text
    assert "A new bank, <strong>Bank demo</strong>" in html and "All questions (3)" in html
    teacher.post(f"/teach/imports/{token}/publish", data={"csrf_token": csrf_token(teacher)})
    same = staged_token(upload(teacher, bank_yaml()))
    html = teacher.get(f"/teach/imports/{same}").text
    assert "Nothing to publish" in html and ">Publish</button>" not in html


def test_other_people_cannot_see_or_publish_an_upload(app, teacher, client, make_user, make_bank):
    make_bank(bank_yaml())
    token = staged_token(upload(teacher, EDITED))
    other = app.test_client()
    make_user("teacher2", role="teacher")
    log_in(other, "teacher2")
    assert other.get(f"/teach/imports/{token}").status_code == 404
    assert other.post(f"/teach/imports/{token}/publish", data={"csrf_token": csrf_token(other)}).status_code == 404
    learner = app.test_client()
    make_user("learner")
    log_in(learner, "learner")
    assert learner.get(f"/teach/imports/{token}").status_code == 403
    assert teacher.get("/teach/imports/short").status_code == 404
    assert version_of(app) == 1


def test_publishing_needs_the_csrf_token(app, teacher, make_bank):
    make_bank(bank_yaml())
    token = staged_token(upload(teacher, EDITED))
    assert teacher.post(f"/teach/imports/{token}/publish").status_code == 400
    assert version_of(app) == 1


def test_a_bad_upload_is_a_422_and_nothing_is_staged(app, teacher):
    response = upload(teacher, bank_yaml().replace("type: single", "type: essay"), "bad.yaml")
    assert response.status_code == 422 and "bad.yaml was not imported: 1 problem" in response.text
    assert staged_count(app) == 0


# --- what a major change does to cards ---------------------------------------------------------------------


def _study(app, user_id: int, key: str, when: dt.datetime) -> int:
    """Grade the question's card Good; return the card's id."""
    with app.app_context():
        card = db.session.scalars(select(Card).join(Question).where(Question.key == key)).one()
        user = db.session.get(User, user_id)
        card_operations.grade(db.session, user, card, 3, when, token=f"t-{key}-{when.timestamp()}")
        db.session.commit()
        return card.id


def _import(app, text: str, when: dt.datetime):
    with app.app_context():
        result = import_bank(db.session, parse_bank(text, "demo.yaml"), text.encode(), "demo.yaml", when)
        db.session.commit()
        return result


def test_a_major_change_restarts_the_cards_memory_and_a_minor_one_keeps_it(app, make_user):
    learner = make_user("learner")
    _import(app, bank_yaml(), WHEN)
    q1 = _study(app, learner, "q1", WHEN + dt.timedelta(hours=1))
    q2 = _study(app, learner, "q2", WHEN + dt.timedelta(hours=1))
    result = _import(app, EDITED, WHEN + dt.timedelta(days=1))
    assert result.major == ["q1"] and sorted(result.changed) == ["q1", "q2"]
    with app.app_context():
        states = {s.card_id: s for s in db.session.scalars(select(CardState))}
        assert q1 not in states  # new again
        assert q2 in states and states[q2].stability is not None  # memory kept
        assert db.session.scalar(select(func.count()).select_from(Review)) == 2  # history kept
        card = db.session.get(Card, q1)
        assert card.memory_reset_at == WHEN + dt.timedelta(days=1)
        # Rebuilding from the log replays only what came after the restart.
        user = db.session.get(User, learner)
        card_operations.rebuild_states(db.session, user)
        db.session.commit()
        states = {s.card_id for s in db.session.scalars(select(CardState))}
        assert q1 not in states and q2 in states
        # The grade before the restart cannot be undone into the old memory.
        review = db.session.scalars(select(Review).where(Review.card_id == q1)).one()
        with pytest.raises(card_operations.NotUndoable, match="starts afresh"):
            card_operations.undo(db.session, user, review)


def test_past_attempts_keep_the_revision_they_were_answered_in(app, make_user, client):
    learner = make_user("learner")
    _import(app, bank_yaml(), WHEN)
    log_in(client, "learner")
    form = {"build-banks": "demo", "build-count": "2", "build-mode": "practice"}
    started = client.post("/quizzes/build", data={"csrf_token": csrf_token(client), **form})
    assert started.status_code in (302, 303), started.text
    _import(app, EDITED, WHEN + dt.timedelta(days=1))
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.user_id == learner)).one()
        pinned = db.session.scalars(
            select(QuestionRevision.data).where(QuestionRevision.id.in_(attempt.question_revision_ids))
        ).all()
        assert any('"Second question?"' in data for data in pinned)  # as worded when the attempt began
        current = db.session.scalar(select(Question.data).where(Question.key == "q2"))
        assert '"Second question, reworded?"' in current


def test_learner_counts_on_changed_questions(app, teacher, make_user, make_bank):
    make_bank(bank_yaml())
    for name in ("ann", "bob"):
        uid = make_user(name)
        _study(app, uid, "q1", dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    token = staged_token(upload(teacher, EDITED))
    html = teacher.get(f"/teach/imports/{token}").text
    q1 = html.split("<code>q1</code>", 1)[1].split("</article>", 1)[0]
    assert "2 learners answered it or studied its cards: their memory of its cards starts afresh" in q1
    q2 = html.split("<code>q2</code>", 1)[1].split("</article>", 1)[0]
    assert "No learner has answered it or studied its cards yet." in q2


# --- the command line ----------------------------------------------------------------------------------------


def test_cli_dry_run_prints_the_diff_and_changes_nothing(app, runner, make_bank, make_user, tmp_path):
    make_bank(bank_yaml())
    _study(app, make_user("ann"), "q1", dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    path = tmp_path / "demo.yaml"
    path.write_text(EDITED)
    result = runner.invoke(args=["bank", "import", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "demo: version 1 → 2: 1 added, 1 retired, 2 changed (1 minor, 1 major)"
    assert "  changed q1 (major: choice a: correct, choice b: correct); 1 learner studied it" in lines
    assert "  changed q2 (minor: prompt); 0 learners studied it" in lines
    assert "  added q4" in lines and "  retired q3; 0 learners studied it" in lines
    assert lines[-1] == "Nothing was changed (--dry-run)."
    assert version_of(app) == 1
    published = runner.invoke(args=["bank", "import", str(path)])
    assert published.exit_code == 0, published.output
    assert "Importing demo.yaml (3 questions)" in published.stderr  # the progress bar's label
    assert "demo: updated (version 2): 1 added, 2 changed, 1 retired" in published.stdout
    assert "  cards restarted (what is right changed): q1" in published.stdout
    assert version_of(app) == 2


def test_cli_dry_run_of_a_bad_file_exits_1(app, runner, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(bank_yaml().replace("type: single", "type: essay"))
    result = runner.invoke(args=["bank", "import", "--dry-run", str(path)])
    assert result.exit_code == 1 and "unknown question type 'essay'" in result.stderr
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BankVersion)) == 0


def test_stage_import_refuses_a_bad_bank_before_keeping_anything(app, make_user):
    uid = make_user("teacher", role="teacher")
    with app.app_context():
        user = db.session.get(User, uid)
        with pytest.raises(BankError, match="missing required field 'title'"):
            import_operations.stage_import(db.session, user, "bad.yaml", b"format: 1\nid: bad\n", WHEN)
        db.session.rollback()
    assert staged_count(app) == 0


@pytest.mark.parametrize("app_fixture", ["app", pytest.param("pg_app", marks=pytest.mark.postgres)])
def test_stage_preview_and_publish_on_each_database(request, app_fixture, tmp_path):
    """The whole path through the operations and queries, on SQLite and PostgreSQL alike."""
    app = request.getfixturevalue(app_fixture)
    with app.app_context():
        teacher = create_user(db.session, "teacher", PASSWORD, "teacher", passwords=passwords(), now=WHEN)
        learner = create_user(db.session, "learner", PASSWORD, "learner", passwords=passwords(), now=WHEN)
        source = bank_yaml().encode()
        import_bank(db.session, parse_bank(source, "demo.yaml"), source, "demo.yaml", WHEN)
        card = db.session.scalars(select(Card).join(Question).where(Question.key == "q1")).one()
        card_operations.grade(db.session, learner, card, 3, WHEN + dt.timedelta(hours=1), token="t-q1")
        db.session.commit()
        staged = import_operations.stage_import(db.session, teacher, "demo.yaml", EDITED.encode(), WHEN)
        db.session.commit()
        shown = import_queries.preview(db.session, staged, None, 1, 20)
        assert [(i.diff.key, i.diff.severity, i.learners) for i in shown.page.items] == [
            ("q1", "major", 1),
            ("q2", "minor", 0),
        ]
        result = import_operations.publish_staged(db.session, teacher.id, staged.token, WHEN + dt.timedelta(hours=2))
        db.session.commit()
        assert result.major == ["q1"] and result.version == 2
        assert db.session.scalar(select(func.count()).select_from(CardState)) == 0
        assert db.session.scalar(select(func.count()).select_from(StagedImport)) == 0
        db.session.remove()


def test_the_preview_shows_every_type_with_its_answer(app, teacher):
    token = staged_token(upload(teacher, (DATA / "banks" / "all-types.yaml").read_bytes(), "all-types.yaml"))
    html = teacher.get(f"/teach/imports/{token}?show=all").text
    assert html.count('class="preview-question') == 9
    for shown in (
        "Accepted answers:</span> oligodendrocyte; oligodendrocytes",  # short answer
        "Correct answer:</strong> 2.8 million (± 0.1)",  # numeric
        "Gap c2: central (hint: CNS or PNS?)",  # cloze: a numbered blank above, its answers here
        '<span class="blank">gap 1</span>',
        "Oligodendrocyte → Myelinates CNS axons",  # matching
        "Distractors:</span> Makes cerebrospinal fluid",
        "<li>Mobilisation</li><li>Apheresis</li><li>Conditioning</li>",  # ordering, in the right order
        "Feedback on “False”</dt><dd>It is: the loader keeps what you typed.",  # true or false
        "<p>Clinically isolated syndrome.</p>",  # a flashcard's back
        "https://example.org/ahsct",  # references
    ):
        assert shown in html, shown


def test_expired_uploads_are_forgotten_at_the_next_upload(app, make_user):
    uid = make_user("teacher", role="teacher")
    with app.app_context():
        user = db.session.get(User, uid)
        old = import_operations.stage_import(db.session, user, "a.yaml", bank_yaml("a").encode(), WHEN).token
        later = WHEN + import_operations.STAGED_LIFETIME + dt.timedelta(seconds=1)
        new = import_operations.stage_import(db.session, user, "b.yaml", bank_yaml("b").encode(), later).token
        db.session.commit()
        assert db.session.scalars(select(StagedImport.token)).all() == [new] and old != new


def test_the_preview_page_reads_the_learners_of_every_question_in_one_statement(app, teacher, make_bank, make_user):
    make_bank(bank_yaml())
    for name in ("ann", "bob", "cyd"):
        _study(app, make_user(name), "q1", dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    token = staged_token(upload(teacher, EDITED))
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert teacher.get(f"/teach/imports/{token}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # BEGIN, the user, the staged upload, the learners of all its questions: however many questions change.
    assert len(statements) <= 4, [s[:80] for s in statements]
    assert sum("count(distinct(" in s.lower() for s in statements) == 1


def test_the_manage_page_lists_the_uploads_waiting_to_be_published(app, teacher, make_bank):
    make_bank(bank_yaml())
    token = staged_token(upload(teacher, EDITED, "v2.yaml"))
    html = teacher.get("/teach/banks").text
    assert f'<a href="/teach/imports/{token}">v2.yaml</a> → <code>demo</code>' in html
    teacher.post(f"/teach/imports/{token}/discard", data={"csrf_token": csrf_token(teacher)})
    assert "waiting to be published" not in teacher.get("/teach/banks").text
