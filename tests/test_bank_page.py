"""A bank's page: its questions a page at a time and by tag, never an answer in the list, and what a visitor or
a learner can do from it (start a quiz, make a deck)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Attempt

from .conftest import DATA, PASSWORD, bank_yaml, csrf_token, log_in


def many(n: int, tag_every: int = 3) -> str:
    """``n`` true/false questions; every ``tag_every``-th one also tagged ``special``."""
    return "\n" + "".join(
        f'  - id: q{i}\n    type: true_false\n    prompt: "Statement {i}."\n    answer: true\n'
        f"    tags: [demo{', special' if i % tag_every == 0 else ''}]\n"
        for i in range(1, n + 1)
    )


def keys(html: str) -> list[str]:
    return re.findall(r'<li id="q-([^"]+)">', html)


def test_the_questions_come_twenty_to_a_page(client, make_bank):
    make_bank(bank_yaml(questions=many(45)))
    first = client.get("/banks/demo").get_data(as_text=True)
    assert keys(first) == [f"q{i}" for i in range(1, 21)]
    assert "Questions 1\u201320 of 45." in first and "Page 1 of 3" in first
    assert '<a href="/banks/demo?page=2">Next page</a>' in first
    assert "<dt>Questions</dt><dd>45</dd>" in first
    last = client.get("/banks/demo?page=3").get_data(as_text=True)
    assert keys(last) == [f"q{i}" for i in range(41, 46)]
    assert '<ol class="question-list" start="41"' in last  # numbered as in the bank
    assert '<a href="/banks/demo?page=2">Previous page</a>' in last


def test_a_short_bank_has_one_page_and_no_pager(client, make_bank):
    make_bank(bank_yaml())
    html = client.get("/banks/demo").get_data(as_text=True)
    assert keys(html) == ["q1", "q2", "q3"] and 'class="pager"' not in html
    assert client.get("/banks/demo?page=1").status_code == 200


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "4", "", "\uff12", "9" * 40, "1e3"])
def test_a_page_that_does_not_exist_is_a_404(client, make_bank, page):
    make_bank(bank_yaml(questions=many(45)))
    response = client.get("/banks/demo", query_string={"page": page})
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_tags_link_to_the_banks_questions_with_that_tag(client, make_bank):
    make_bank(bank_yaml(questions=many(45), tags="[demo, special]"))
    html = client.get("/banks/demo").get_data(as_text=True)
    assert '<li><a href="/banks/demo?tag=special">special</a></li>' in html  # the bank's tags and the questions'
    tagged = client.get("/banks/demo?tag=special").get_data(as_text=True)
    assert keys(tagged) == [f"q{i}" for i in range(3, 46, 3)]  # 15: one page
    assert "Questions tagged “special”" in tagged and "15 of 45 questions have this tag." in tagged
    assert '<a href="/banks/demo?tag=special" aria-current="page">special</a>' in tagged
    assert '<a href="/banks/demo">Show every question</a>' in tagged
    assert "<title>Tagged special · Bank demo · quizapp</title>" in tagged


def test_the_tag_filter_is_paginated_and_keeps_its_tag(client, make_bank):
    make_bank(bank_yaml(questions=many(45, tag_every=1)))
    html = client.get("/banks/demo?tag=special").get_data(as_text=True)
    assert '<a href="/banks/demo?page=2&amp;tag=special">Next page</a>' in html
    assert keys(client.get("/banks/demo?tag=special&page=3").get_data(as_text=True)) == [f"q{i}" for i in range(41, 46)]
    assert client.get("/banks/demo?tag=special&page=4").status_code == 404


def test_a_tag_no_question_has_shows_an_empty_list(client, make_bank):
    make_bank(bank_yaml())
    response = client.get("/banks/demo?tag=unused")
    assert response.status_code == 200
    assert "No question in this bank has this tag." in response.get_data(as_text=True)


@pytest.mark.parametrize("tag", ["Demo", "a b", "<b>x</b>", "x" * 65])
def test_a_tag_that_cannot_be_one_is_a_400(client, make_bank, tag):
    make_bank(bank_yaml())
    response = client.get("/banks/demo", query_string={"tag": tag})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "is not a tag" in html and "<b>x</b>" not in html


# --- never an answer ------------------------------------------------------------------------------------------

# What each question of the all-types bank must keep to itself on a list: answers, feedback, explanations, the
# choices and items (shown only on the quiz page), a gap's answer and hint, a flashcard's back.
HIDDEN = [
    "{{",
    "c1::",
    "CNS or PNS?",
    "central nervous system",
    "Schwann",
    "Oligodendrocytes",
    'oligodendrocyte"',
    "2.8",
    "Clinically isolated syndrome",
    "Mobilisation",
    "Myelinates CNS axons",
    "brain, spinal cord",
    "the loader keeps",
]


def test_the_list_never_shows_an_answer_of_any_type(client, runner):
    assert runner.invoke(args=["bank", "import", str(DATA / "banks")]).exit_code == 0
    html = client.get("/banks/all-types").get_data(as_text=True)
    for text in HIDDEN:
        assert text not in html, text
    # Each question is listed by what anyone sees before answering it.
    assert 'MS damages <span class="blank">gap 1</span> in the <span class="blank">gap 2</span> nervous system.' in html
    assert "What does CIS stand for?" in html and "Put the steps of aHSCT in order." in html
    assert len(keys(html)) == 9


# --- what one can do from it ----------------------------------------------------------------------------------


def test_a_visitor_is_offered_to_log_in_and_come_back(client, make_bank, make_user):
    make_bank(bank_yaml())
    html = client.get("/banks/demo").get_data(as_text=True)
    assert '<a href="/login?next=/banks/demo">Log in to start a quiz or make a deck</a>' in html
    assert "Start a quiz</button>" not in html and "Make a deck</a>" not in html
    make_user("amy")
    response = log_in(client, "amy", PASSWORD, next="/banks/demo")
    assert response.status_code == 302 and response.headers["Location"] == "/banks/demo"


def test_a_learner_can_start_each_of_the_banks_quizzes(app, client, runner, make_user):
    assert runner.invoke(args=["bank", "import", str(DATA / "banks")]).exit_code == 0
    make_user("amy")
    log_in(client, "amy", PASSWORD)
    html = client.get("/banks/all-types").get_data(as_text=True)
    forms = re.findall(r'<form method="post" action="/quizzes/start" class="bank-quiz">(.*?)</form>', html, re.S)
    assert len(forms) == 2
    assert 'name="bank" value="all-types"' in forms[0] and 'name="quiz" value="practice"' in forms[0]
    assert 'name="quiz" value="exam"' in forms[1] and "3 questions · 10 minutes" in forms[1]
    assert '<a class="button button-secondary" href="/decks/new?bank=all-types">Make a deck</a>' in html
    response = client.post(
        "/quizzes/start", data={"csrf_token": csrf_token(client), "bank": "all-types", "quiz": "exam"}
    )
    assert response.status_code == 303 and response.headers["Location"].startswith("/attempts/")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_a_bank_without_quizzes_offers_a_practice_quiz_built_from_it(app, client, make_bank, make_user):
    make_bank(bank_yaml())  # no quizzes: section
    make_user("amy")
    log_in(client, "amy", PASSWORD)
    html = client.get("/banks/demo").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/quizzes/build" class="bank-quiz">(.*?)</form>', html, re.S)
    assert form, html
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1)))
    assert fields.pop("csrf_token")
    assert fields == {"build-banks": "demo", "build-count": "10", "build-mode": "practice"}
    response = client.post("/quizzes/build", data={"csrf_token": csrf_token(client), **fields})
    assert response.status_code == 303 and response.headers["Location"].startswith("/attempts/")
    with app.app_context():
        attempt = db.session.scalars(select(Attempt)).one()
        assert attempt.question_count == 2  # the two quiz questions; the flashcard is not one


def test_a_bank_of_flashcards_only_offers_a_deck(client, make_bank, make_user):
    make_bank(bank_yaml(questions='\n  - id: c1\n    type: flashcard\n    front: "F"\n    back: "B"\n'))
    make_user("amy")
    log_in(client, "amy", PASSWORD)
    html = client.get("/banks/demo").get_data(as_text=True)
    assert "Start a quiz" not in html and 'href="/decks/new?bank=demo">Make a deck</a>' in html
    deck_form = client.get("/decks/new?bank=demo").get_data(as_text=True)
    assert "From the bank <strong>Bank demo</strong>" in deck_form
