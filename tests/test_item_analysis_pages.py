"""The item analysis page and its CSV download: what they show for a bank, one of its quizzes, a class and an
assignment; which attempts count; who may see them; and bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import event, func, select

from quizapp.domain.banks import parse_bank
from quizapp.extensions import db, passwords
from quizapp.models import Attempt
from quizapp.operations import create_user, import_bank
from quizapp.queries import itemanalysis as analysis_queries
from quizapp.queries import teaching
from quizapp.queries.itemanalysis import Analysis, question_label
from quizapp.teach.panels import csv_download

from .analysis_data import add_attempts, make_class
from .conftest import bank_yaml, log_in
from .domain.test_itemanalysis import picks_fixture

QUESTIONS = """
  - id: capital
    type: single
    prompt: "Which city is the capital of France?"
    tags: [cities]
    choices:
      - {id: paris, text: "Paris", correct: true}
      - {id: lyon, text: "Lyon"}
      - {id: nice, text: "Nice"}
  - id: sky
    type: true_false
    prompt: "The sky is green."
    answer: false
    tags: [nature]
  - id: river
    type: short_answer
    prompt: "Which river flows through Paris?"
    answers: [Seine]
    tags: [rivers]
quizzes:
  - id: final
    title: "France: final"
    mode: exam
    questions: [capital, sky, river]
"""
START = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)


def picks(n: int, key: str) -> str | None:
    """Twelve learners: the first eight (the stronger) get the capital right, the others say Lyon; the sky is
    right for learners 0-5; the river is right for 0-3, "Loire" for 4-6, blank for the rest."""
    if key == "capital":
        return "paris" if n < 8 else "lyon"
    if key == "sky":
        return "false" if n < 6 else "true"
    return "Seine" if n < 4 else "Loire" if n < 7 else None


@pytest.fixture
def world(app, make_bank, make_user):
    make_bank(bank_yaml("france", QUESTIONS))
    learners = [make_user(f"learner{n}@example.org") for n in range(12)]
    make_user("teacher", role="teacher")
    make_user("other-teacher", role="teacher")
    with app.app_context():
        add_attempts(db.session, "france", learners, picks, START, quiz_key="final")
        # A second, later attempt by learner 0, all wrong: counted only with ?attempts=all.
        add_attempts(
            db.session, "france", learners[:1], lambda n, k: None, START + dt.timedelta(days=1), quiz_key="final"
        )
        db.session.commit()
    return learners


@pytest.fixture
def teacher(client, world):
    log_in(client, "teacher")
    return client


def test_the_page_shows_quiz_and_question_statistics(teacher, world):
    response = teacher.get("/teach/banks/france/analysis?quiz=final")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Item analysis: France: final</h1>" in html
    assert "<dt>Number of attempts</dt><dd>12</dd>" in html  # each learner's first attempt only
    assert "Not enough data" not in html
    # Scores: 8 learners at 1/3 or more... the capital is facility 8/12 = 67 %.
    row = html.split('href="#responses-', 1)[1].split("</tr>", 1)[0]
    assert "capital" in row and "<td>67\N{NO-BREAK SPACE}%</td>" in row
    # The histogram, drawn and tabulated.
    assert 'id="chart-score-histogram"' in html and "<svg" in html
    # Each question links to where the bank page lists it.
    assert 'href="/banks/france?page=1#q-capital"' in html
    # The distractor nobody picked is flagged, with its reason.
    assert "Nobody picked the distractor “Nice”" in html
    # A common wrong typed answer is listed, with how many gave it.
    assert "“loire”" in html


def test_all_attempts_counts_the_second_attempt(teacher, world):
    html = teacher.get("/teach/banks/france/analysis?quiz=final&attempts=all").text
    assert "<dt>Number of attempts</dt><dd>13</dd>" in html
    assert '<option value="all" selected>Every finished attempt</option>' in html


def test_every_question_of_the_bank_by_default(teacher, world):
    html = teacher.get("/teach/banks/france/analysis").text
    assert "<h1>Item analysis: Bank france</h1>" in html
    assert "<dt>Number of attempts</dt><dd>12</dd>" in html


def test_too_few_attempts_say_not_enough_data(app, teacher, make_bank, make_user):
    make_bank(bank_yaml("tiny", QUESTIONS))
    learners = [make_user(f"t{n}@example.org") for n in range(3)]
    with app.app_context():
        add_attempts(db.session, "tiny", learners, picks, START, quiz_key="final")
        db.session.commit()
    html = teacher.get("/teach/banks/tiny/analysis").text
    assert "Not enough data." in html and "3 attempts so far" in html and "at least 10" in html
    assert "Questions to look at" not in html


def test_csv_has_one_row_per_question_with_the_page_names(teacher, world):
    response = teacher.get("/teach/banks/france/analysis.csv?quiz=final")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="france-item-analysis.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    header, *body = rows
    assert header[:2] == ["Bank id", "Question id"]
    assert "Facility index (%)" in header and "Discrimination index (%)" in header
    page = teacher.get("/teach/banks/france/analysis?quiz=final").text
    for name in header[5:-1]:
        assert f'<th scope="col">{name.removesuffix(" (%)")}</th>' in page
    assert [r[:2] for r in body] == [["france", "capital"], ["france", "sky"], ["france", "river"]]
    assert body[0][header.index("Facility index (%)")] == "66.67"


def test_csv_cells_cannot_start_a_formula(app, teacher, make_bank, make_user):
    make_bank(bank_yaml("sly", QUESTIONS.replace("Which city is the capital of France?", "=HYPERLINK(1)")))
    learners = [make_user(f"s{n}@example.org") for n in range(2)]
    with app.app_context():
        add_attempts(db.session, "sly", learners, picks, START)
        db.session.commit()
    body = teacher.get("/teach/banks/sly/analysis.csv").text
    assert ",'=HYPERLINK(1)," in body and ",=HYPERLINK" not in body


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/teach/banks/nowhere/analysis", 404, "There is no such bank."),
        ("/teach/banks/france/analysis?quiz=nope", 404, "has no quiz with the id “nope”"),
        ("/teach/banks/france/analysis?attempts=last", 400, "“attempts” must be “first” or “all”"),
        ("/teach/banks/france/analysis.csv?attempts=%00", 400, "“attempts” must be “first” or “all”"),
        ("/teach/banks/france/analysis?class=abc", 400, "“class” must be the number of one of your classes"),
        ("/teach/banks/france/analysis?class=99999999999", 400, "“class” must be the number"),
        ("/teach/banks/france/analysis.csv?class=77", 404, "There is no such class among yours."),
        ("/teach/assignments/77/analysis", 404, "There is no such assignment"),
        ("/teach/assignments/99999999999/analysis", 404, ""),
        ("/teach/assignments/77/analysis.csv", 404, "There is no such assignment"),
    ],
)
def test_bad_input_is_a_clear_4xx(teacher, world, path, status, message):
    response = teacher.get(path)
    assert response.status_code == status
    assert message in response.text


def test_only_staff_see_item_analysis(client, world):
    assert client.get("/teach/banks/france/analysis").status_code == 302  # to the login page
    log_in(client, "learner0@example.org")
    assert client.get("/teach/banks/france/analysis").status_code == 403
    assert client.get("/teach/banks/france/analysis.csv").status_code == 403


def test_a_class_narrows_the_bank_analysis_to_its_learners(app, teacher, world):
    class_id, _ = make_class(app, "teacher", world[:5])
    html = teacher.get(f"/teach/banks/france/analysis?quiz=final&class={class_id}").text
    assert "<dt>Number of attempts</dt><dd>5</dd>" in html
    assert "of the learners of Year 9 geography" in html
    assert f'<option value="{class_id}" selected>Class: Year 9 geography</option>' in html


def test_an_assignment_analysis_counts_only_its_attempts(app, teacher, world):
    class_id, assignment_id = make_class(app, "teacher", world)
    with app.app_context():
        add_attempts(db.session, "france", world[:10], picks, START, quiz_key="final", assignment_id=assignment_id)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 23
    html = teacher.get(f"/teach/assignments/{assignment_id}/analysis").text
    assert "<h1>Item analysis: France homework</h1>" in html
    assert f'href="/classes/{class_id}/assignments/{assignment_id}">France homework</a></nav>' in html
    assert "<dt>Number of attempts</dt><dd>10</dd>" in html
    rows = list(csv.reader(io.StringIO(teacher.get(f"/teach/assignments/{assignment_id}/analysis.csv").text)))
    assert len(rows) == 4


def test_a_teacher_sees_only_their_own_classes(app, client, world):
    class_id, assignment_id = make_class(app, "teacher", world)
    log_in(client, "other-teacher")
    assert client.get(f"/teach/assignments/{assignment_id}/analysis").status_code == 404
    assert client.get(f"/teach/assignments/{assignment_id}/analysis.csv").status_code == 404
    assert client.get(f"/teach/banks/france/analysis?class={class_id}").status_code == 404


def test_an_admin_sees_every_class(app, client, make_user, world):
    class_id, assignment_id = make_class(app, "teacher", world)
    make_user("admin", role="admin")
    log_in(client, "admin")
    assert client.get(f"/teach/assignments/{assignment_id}/analysis").status_code == 200
    assert client.get(f"/teach/banks/france/analysis?class={class_id}").status_code == 200


def test_the_page_reads_a_fixed_number_of_statements(app, teacher, world):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        teacher.get("/teach/banks/france/analysis?quiz=final")
        few = len(statements)
        with app.app_context():  # twelve more attempts: as many statements
            add_attempts(db.session, "france", world, picks, START + dt.timedelta(days=3), quiz_key="final")
            db.session.commit()
        statements.clear()
        teacher.get("/teach/banks/france/analysis?quiz=final&attempts=all")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == few


def test_a_kept_analysis_follows_new_attempts(app, teacher, world):
    path = "/teach/banks/france/analysis?quiz=final&attempts=all"
    assert "<dt>Number of attempts</dt><dd>13</dd>" in teacher.get(path).text
    assert "<dt>Number of attempts</dt><dd>13</dd>" in teacher.get(path).text  # kept: the same
    with app.app_context():
        add_attempts(db.session, "france", world[:2], picks, START + dt.timedelta(days=5), quiz_key="final")
        db.session.commit()
    assert "<dt>Number of attempts</dt><dd>15</dd>" in teacher.get(path).text


def test_a_negative_statistic_stays_a_number_in_the_csv():
    result = picks_fixture()  # its first question discriminates negatively: -100 %
    body = list(csv.reader(io.StringIO(csv_download(Analysis(None, result, {}, {1: "b"})))))  # type: ignore[arg-type]
    header, first = body[0], body[1]
    assert first[header.index("Discrimination index (%)")] == "-100.0"
    assert first[header.index("Random guess score (%)")] == "33.33"


def analysed_on(app) -> tuple:
    """The bank quiz's item analysis on ``app``'s database, seeded alike: the whole result, and the forgotten
    page's failed questions for a class of the twelve learners."""
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        source = bank_yaml("france", QUESTIONS).encode()
        import_bank(db.session, parse_bank(source, "france.yaml"), source, "france.yaml", now)
        learners = [
            create_user(
                db.session,
                f"p{n}@example.org",
                "correct horse battery staple",
                "learner",
                passwords=passwords(),
                now=now,
            ).id
            for n in range(12)
        ]
        create_user(db.session, "teacher", "correct horse battery staple", "teacher", passwords=passwords(), now=now)
        add_attempts(db.session, "france", learners, picks, now - dt.timedelta(days=2), quiz_key="final")
        db.session.commit()
    class_id, _ = make_class(app, "teacher", learners, due=now)
    with app.app_context():
        bank = analysis_queries.bank_by_slug(db.session, "france")
        scope = analysis_queries.bank_scope(db.session, bank, "final", "first")
        result = analysis_queries.kept_analysis(db.session, scope, 20).result
        forgotten = teaching.forgotten(db.session, teaching.taught_class(db.session, class_id, 0, "admin"), now)
        return result, [(r.key, r.failed.wrong, r.failed.answers) for r in forgotten.failed]


def test_postgresql_gives_the_same_analysis_as_sqlite(app, pg_app):
    on_sqlite, on_postgres = analysed_on(app), analysed_on(pg_app)
    assert on_postgres[1] == on_sqlite[1] == [("sky", 6, 12), ("capital", 4, 12), ("river", 3, 7)]
    a, b = on_sqlite[0], on_postgres[0]
    assert a.quiz.attempts == b.quiz.attempts == 12
    assert a.quiz == b.quiz
    assert [(q.item.key, q.facility, q.discrimination, q.responses) for q in a.questions] == [
        (q.item.key, q.facility, q.discrimination, q.responses) for q in b.questions
    ]


def test_a_pictured_question_is_listed_by_its_words():
    data = '{"prompt": "![A tree of blood cells](media/tree.png)\\n\\nWhich cell is missing?", "choices": []}'
    assert question_label("single", data) == "Which cell is missing?"
