"""Results pages and card backs with the learner's history of each question, Retry what I missed, the score
by tag, and learner times in their own time zone, through the test client."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from quizapp.domain import scheduling
from quizapp.domain.banks import parse_bank
from quizapp.domain.quizzes import AttemptSource
from quizapp.extensions import db, passwords
from quizapp.models import Attempt, Card, Question, QuestionRevision, Review, User, utcnow
from quizapp.operations import cards as card_ops
from quizapp.operations import create_user, import_bank

from .conftest import PASSWORD, bank_yaml
from .test_quizzes import ALL_TYPES, REFILLED, START, WRONG, Clock, Learner, attempt_state, key_at, keys
from .test_study import INPUT_RE

PARIS = "Europe/Paris"  # START, 09:00 UTC on 25 November, is 10:00 there (CET)
TAGGED = """
  - id: q1
    type: single
    prompt: "Which cells make myelin in the CNS?"
    choices:
      - {id: a, text: "Oligodendrocytes", correct: true}
      - {id: b, text: "Astrocytes"}
    tags: [cns, myelin]
  - id: q2
    type: true_false
    prompt: "MS is a disease of the CNS."
    answer: true
    tags: [cns]
  - id: q3
    type: true_false
    prompt: "Schwann cells myelinate CNS axons."
    answer: false
    points: 2
  - id: q4
    type: flashcard
    front: "Front"
    back: "Back"
"""
TAGGED_RIGHT = {"q1": {"choice": ["a"]}, "q2": {"choice": ["true"]}, "q3": {"choice": ["false"]}}
TAGGED_WRONG = {"q1": {"choice": ["b"]}, "q2": {"choice": ["false"]}, "q3": {"choice": ["true"]}}


@pytest.fixture
def all_types(make_bank):
    return make_bank(ALL_TYPES, "all-types.yaml")


@pytest.fixture
def clock(monkeypatch):
    """One hand-moved clock for the quiz and flashcard pages alike."""
    clock = Clock(START)
    monkeypatch.setattr("quizapp.quiz.views.utcnow", clock)
    monkeypatch.setattr("quizapp.cards.views.utcnow", clock)
    return clock


@pytest.fixture
def learner(app, make_user) -> Learner:
    make_user("amy")
    return Learner(app, "amy")


def in_time_zone(app, login: str, zone: str) -> None:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == login)).one()
        card_ops.save_settings(db.session, user, scheduling.Settings(timezone=zone), START)
        db.session.commit()


def take(learner: Learner, answers: dict, *, banks=("all-types",), count=8, mode="practice", skip=()) -> int:
    """A quiz built from ``banks``, each question answered from ``answers`` (by key) unless its key is in
    ``skip``; an exam is then submitted. Returns the attempt's id."""
    attempt = learner.build(banks=banks, count=count, mode=mode)
    total = attempt_state(learner.app, attempt)["question_count"]
    for position in range(1, total + 1):
        key = key_at(learner.app, attempt, position)
        if key not in skip:
            assert learner.answer(attempt, position, answers[key], go="next").status_code == 303
    if mode == "exam":
        assert learner.post(f"/attempts/{attempt}/finish").status_code == 303
    assert attempt_state(learner.app, attempt)["status"] == "finished"
    return attempt


def histories(html: str) -> list[str]:
    return re.findall(r'<details class="history-details".*?</details>', html, re.S)


def question_history(html: str, learner: Learner, attempt: int, key: str) -> str:
    position = keys(learner.app, attempt).index(key) + 1
    return histories(html)[position - 1]


# --- the history of each question ----------------------------------------------------------------------


def test_results_show_each_questions_history_and_memory_in_the_learners_time_zone(app, all_types, learner, clock):
    in_time_zone(app, "amy", PARIS)
    first = take(learner, WRONG)
    clock.advance(days=1, hours=2)  # 26 November, 12:00 in Paris
    second = take(learner, REFILLED)
    html = learner.get(f"/attempts/{second}/results").text
    assert len(histories(html)) == 8
    assert "26 November 2026, 12:00 CET" in html and "UTC" not in html.split("Your answers")[0]
    assert f"Times are in your time zone, {PARIS}" in html

    single = question_history(html, learner, second, "single-1")
    assert "(answered or studied 2 times)" in single
    assert single.index("26 Nov 2026, 12:00") < single.index("25 Nov 2026, 10:00")  # newest first
    assert "Practice quiz (this one)" in single
    assert f'<a href="/attempts/{first}/results">Custom quiz: Every question type</a>' in single
    assert "Correct, 1 of 1 point" in single and "Incorrect, 0 of 1 point" in single
    assert "Your answer: The peripheral nervous system" in single
    assert "Your answer: The central nervous system" in single
    # The quiz answers fed the card (Again, then Good), but they are listed once, as answers.
    assert "Graded" not in single
    assert "Chance of recalling it now" in single and "Next review" in single

    cloze = question_history(html, learner, second, "cloze-1")
    assert "Partly correct, 0.5 of 1 point" in cloze and "Your answer: Gap 1: myelin; Gap 2: peripheral" in cloze
    assert "Card of gap 1" in cloze and "Card of gap 2" in cloze  # each gap's card has a memory of its own
    short = question_history(html, learner, second, "short-1")
    assert "Your answer: astrocyte" in short and "Your answer: Oligodendrocyte" in short  # one part: no label


def test_a_flashcard_grade_is_in_the_history_with_its_memory(app, all_types, learner, clock):
    attempt = take(learner, REFILLED)
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        card = db.session.scalars(select(Card).join(Question).where(Question.key == "single-1")).one()
        card_ops.grade(db.session, user, card, 4, START + dt.timedelta(hours=1), token="t" * 20)
        db.session.commit()
    clock.advance(days=3)
    single = question_history(learner.get(f"/attempts/{attempt}/results").text, learner, attempt, "single-1")
    assert "Flashcard" in single and "Graded Easy" in single and "25 Nov 2026, 10:00" in single  # UTC by default
    assert single.index("Graded Easy") < single.index("Practice quiz (this one)")
    assert "(answered or studied 2 times)" in single


def test_only_the_newest_answers_are_listed_and_the_rest_counted(app, make_bank, learner, clock):
    make_bank(bank_yaml(questions=TAGGED, tags="[cns, myelin]"))
    for _ in range(10):
        attempt = take(learner, TAGGED_RIGHT, banks=("demo",), count=3)
        clock.advance(hours=1)
    html = learner.get(f"/attempts/{attempt}/results").text
    for history in histories(html):
        assert history.count("<li>") == 8 and "And 2 earlier." in history
        assert "(answered or studied 10 times)" in history


def test_an_exam_still_in_progress_is_not_in_the_history(app, make_bank, learner, clock):
    make_bank(bank_yaml(questions=TAGGED, tags="[cns, myelin]"))
    open_exam = learner.build(banks=("demo",), count=3, mode="exam")
    for position in range(1, 4):
        learner.answer(open_exam, position, TAGGED_WRONG[key_at(learner.app, open_exam, position)])
    done = take(learner, TAGGED_RIGHT, banks=("demo",), count=3)
    for history in histories(learner.get(f"/attempts/{done}/results").text):
        assert "(answered or studied once)" in history and "Exam" not in history


def test_the_card_back_shows_the_questions_history(app, all_types, learner, clock):
    in_time_zone(app, "amy", "America/New_York")  # START is 04:00 there
    take(learner, WRONG)
    deck = int(learner.post("/decks/new", bank="all-types").location.rsplit("/", 1)[1])
    with app.app_context():
        single = db.session.scalars(select(Card).join(Question).where(Question.key == "single-1")).one().id
        gap2 = db.session.scalars(select(Card).join(Question).where(Question.key == "cloze-1", Card.gap == 2)).one().id
    clock.advance(minutes=30)
    html = learner.get(f"/study/{deck}/answer", query_string={"card": single}).text
    (history,) = histories(html)
    assert "Practice quiz" in history and "Incorrect, 0 of 1 point" in history and "25 Nov 2026, 04:00" in history
    assert "Your answer: The peripheral nervous system" in history
    assert "Chance of recalling it now" in history and "(due now)" in history  # Again: due a minute later
    assert "Times are in your time zone, America/New_York" in history
    assert html.index('id="card-answer"') < html.index("history-details") < html.index('class="grades"')
    form = html[html.index('class="grades"') :]
    fields = dict(INPUT_RE.findall(form[: form.index("</form>")]))
    assert learner.post(f"/study/{deck}/grade", **fields, rating="3").status_code == 303
    again = histories(learner.get(f"/study/{deck}/answer", query_string={"card": single}).text)[0]
    assert "Graded Good" in again and "25 Nov 2026, 04:30" in again and "(answered or studied 2 times)" in again

    (cloze,) = histories(learner.get(f"/study/{deck}/answer", query_string={"card": gap2}).text)
    assert "Card of gap 2" in cloze and "Card of gap 1" not in cloze  # only this card's memory
    assert "Partly correct" in cloze  # the quiz answers to its question


def test_a_new_cards_back_says_there_is_nothing_yet(app, all_types, learner, clock):
    deck = int(learner.post("/decks/new", bank="all-types").location.rsplit("/", 1)[1])
    card = re.search(r'data-card="(\d+)"', learner.get(f"/study/{deck}").text).group(1)
    (history,) = histories(learner.get(f"/study/{deck}/answer", query_string={"card": card}).text)
    assert "Nothing yet: you have not answered this question in a quiz or studied it as a flashcard before." in history


# --- the score by tag ----------------------------------------------------------------------------------


def test_results_show_the_score_by_tag(app, make_bank, learner, clock):
    make_bank(bank_yaml(questions=TAGGED, tags="[cns, myelin]"))
    answers = {"q1": TAGGED_RIGHT["q1"], "q2": TAGGED_WRONG["q2"], "q3": TAGGED_RIGHT["q3"]}
    attempt = take(learner, answers, banks=("demo",), count=3)
    html = learner.get(f"/attempts/{attempt}/results").text
    table = html[html.index('<table class="tag-scores">') : html.index("</table>", html.index("tag-scores"))]
    table = table[table.index("<tbody>") :]
    rows = [re.sub(r"<[^>]+>", "|", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    cells = [[c.strip() for c in row.split("|") if c.strip()] for row in rows]
    assert cells == [
        ["cns", "1 of 2", "1 of 2", "50%"],
        ["myelin", "1 of 1", "1 of 1", "100%"],
        ["(no tag)", "1 of 1", "2 of 2", "100%"],
    ]


# --- Retry what I missed -------------------------------------------------------------------------------


def retry(learner: Learner, attempt: int):
    return learner.post(f"/attempts/{attempt}/retry")


def new_attempt(response) -> int:
    assert response.status_code == 303, response.text
    return int(re.fullmatch(r"/attempts/(\d+)", response.location).group(1))


def test_retry_asks_again_the_questions_not_fully_right(app, all_types, learner, clock):
    answers = {**REFILLED, "single-1": WRONG["single-1"], "cloze-1": WRONG["cloze-1"]}
    attempt = take(learner, answers, mode="exam", skip=("matching-1",))
    html = learner.get(f"/attempts/{attempt}/results").text
    assert "Retry what I missed" in html
    assert "A practice quiz of the 3 questions you did not get fully right or left unanswered" in html

    again = new_attempt(retry(learner, attempt))
    state = attempt_state(app, again)
    assert sorted(keys(app, again)) == ["cloze-1", "matching-1", "single-1"]  # wrong, partly right, unanswered
    assert (state["mode"], state["source"], state["status"]) == ("practice", AttemptSource.MISTAKES, "in_progress")
    assert state["title"] == "Retry what I missed: Custom quiz: Every question type"
    assert state["criteria"] == {"banks": {"all-types": 1}, "retry_of": attempt, "count": 3}
    assert learner.get(f"/attempts/{again}").location == f"/attempts/{again}/questions/1"

    for position in range(1, 4):  # wrong again, then a retry of the retry
        learner.answer(again, position, WRONG.get(key_at(app, again, position), {}))
    third = new_attempt(retry(learner, again))
    assert attempt_state(app, third)["title"] == "Retry what I missed: Custom quiz: Every question type"


def test_a_retry_in_progress_is_offered_back_and_can_be_started_afresh(app, all_types, learner, clock):
    attempt = take(learner, {**REFILLED, "single-1": WRONG["single-1"]}, mode="exam")
    again = new_attempt(retry(learner, attempt))
    response = retry(learner, attempt)  # pressed again while the first retry is in progress
    assert response.status_code == 303 and response.location == f"/attempts/{again}/again"
    assert "Retry what I missed" in learner.get(response.location).text
    fresh = new_attempt(learner.post(f"/attempts/{again}/again"))
    assert fresh != again and attempt_state(app, again)["status"] == "discarded"
    assert attempt_state(app, fresh)["criteria"]["retry_of"] == attempt
    assert keys(app, fresh) == ["single-1"]


def test_when_everything_was_right_there_is_nothing_to_retry(app, all_types, learner, clock):
    attempt = take(learner, REFILLED)
    html = learner.get(f"/attempts/{attempt}/results").text
    assert "You got every question right, so there is nothing to retry." in html
    assert f"/attempts/{attempt}/retry" not in html
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Attempt))
    response = retry(learner, attempt)
    assert response.status_code == 303 and response.location == f"/attempts/{attempt}/results"
    page = learner.get(response.location).text
    assert "You got every question of this quiz right, so there is nothing to retry." in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == before


def test_retry_asks_the_questions_as_they_are_worded_now(app, make_bank, learner, clock):
    make_bank(bank_yaml(questions=TAGGED, tags="[cns, myelin]"))
    attempt = take(learner, TAGGED_WRONG, banks=("demo",), count=3)
    reworded = TAGGED.replace("Which cells make myelin in the CNS?", "Reworded: which cells myelinate CNS axons?")
    reworded = reworded.replace(
        """  - id: q3
    type: true_false
    prompt: "Schwann cells myelinate CNS axons."
    answer: false
    points: 2
""",
        "",
    )  # q3 retired
    assert make_bank(bank_yaml(questions=reworded, tags="[cns, myelin]")).retired == ["q3"]
    again = new_attempt(retry(learner, attempt))
    assert sorted(keys(app, again)) == ["q1", "q2"]  # the retired question is left out
    assert attempt_state(app, again)["criteria"]["banks"] == {"demo": 2}
    with app.app_context():
        pinned = db.session.scalars(
            select(QuestionRevision.number).where(
                QuestionRevision.id.in_(db.session.get(Attempt, again).question_revision_ids)
            )
        ).all()
    assert sorted(pinned) == [1, 2]  # q2 unchanged (revision 1), q1 reworded (revision 2)
    if key_at(app, again, 1) != "q1":  # practice asks in order
        learner.answer(again, 1, TAGGED_RIGHT["q2"])
    position = keys(app, again).index("q1") + 1
    assert "Reworded: which cells myelinate CNS axons?" in learner.get(f"/attempts/{again}/questions/{position}").text


def test_retry_when_every_question_missed_is_gone_says_so(app, make_bank, learner, clock):
    make_bank(bank_yaml(questions=TAGGED, tags="[cns, myelin]"))
    attempt = take(learner, {**TAGGED_RIGHT, "q3": TAGGED_WRONG["q3"]}, banks=("demo",), count=3)
    without_q3 = TAGGED.replace('    prompt: "Schwann cells myelinate CNS axons."', '    prompt: "Gone."')
    without_q3 = re.sub(r"  - id: q3\n(    .*\n)+", "", without_q3)
    assert make_bank(bank_yaml(questions=without_q3, tags="[cns, myelin]")).retired == ["q3"]
    response = retry(learner, attempt)
    assert response.location == f"/attempts/{attempt}/results"
    assert "The questions you missed have since been removed from their banks." in learner.get(response.location).text


def test_retry_is_only_for_ones_own_finished_attempts(app, all_types, learner, make_user, clock):
    open_exam = learner.build(count=3, mode="exam")
    response = retry(learner, open_exam)
    assert response.status_code == 303 and response.location == f"/attempts/{open_exam}/results"
    flashed = learner.get(f"/attempts/{open_exam}/questions/1").text
    assert "This quiz is still in progress: finish it first, then retry what you missed." in flashed
    make_user("bob")
    bob = Learner(app, "bob")
    finished = take(learner, WRONG)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Attempt))
    assert retry(bob, finished).status_code == 404
    assert bob.post("/attempts/999999/retry").status_code == 404
    assert learner.client.post(f"/attempts/{finished}/retry").status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == before
        assert db.session.scalar(select(func.count()).select_from(Review)) > 0  # the quiz fed the cards


# --- times in the learner's time zone -------------------------------------------------------------------


def test_my_history_shows_times_in_the_learners_time_zone(app, all_types, learner, clock):
    take(learner, REFILLED)
    page = learner.get("/history").text
    assert "25 Nov 2026, 09:00" in page and "Times are in your time zone, UTC" in page
    in_time_zone(app, "amy", "Asia/Tokyo")
    page = learner.get("/history").text
    assert ">25 Nov 2026, 18:00</time>" in page and "25 Nov 2026, 09:00" not in page
    assert 'Results<span class="visually-hidden"> of Custom quiz: Every question type, 25 Nov 2026, 18:00' in page
    assert "Times are in your time zone, Asia/Tokyo" in page


# --- the same on PostgreSQL ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_history_retry_and_the_card_back_on_postgres(pg_app, clock):
    with pg_app.app_context():
        source = ALL_TYPES.encode()
        import_bank(db.session, parse_bank(source, "all-types.yaml"), source, "all-types.yaml", utcnow())
        create_user(db.session, "amy", PASSWORD, passwords=passwords(), now=utcnow())
        db.session.commit()
    learner = Learner(pg_app, "amy")
    in_time_zone(pg_app, "amy", PARIS)
    first = take(learner, WRONG)
    clock.advance(days=1, hours=2)
    second = take(learner, REFILLED)
    html = learner.get(f"/attempts/{second}/results").text
    single = question_history(html, learner, second, "single-1")
    assert "Practice quiz (this one)" in single and f'<a href="/attempts/{first}/results">' in single
    assert single.index("26 Nov 2026, 12:00") < single.index("25 Nov 2026, 10:00")
    assert "Chance of recalling it now" in single and "(answered or studied 2 times)" in single
    assert "You got every question right, so there is nothing to retry." in html

    again = new_attempt(retry(learner, first))
    assert sorted(keys(pg_app, again)) == sorted(WRONG)  # every answer of the first was wrong or partly right

    deck = int(learner.post("/decks/new", bank="all-types").location.rsplit("/", 1)[1])
    with pg_app.app_context():
        card = db.session.scalars(select(Card.id).join(Question).where(Question.key == "cloze-1", Card.gap == 1)).one()
    (back,) = histories(learner.get(f"/study/{deck}/answer", query_string={"card": card}).text)
    assert "Card of gap 1" in back and "Partly correct, 0.5 of 1 point" in back and "Correct, 1 of 1 point" in back
