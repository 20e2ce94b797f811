"""Learners see when facts are dated and when a bank is overdue for review; teachers see the overdue flag."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from .conftest import bank_yaml, log_in, post_form
from .test_quizzes import Clock, Learner

DATED = """
  - id: q1
    type: single
    prompt: "How many people lived with MS in 2020?"
    as_of: 2020-09
    choices:
      - {id: a, text: "2.8 million", correct: true}
      - {id: b, text: "1.8 million", feedback: "No."}
    tags: [demo]
  - id: q2
    type: true_false
    prompt: "Is this undated?"
    answer: true
    tags: [demo]
  - id: q3
    type: flashcard
    front: "The latest criteria"
    back: "McDonald 2024"
    as_of: 2025-01-14
"""
REVIEWED = dt.date(2026, 11, 25)  # bank_yaml's reviewed_on
CURRENT = dt.datetime(2027, 11, 25, 12, tzinfo=dt.UTC)  # 12 months on: still current
OVERDUE = dt.datetime(2027, 11, 26, 0, 1, tzinfo=dt.UTC)  # a day later
NOTICE = "Not reviewed for over a year:"
VIEWS = ("banks", "quiz", "teach", "cards")


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(CURRENT)
    for view in VIEWS:
        monkeypatch.setattr(f"quizapp.{view}.views.utcnow", clock)
    return clock


@pytest.fixture
def dated(make_bank):
    return make_bank(bank_yaml(questions=DATED))


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_the_bank_page_dates_the_facts_of_each_question(client, clock, dated):
    html = client.get("/banks/demo").text
    assert 'Facts as of <time datetime="2020-09">September 2020</time>' in html
    assert 'Facts as of <time datetime="2025-01-14">14 January 2025</time>' in html
    assert html.count("Facts as of") == 2  # q2 has no date
    assert NOTICE not in html


def test_the_bank_page_says_when_its_review_is_overdue(client, clock, dated):
    clock.now = OVERDUE
    html = client.get("/banks/demo").text
    assert NOTICE in html
    assert (
        "the content of Bank demo was last checked against its sources on 25 November 2026. Figures, trial results"
        " and guidelines may have changed since; check the references." in text(html)
    )
    assert '<div class="review-notice" role="note"' in html


def test_quiz_pages_date_the_facts_and_carry_the_notice(app, make_user, clock, dated):
    make_user("amy")
    learner = Learner(app, "amy")
    attempt = learner.build(banks=("demo",), count=2)
    answers = {"How many people": {"choice": "a"}, "Is this undated": {"choice": "true"}}
    for position in (1, 2):  # practice: each question, then its feedback
        clock.now = CURRENT if position == 1 else OVERDUE
        page = learner.get(f"/attempts/{attempt}/questions/{position}").text
        [(prompt, answer)] = [(k, v) for k, v in answers.items() if k in page]
        learner.answer(attempt, position, answer)
        feedback = learner.get(f"/attempts/{attempt}/questions/{position}").text
        dated_question = prompt == "How many people"
        for shown in (page, feedback):
            assert ('Facts as of <time datetime="2020-09">September 2020</time>' in shown) is dated_question
            assert shown.count("Facts as of") == dated_question
            assert (NOTICE in shown) is (position == 2)
    results = learner.get(f"/attempts/{attempt}/results").text
    assert NOTICE in results and "Bank demo was last checked" in text(results)
    assert results.count("Facts as of") == 1


def test_a_quiz_from_a_current_bank_has_no_notice(app, make_user, make_bank, clock, dated):
    make_bank(bank_yaml("fresh", reviewed_on="2027-11-01"))
    make_user("amy")
    learner = Learner(app, "amy")
    clock.now = OVERDUE
    attempt = learner.build(banks=("fresh",), count=1)
    assert NOTICE not in learner.get(f"/attempts/{attempt}/questions/1").text


def test_cards_show_the_date_of_their_facts_front_and_back(app, client, make_user, clock, dated):
    make_user("learner")
    log_in(client, "learner")
    response = post_form(client, "/decks/new", bank="demo")
    deck = response.headers["Location"].rsplit("/", 1)[1]
    seen = set()
    for _ in range(3):
        front = client.get(f"/study/{deck}").text
        card = re.search(r'name="card" value="(\d+)"', front).group(1)
        shown = re.search(r'name="shown" value="(\d+)"', front).group(1)
        back = client.get(f"/study/{deck}/answer", query_string={"card": card, "shown": shown}).text
        for page in (front, back):
            if "The latest criteria" in page:
                seen.add("flashcard")
                assert 'Facts as of <time datetime="2025-01-14">14 January 2025</time>' in page
            elif "How many people" in page:
                seen.add("single")
                assert 'Facts as of <time datetime="2020-09">September 2020</time>' in page
            else:
                assert "Facts as of" not in page
        token = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', back))
        post_form(client, f"/study/{deck}/grade", rating="4", **{k: token[k] for k in ("card", "version", "token")})
    assert seen == {"flashcard", "single"}


def test_teachers_see_which_banks_are_overdue(client, make_user, make_bank, clock, dated):
    make_bank(bank_yaml("fresh", reviewed_on="2027-11-01"))
    make_user("teacher", role="teacher")
    log_in(client, "teacher")
    html = client.get("/teach/banks").text
    assert "Review overdue" not in html
    clock.now = OVERDUE
    html = client.get("/teach/banks").text
    demo = html.split("<code>demo</code>", 1)[1].split("</tr>", 1)[0]
    fresh = html.split("<code>fresh</code>", 1)[1].split("</tr>", 1)[0]
    assert '<time datetime="2026-11-25">25 Nov 2026</time><br><span class="review-flag">Review overdue</span>' in demo
    assert '<time datetime="2027-11-01">1 Nov 2027</time></td>' in fresh and "Review overdue" not in fresh


def test_an_attempt_is_dated_by_the_bank_version_it_was_drawn_from(app, make_user, make_bank, clock, dated):
    # The attempt keeps the questions of version 1 (reviewed 25 Nov 2026); a re-reviewed version 2 changes
    # nothing for it, but a new attempt draws from version 2 and has no notice.
    make_user("amy")
    learner = Learner(app, "amy")
    clock.now = OVERDUE
    before = learner.build(banks=("demo",), count=1)
    assert NOTICE in learner.get(f"/attempts/{before}/questions/1").text
    make_bank(bank_yaml(questions=DATED, reviewed_on="2027-11-20"))
    assert NOTICE in learner.get(f"/attempts/{before}/questions/1").text
    after = learner.build(banks=("demo",), count=2)  # another quiz: the first is still in progress
    assert NOTICE not in learner.get(f"/attempts/{after}/questions/1").text
    assert NOTICE not in learner.get("/banks/demo").text
