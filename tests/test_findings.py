"""Findings of an attack on the running app, each kept fixed: out-of-range ids, time zone names, the study
page's echoed ``fragment``, cloze gaps in link titles, and what a deleted account leaves behind."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from quizapp.domain.ids import MAX_ID, parse_id
from quizapp.domain.scheduling import Settings, SettingsError, is_known_timezone
from quizapp.extensions import db
from quizapp.models import LoginFailure, User
from quizapp.rendering import cloze_html

from .conftest import PASSWORD, log_in, post_form
from .test_study import answer, make_deck
from .test_study import learner as learner  # a fixture

HUGE = ("2147483648", "9223372036854775808", "99999999999999999999", "1" * 400)


def test_parse_id_takes_only_row_ids():
    assert parse_id("1") == 1 and parse_id(str(MAX_ID)) == MAX_ID and parse_id(7) == 7
    for bad in ("0", "-1", str(MAX_ID + 1), "1e3", "١٢", " 1", "", None, True, 2**63, "9" * 11):
        assert parse_id(bad) is None, bad


@pytest.mark.parametrize("number", HUGE)
def test_ids_too_large_for_the_database_are_not_found(learner, number):
    deck = make_deck(learner)
    paths = [
        f"/attempts/{number}",
        f"/attempts/{number}/results",
        f"/attempts/{number}/questions/1",
        f"/attempts/1/questions/{number}",
        f"/decks/{number}",
        f"/study/{number}",
        f"/study/{number}/answer",
        f"/account/{number}/export",
    ]
    for path in paths:
        assert learner.get(path).status_code == 404, path
    for path in (f"/attempts/{number}/finish", f"/decks/{number}/delete", f"/study/{number}/grade"):
        assert post_form(learner, path).status_code == 404, path
    assert learner.get(f"/study/{deck}?card={number}").status_code == 200  # a query id past the range: none
    shown = learner.get(f"/study/{deck}/answer?card={number}")  # read as no card at all: back to the front
    assert shown.status_code == 302 and shown.headers["Location"] == f"/study/{deck}"
    _html, form = answer(learner, deck)
    for field in ("card", "version"):
        response = learner.post(f"/study/{deck}/grade", data={**form, "rating": "3", field: number})
        assert response.status_code == 400, field
    assert post_form(learner, f"/study/{deck}/undo", review=number).status_code == 400


@pytest.mark.parametrize("name", ["America", "Europe", "Etc", "x" * 300, "../../etc/passwd", "Europe/", "UTC/"])
def test_time_zone_names_are_checked_against_the_list(learner, name):
    assert not is_known_timezone(name)
    with pytest.raises(SettingsError) as raised:
        Settings(timezone=name).validated()
    assert "timezone" in raised.value.problems
    response = post_form(learner, "/settings/scheduler", timezone=name)
    assert response.status_code == 422 and "not a known time zone" in response.get_data(as_text=True)


def test_the_cli_refuses_an_unknown_time_zone_without_a_traceback(runner, tmp_path):
    log = tmp_path / "revlog.csv"
    log.write_text("card_id,review_time,review_rating\n")
    result = runner.invoke(args=["srs", "evaluate", "--revlog", str(log), "--timezone", "America"])
    assert result.exit_code == 2 and "'America' is not a known time zone" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_only_fragment_1_is_carried_to_the_next_page(learner):
    deck = make_deck(learner)
    _html, form = answer(learner, deck)
    long = "1" + "x" * 10_000
    response = learner.post(f"/study/{deck}/grade", data={**form, "rating": "3", "fragment": long})
    assert response.status_code == 303 and response.headers["Location"] == f"/study/{deck}"
    _html, form = answer(learner, deck)
    response = learner.post(f"/study/{deck}/grade", data={**form, "rating": "3", "fragment": "1"})
    assert response.headers["Location"] == f"/study/{deck}?fragment=1"


def test_a_gap_in_a_link_title_or_text_never_puts_an_input_inside_the_link():
    html = str(cloze_html('Read [the guide](https://example.org "{{c1::NICE}}") or [{{c2::this}}](https://a.org).', {}))
    links = re.findall(r"<a\b[^>]*>.*?</a>", html)
    assert len(links) == 2 and not any("<input" in link or "<span" in link for link in links)
    assert 'title="gap 1"' in html and ">gap 2</a>" in html
    assert html.count("<input") == 2 and 'name="gap-1"' in html and 'name="gap-2"' in html
    assert html.index('name="gap-1"') > html.index("</p>")  # after the prompt, not lost


def test_deleting_an_account_deletes_its_failed_logins(app, client, make_user):
    make_user()
    log_in(client, "learner@example.org")
    for _ in range(2):  # wrong current passwords count against the account
        wrong = post_form(
            client,
            "/account/password",
            current_password="not it",
            new_password="a fresh phrase here",
            confirm="a fresh phrase here",
        )
        assert wrong.status_code == 422
    with app.app_context():
        user_id = db.session.scalar(select(User.id))
        assert account_failures() == 2
    assert post_form(client, "/account/delete", password=PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id) is None
        assert account_failures() == 0  # a later account given the same id starts with none


def account_failures() -> int:
    return db.session.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.scope == "account"))


def test_the_account_download_holds_every_card_state(learner):
    deck = make_deck(learner)
    for rating in ("3", "1"):
        _html, form = answer(learner, deck)
        learner.post(f"/study/{deck}/grade", data={**form, "rating": rating})
    user_id = re.search(r"/account/(\d+)/export", learner.get("/account").get_data(as_text=True)).group(1)
    data = json.loads(learner.get(f"/account/{user_id}/export").get_data(as_text=True))
    states = data["flashcards"]["card_states"]
    assert len(states) == 2 and {s["card_id"] for s in states} == {r["card_id"] for r in data["flashcards"]["reviews"]}
    assert all(s["due"] and s["stability"] > 0 and s["state"] in (1, 2, 3) for s in states)
