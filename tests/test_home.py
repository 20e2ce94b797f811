"""The home page, for a visitor, a brand-new learner and a learner with decks and unfinished quizzes; discarding
an unfinished quiz; pressing Start on a quiz already in progress; the quiz list and the quiz builder's page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from quizapp.domain.attempts import AttemptStatus
from quizapp.extensions import db
from quizapp.models import Answer, Attempt, Card, Deck, Question, QuestionRevision, User
from quizapp.operations import cards as card_ops
from quizapp.operations import quizzes as ops

from .chart_checks import assert_charts_match_tables
from .conftest import DATA, bank_yaml, log_in
from .domain.test_quizzes import RIGHT
from .test_csrf import snapshot
from .test_quizzes import START, WRONG, Clock, Learner, key_at, keys

ALL_TYPES = (DATA / "banks" / "all-types.yaml").read_text()
WRONG_SINGLE = {"choice": ["b"]}


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """One hand-moved clock for the quiz, flashcard and home pages."""
    clock = Clock(START)
    for module in ("quiz", "cards", "home"):
        monkeypatch.setattr(f"quizapp.{module}.views.utcnow", clock)
    return clock


@pytest.fixture
def learner(app, make_bank, make_user, clock) -> Learner:
    make_bank(ALL_TYPES, "all-types.yaml")
    make_user("amy")
    return Learner(app, "amy")


def status_of(app, attempt_id: int) -> str:
    with app.app_context():
        return db.session.get(Attempt, attempt_id).status


def attempt_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Attempt.id)))


def started(response) -> int:
    assert response.status_code == 303, response.text
    return int(re.fullmatch(r"/attempts/(\d+)", response.location).group(1))


def make_deck(learner: Learner, bank: str = "all-types") -> int:
    response = learner.post("/decks/new", bank=bank)
    assert response.status_code == 303
    return int(re.search(r"/decks/(\d+)", response.location).group(1))


def main_of(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


# --- visitors ---------------------------------------------------------------------------------------------


def test_a_visitor_gets_what_this_is_and_the_bank_catalogue(client, make_bank):
    make_bank(bank_yaml())
    html = client.get("/").text
    assert "<h1>Quizzes and flashcards from open question banks</h1>" in html
    assert "Browse the banks below without an account" in html
    assert 'href="/banks/demo"' in html and "Bank demo" in html  # the catalogue itself
    assert 'href="/register"' in html and 'href="/login"' in html
    catalogue = client.get("/banks").text
    assert "<h1>Question banks</h1>" in catalogue and 'href="/banks/demo"' in catalogue
    assert client.get("/banks/demo").status_code == 200


def test_the_catalogue_stays_one_click_away_for_learners(app, learner):
    home = learner.get("/").text
    assert '<a href="/banks">Banks</a>' in home and '<a href="/" aria-current="page">Home</a>' in home
    banks = learner.get("/banks").text
    assert '<a href="/banks" aria-current="page">Banks</a>' in banks and "Every question type" in banks


def test_logging_in_lands_on_home(app, make_user):
    make_user("bob")
    client = app.test_client()
    response = log_in(client, "bob")
    assert response.status_code == 302 and response.location == "/"
    assert "<h1>Home</h1>" in client.get("/").text


# --- a brand-new learner ----------------------------------------------------------------------------------


def test_a_brand_new_learner_is_shown_where_to_start(app, learner):
    html = main_of(learner.get("/").text)
    assert "Where to start" in html and "Take a first quiz" in html
    continue_link = re.search(r'<a class="button button-large" href="([^"]+)"[^>]*>Continue</a>', html)
    assert continue_link and continue_link.group(1) == "/quizzes"
    assert 'href="/decks"' in html  # make a deck
    assert "You have no deck yet" in html
    assert "Unfinished quizzes" not in html


def test_a_brand_new_learner_pressing_practise_my_mistakes_is_told_nothing_is_answered(app, learner):
    response = learner.post("/quizzes/mistakes")
    assert response.status_code == 303 and response.location == "/quizzes"
    page = learner.get("/quizzes").text
    assert "You have not answered any quiz question yet, so there is no mistake to practise." in page
    assert "Well done" not in page


def test_mistakes_when_every_latest_answer_is_right(app, learner, clock):
    attempt = learner.start("all-types", "exam")
    for position, key in enumerate(keys(app, attempt), 1):
        learner.answer(attempt, position, RIGHT[key])
    learner.post(f"/attempts/{attempt}/finish")
    learner.post("/quizzes/mistakes")
    page = learner.get("/quizzes").text
    assert "Your latest answer to every question you have answered is right: nothing to practise." in page
    learner.post("/quizzes/mistakes", **{"mistakes-tag": "demo"})
    assert "every question you have answered with this tag is right" in learner.get("/quizzes").text


# --- a learner with data ----------------------------------------------------------------------------------


def test_continue_resumes_the_newest_unfinished_quiz_and_lists_them_all(app, learner, clock):
    older = learner.build(count=4, mode="exam", time_limit=30)
    learner.answer_key(older, 1, RIGHT)
    clock.advance(minutes=5)
    newer = learner.start("all-types", "practice")
    learner.answer_key(newer, 1, RIGHT)
    learner.answer_key(newer, 2, RIGHT)
    clock.advance(minutes=1)
    html = main_of(learner.get("/").text)
    assert "Carry on with your quiz" in html
    assert "“Practice”: 2 of 5 answered." in html
    continue_link = re.search(r'<a class="button button-large" href="([^"]+)"', html).group(1)
    assert continue_link == f"/attempts/{newer}"
    unfinished = html.split('id="unfinished-title"', 1)[1]
    assert unfinished.index(f"/attempts/{newer}") < unfinished.index(f"/attempts/{older}")
    assert "2 of 5 answered" in unfinished and "1 of 4 answered · 24:00 left" in unfinished
    assert f'href="/attempts/{older}/discard?next=/"' in unfinished


def test_cards_due_today_per_deck_and_continue_to_study_them(app, learner, clock):
    deck = make_deck(learner)
    html = main_of(learner.get("/").text)
    assert "New cards to learn" in html
    assert re.search(r"\d+ new cards of “Every question type” are ready to learn", html)
    assert re.search(rf'<a class="button button-large" href="/study/{deck}"', html)
    practice = learner.build(banks=["all-types"], count=1, mode="practice")  # a wrong answer: its cards are due
    learner.answer_key(practice, 1, WRONG)
    clock.advance(minutes=15)
    html = main_of(learner.get("/").text)
    assert "Cards are due" in html
    due = re.search(r"(\d+) cards? due today in “Every question type”", html)
    assert due and int(due.group(1)) >= 1
    row = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert f'href="/decks/{deck}">Every question type</a>' in row
    assert f'href="/study/{deck}" aria-label="Study now: Every question type">Study now' in row


def test_an_unfinished_quiz_comes_before_due_cards(app, learner, clock):
    make_deck(learner)
    attempt = learner.start("all-types", "exam")
    html = main_of(learner.get("/").text)
    assert re.search(rf'<a class="button button-large" href="/attempts/{attempt}"', html)
    assert "New cards to learn" not in html


def test_a_learner_with_nothing_left_today_is_offered_a_quiz(app, learner, clock):
    attempt = learner.start("all-types", "exam")
    learner.post(f"/attempts/{attempt}/finish")
    html = main_of(learner.get("/").text)
    assert "You are up to date" in html and 'href="/decks">make a deck</a>' in html
    assert re.search(r'<a class="button button-large" href="/quizzes"', html)


def test_the_home_page_shows_only_the_learners_own_work(app, learner, make_user, clock):
    attempt = learner.start("all-types", "exam")
    make_deck(learner)
    make_user("bea")
    other = Learner(app, "bea")
    html = main_of(other.get("/").text)
    assert f"/attempts/{attempt}" not in html and "Where to start" in html and "You have no deck yet" in html


# --- discarding -------------------------------------------------------------------------------------------


def test_discard_asks_first_then_discards_and_goes_back(app, learner, clock):
    attempt = learner.start("all-types", "practice")
    learner.answer_key(attempt, 1, RIGHT)
    page = learner.get(f"/attempts/{attempt}/discard?next=/history")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Discard this quiz?</h1>" in html and "1 of 5 answered" in html
    assert "The answers you gave still count" in html
    assert 'name="next" value="/history"' in html and 'href="/history">Keep it</a>' in html
    assert status_of(app, attempt) == AttemptStatus.IN_PROGRESS  # asking changes nothing
    response = learner.post(f"/attempts/{attempt}/discard", next="/history")
    assert response.status_code == 303 and response.location == "/history"
    assert status_of(app, attempt) == AttemptStatus.DISCARDED
    history = learner.get("/history").text
    assert "You discarded “Practice”." in history and "Discarded" in history
    assert f"/attempts/{attempt}/results" not in history
    with app.app_context():
        assert db.session.scalar(select(func.count(Answer.id)).where(Answer.attempt_id == attempt)) == 1  # kept
    assert "Carry on" not in main_of(learner.get("/").text)


def test_a_discarded_quiz_takes_no_answer_and_has_no_results(app, learner, clock):
    attempt = learner.start("all-types", "exam")
    learner.post(f"/attempts/{attempt}/discard")
    response = learner.answer_key(attempt, 1, RIGHT)
    assert response.status_code == 303 and response.location == "/history"
    assert "You discarded this quiz, so it takes no more answers." in learner.get("/history").text
    with app.app_context():
        assert db.session.scalar(select(func.count(Answer.id)).where(Answer.attempt_id == attempt)) == 0
    results = learner.get(f"/attempts/{attempt}/results")
    assert results.status_code == 302 and results.location == "/history"
    assert "so it has no results" in learner.get("/history").text
    assert learner.get(f"/attempts/{attempt}").location == f"/attempts/{attempt}/results"
    assert learner.get(f"/attempts/{attempt}/discard").status_code == 302  # nothing left to ask
    again = learner.post(f"/attempts/{attempt}/discard")  # a second press changes nothing
    assert again.status_code == 303 and status_of(app, attempt) == AttemptStatus.DISCARDED


def test_a_finished_quiz_is_never_discarded(app, learner, clock):
    attempt = learner.start("all-types", "exam")
    learner.answer_key(attempt, 1, RIGHT)
    learner.post(f"/attempts/{attempt}/finish")
    before = snapshot(app)
    response = learner.post(f"/attempts/{attempt}/discard")
    assert response.status_code == 303 and response.location == f"/attempts/{attempt}/results"
    assert "This quiz is finished, so it cannot be discarded" in learner.get(response.location).text
    assert snapshot(app) == before


def test_a_quiz_out_of_time_is_graded_rather_than_discarded(app, learner, clock):
    attempt = learner.build(count=3, mode="exam", time_limit=1)
    learner.answer_key(attempt, 1, RIGHT)
    clock.advance(minutes=2)
    response = learner.post(f"/attempts/{attempt}/discard")
    assert response.status_code == 303 and response.location == f"/attempts/{attempt}/results"
    assert status_of(app, attempt) == AttemptStatus.EXPIRED
    assert "Time ran out on this quiz before it was discarded" in learner.get(response.location).text


def test_someone_elses_quiz_cannot_be_discarded(app, learner, make_user, clock):
    attempt = learner.start("all-types", "exam")
    make_user("bea")
    other = Learner(app, "bea")
    assert other.get(f"/attempts/{attempt}/discard").status_code == 404
    assert other.post(f"/attempts/{attempt}/discard").status_code == 404
    assert other.post("/attempts/999999/discard").status_code == 404
    assert status_of(app, attempt) == AttemptStatus.IN_PROGRESS


def test_discard_goes_back_only_to_this_site(app, learner, clock):
    attempt = learner.start("all-types", "exam")
    page = learner.get(f"/attempts/{attempt}/discard?next=https://evil.example/").text
    assert "evil.example" not in page
    response = learner.post(f"/attempts/{attempt}/discard", next="//evil.example")
    assert response.status_code == 303 and response.location == "/"


def test_discard_is_offered_on_the_home_history_and_quiz_pages(app, learner, clock):
    attempt = learner.start("all-types", "exam")
    assert f'href="/attempts/{attempt}/discard?next=/"' in learner.get("/").text
    assert f'href="/attempts/{attempt}/discard?next=/history"' in learner.get("/history").text
    assert f'href="/attempts/{attempt}/discard?next=/quizzes"' in learner.get("/quizzes").text


# --- starting a quiz that is in progress ------------------------------------------------------------------


def test_start_on_a_quiz_in_progress_offers_to_resume_it(app, learner, clock):
    first = learner.start("all-types", "practice")
    learner.answer_key(first, 1, RIGHT)
    before = attempt_count(app)
    response = learner.post("/quizzes/start", bank="all-types", quiz="practice")
    assert response.status_code == 303 and response.location == f"/attempts/{first}/again"
    assert attempt_count(app) == before  # no second attempt
    html = learner.get(response.location).text
    assert "You have already started this quiz" in html and "1 of 5 answered" in html
    assert f'href="/attempts/{first}">Resume it</a>' in html and "Start afresh" in html
    assert "discards the unfinished attempt" in html


def test_start_afresh_discards_the_old_attempt_and_starts_anew(app, learner, clock):
    first = learner.start("all-types", "practice")
    learner.answer_key(first, 1, RIGHT)
    finished = learner.start("all-types", "exam")
    learner.post(f"/attempts/{finished}/finish")
    finished_before = [row for row in snapshot(app)["attempts"] if row[0] == finished]
    fresh = started(learner.post(f"/attempts/{first}/again"))
    assert fresh != first and status_of(app, first) == AttemptStatus.DISCARDED
    assert status_of(app, fresh) == AttemptStatus.IN_PROGRESS
    assert [row for row in snapshot(app)["attempts"] if row[0] == finished] == finished_before  # never touched
    assert learner.get(f"/attempts/{first}/again").location == f"/attempts/{first}"  # nothing in progress to offer


def test_a_second_start_of_the_same_built_quiz_is_offered_back_whatever_the_order(app, learner, make_bank, clock):
    make_bank(bank_yaml())
    first = learner.build(banks=("all-types", "demo"), count=3, tags=("demo",))
    response = learner.post(
        "/quizzes/build",
        **{"build-banks": ["demo", "all-types"], "build-tags": ["demo"], "build-count": "3"},
        **{"build-mode": "practice", "build-time_limit": ""},
    )
    assert response.status_code == 303 and response.location == f"/attempts/{first}/again"
    other = learner.build(banks=("all-types", "demo"), count=4, tags=("demo",))  # another count
    assert other != first and status_of(app, first) == AttemptStatus.IN_PROGRESS


def test_a_second_practice_of_the_same_mistakes_is_offered_back(app, learner, clock):
    practice = learner.build(count=8, mode="practice")
    for position in range(1, 9):
        learner.answer(practice, position, {"choice": ["b"]} if key_at(app, practice, position) == "single-1" else {})
    mistakes = started(learner.post("/quizzes/mistakes"))
    response = learner.post("/quizzes/mistakes")
    assert response.status_code == 303 and response.location == f"/attempts/{mistakes}/again"
    fresh = started(learner.post(f"/attempts/{mistakes}/again"))
    assert fresh != mistakes and status_of(app, mistakes) == AttemptStatus.DISCARDED


def test_a_quiz_whose_time_ran_out_is_closed_and_the_new_one_starts(app, learner, clock):
    first = learner.build(count=3, mode="exam", time_limit=1)
    clock.advance(minutes=5)
    second = learner.build(count=3, mode="exam", time_limit=1)
    assert second != first and status_of(app, first) == AttemptStatus.EXPIRED


def test_start_afresh_on_someone_elses_attempt_is_a_404(app, learner, make_user, clock):
    attempt = learner.start("all-types", "exam")
    make_user("bea")
    other = Learner(app, "bea")
    before = attempt_count(app)
    assert other.get(f"/attempts/{attempt}/again").status_code == 404
    assert other.post(f"/attempts/{attempt}/again").status_code == 404
    assert attempt_count(app) == before and status_of(app, attempt) == AttemptStatus.IN_PROGRESS


# --- the quiz list and the builder ------------------------------------------------------------------------


def test_the_quiz_list_folds_each_banks_quizzes_and_links_to_the_builder(app, learner):
    html = main_of(learner.get("/quizzes").text)
    assert html.count('<details class="bank-quiz-group">') == 1  # one bank, with quizzes
    assert "2 quizzes" in html and 'name="quiz" value="practice"' in html
    assert 'href="/quizzes/build"' in html and "build-banks" not in html  # the builder has its own page


def test_the_mode_is_not_repeated_when_the_title_names_it(app, learner, make_bank, clock):
    make_bank(bank_yaml("named", quizzes="[{id: p, title: 'Named: practice', mode: practice, count: 1}]"))
    html = main_of(learner.get("/quizzes").text)
    named = html.split("Named: practice</h3>", 1)[1].split("</li>", 1)[0]
    assert 'class="mode mode-practice"' not in named and "1 question · no time limit" in named
    attempt = learner.start("named", "p")
    assert "mode-practice" not in learner.get(f"/attempts/{attempt}/questions/1").text
    custom = learner.build(count=1, mode="exam")  # a title that names no mode keeps its badge
    assert '<span class="mode mode-exam">exam</span>' in learner.get(f"/attempts/{custom}/questions/1").text
    history = learner.get("/history").text
    assert "Named: practice </th>" in history and "mode-practice" not in history
    assert "mode-exam" in history


def test_the_builder_with_nothing_chosen_puts_its_errors_first_and_focused(app, learner):
    page = learner.get("/quizzes/build")
    assert page.status_code == 200 and "<h1>Build your own quiz</h1>" in page.text
    before = attempt_count(app)
    response = learner.post("/quizzes/build", **{"build-count": "0", "build-mode": "practice", "build-time_limit": ""})
    assert response.status_code == 422 and attempt_count(app) == before
    html = main_of(response.text)
    summary = re.search(r'<div class="error-summary"[^>]*>', html).group(0)
    assert 'id="error-summary"' in summary and 'tabindex="-1"' in summary and "autofocus" in summary
    assert html.index("<h1>") < html.index('class="error-summary"') < html.index("<form")
    assert '<a href="#build-banks">Choose at least one bank.</a>' in html
    assert '<a href="#build-count">Choose between 1 and 100 questions.</a>' in html
    assert response.text.count("autofocus") == 1


def test_a_bank_quiz_started_twice_at_once_makes_one_attempt(app, learner):
    """Two Start presses in a row (a double click): the second is offered the first back."""
    first = learner.start("all-types", "practice")
    second = learner.post("/quizzes/start", bank="all-types", quiz="practice")
    assert second.location == f"/attempts/{first}/again"
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "amy")).one()
        open_ = db.session.scalars(
            select(Attempt).where(Attempt.user_id == user.id, Attempt.status == AttemptStatus.IN_PROGRESS)
        ).all()
        assert [a.id for a in open_] == [first]


# --- the operations on their own --------------------------------------------------------------------------


@pytest.fixture
def session_user(app, make_bank, make_user):
    """The app context's session and a learner, with the all-types and demo banks."""
    make_bank(ALL_TYPES, "all-types.yaml")
    make_bank(bank_yaml())
    make_user("cyd")
    with app.app_context():
        yield db.session, db.session.scalars(select(User).where(User.username == "cyd")).one()
        db.session.rollback()


def test_discard_attempt_refuses_what_is_not_an_unfinished_attempt_of_the_learner(session_user, make_user):
    session, user = session_user
    attempt = ops.start_attempt(session, user, ops.BankQuiz("all-types", "exam"), START)
    with pytest.raises(ops.UnknownAttempt):
        ops.discard_attempt(session, user.id + 1, attempt.id, START)
    with pytest.raises(ops.UnknownAttempt):
        ops.discard_attempt(session, user.id, 999_999, START)
    assert attempt.status == AttemptStatus.IN_PROGRESS
    discarded = ops.discard_attempt(session, user.id, attempt.id, START + dt.timedelta(minutes=3))
    assert discarded.status == AttemptStatus.DISCARDED and discarded.finished_at == START + dt.timedelta(minutes=3)
    assert discarded.percent is None
    assert ops.discard_attempt(session, user.id, attempt.id, START + dt.timedelta(hours=1)).finished_at == (
        START + dt.timedelta(minutes=3)
    )  # once discarded, it stays as it was
    with pytest.raises(ops.AttemptDiscarded):
        ops.save_answer(session, user.id, attempt.id, 1, {}, START)
    finished = ops.start_attempt(session, user, ops.BankQuiz("all-types", "exam"), START)
    ops.finish_attempt(session, finished, START)
    with pytest.raises(ops.AttemptClosed) as refused:
        ops.discard_attempt(session, user.id, finished.id, START)
    assert refused.value.status == 409 and finished.status == AttemptStatus.FINISHED


def test_starting_a_quiz_in_progress_is_refused_with_the_attempt_unless_afresh(session_user):
    session, user = session_user
    spec = ops.BankQuiz("all-types", "practice")
    first = ops.start_attempt(session, user, spec, START)
    with pytest.raises(ops.QuizInProgress) as refused:
        ops.start_attempt(session, user, spec, START)
    assert refused.value.attempt_id == first.id and refused.value.status == 409
    other = ops.start_attempt(session, user, ops.BankQuiz("all-types", "exam"), START)  # another quiz
    second = ops.start_attempt(session, user, spec, START, afresh=True)
    assert first.status == AttemptStatus.DISCARDED and second.status == AttemptStatus.IN_PROGRESS
    assert other.status == AttemptStatus.IN_PROGRESS
    third = ops.start_afresh(session, user, second.id, START)
    assert second.status == AttemptStatus.DISCARDED and third.status == AttemptStatus.IN_PROGRESS
    with pytest.raises(ops.UnknownAttempt):
        ops.start_afresh(session, user, 999_999, START)


@pytest.mark.parametrize(
    "spec",
    [
        ops.BankQuiz("all-types", "exam"),
        ops.CustomQuiz(["demo", "all-types"], ["demo"], 3, "exam", 20),
        ops.CustomQuiz(["all-types"], (), 5, "practice", None),
        ops.MistakesQuiz(),
        ops.MistakesQuiz("all-types", "demo"),
    ],
)
def test_an_attempt_names_the_quiz_it_was_started_on(session_user, spec):
    session, user = session_user
    if isinstance(spec, ops.MistakesQuiz):
        practice = ops.start_attempt(session, user, ops.CustomQuiz(["all-types"], count=8), START)
        for position in range(1, 9):
            ops.save_answer(session, user.id, practice.id, position, WRONG[key_of(session, practice, position)], START)
        attempt = ops.practise_mistakes(session, user, START, spec.bank_slug, spec.tag)
    else:
        attempt = ops.start_attempt(session, user, spec, START)
    assert ops.same_quiz(ops.spec_of(attempt)) == ops.same_quiz(spec)


def test_a_discarded_exams_answers_are_no_mistakes_but_a_discarded_practices_are(session_user):
    session, user = session_user
    single = ops.BankQuiz("all-types", "exam")  # single-1, multiple-1, tf-1
    exam = ops.start_attempt(session, user, single, START)
    position = next(p for p in range(1, 4) if key_of(session, exam, p) == "tf-1")
    ops.save_answer(session, user.id, exam.id, position, {"choice": ["false"]}, START)  # wrong, never final
    ops.discard_attempt(session, user.id, exam.id, START)
    with pytest.raises(ops.NoQuestions) as refused:
        ops.practise_mistakes(session, user, START)
    assert "not answered any quiz question yet" in refused.value.message
    practice = ops.start_attempt(session, user, ops.CustomQuiz(["all-types"], count=8), START)
    position = next(p for p in range(1, 9) if key_of(session, practice, p) == "tf-1")
    ops.save_answer(session, user.id, practice.id, position, {"choice": ["false"]}, START)  # wrong, and final
    ops.discard_attempt(session, user.id, practice.id, START)
    mistakes = ops.practise_mistakes(session, user, START)
    assert [key_of(session, mistakes, p) for p in range(1, mistakes.question_count + 1)] == ["tf-1"]


def key_of(session, attempt: Attempt, position: int) -> str:
    revision = session.get(QuestionRevision, attempt.question_revision_ids[position - 1])
    return session.get(Question, revision.question_id).key


# --- today's counts, the streak and the forecast ----------------------------------------------------------


def test_a_brand_new_learner_has_nothing_today_no_streak_and_no_forecast(app, learner):
    html = main_of(learner.get("/").text)
    assert "Nothing studied yet today." in html and "No study streak yet." in html
    assert "No card falls due in the next 30 days." in html
    assert 'href="/stats">All your statistics</a>' in html
    assert assert_charts_match_tables(html) == ["chart-home-forecast"]  # an empty chart: its text, no picture


def test_todays_counts_the_streak_and_the_forecast(app, learner, clock):
    deck = make_deck(learner)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "amy")).one()
        cards = db.session.scalars(select(Card).join(Deck, Deck.bank_id == Card.bank_id).where(Deck.id == deck)).all()
        times = (START - dt.timedelta(days=1), START - dt.timedelta(minutes=9), START)
        for card, when in zip(cards, times, strict=False):
            card_ops.grade(db.session, user, card, 3, when, token=f"test-{card.id}", duration_ms=30_000)
        db.session.commit()
    attempt = learner.start("all-types", "practice")
    learner.answer_key(attempt, 1, RIGHT)
    learner.answer_key(attempt, 2, WRONG)
    html = main_of(learner.get("/").text)
    today = html.split('id="today-title"', 1)[1].split("</section>", 1)[0]
    assert '<span class="count">2</span> cards studied' in today  # yesterday's review is not today's
    assert '<span class="count">1</span> minute</li>' in today
    assert '<span class="count">2</span> questions answered' in today
    assert '<span class="count">50%</span> right' in today
    assert "Study streak: 2 days" in today
    assert assert_charts_match_tables(html) == ["chart-home-forecast"]
    forecast = html.split('id="forecast-title"', 1)[1]
    assert re.search(r"\d+ cards? due in the next 30 days: \d+ today", forecast)
    assert 'role="img"' in forecast and '<title id="chart-home-forecast-title">' in forecast
    assert '<th scope="row">Today</th>' in forecast and '<th scope="row">Tomorrow</th>' in forecast
    assert "questions you answered in quizzes" not in forecast  # this learner has a deck


def test_cards_from_quiz_answers_without_a_deck_say_where_they_come_from(app, learner, clock):
    attempt = learner.start("all-types", "practice")
    learner.answer_key(attempt, 1, RIGHT)
    forecast = main_of(learner.get("/").text).split('id="forecast-title"', 1)[1]
    assert re.search(r"\d+ cards? due in the next 30 days: [1-9]\d* today", forecast)
    assert "They are the questions you answered in quizzes" in forecast and 'href="/decks"' in forecast
