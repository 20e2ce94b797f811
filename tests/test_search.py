"""Searching banks and questions: the index follows every import, SQLite and PostgreSQL give the same results
in the same order as the rule says (checked against a reference written from the rule), the search page,
and queries that full-text engines would choke on."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from quizapp.domain.banks import parse_bank, parse_package
from quizapp.domain.packages import read_folder
from quizapp.domain.search import matches, parse_query, question_document, tag_field
from quizapp.extensions import db
from quizapp.models import Bank, Question, utcnow
from quizapp.models.search import search_index
from quizapp.operations import import_bank, import_package
from quizapp.operations.search import rebuild_index
from quizapp.queries import search as search_queries

from .conftest import DATA, ROOT, bank_yaml
from .content_rules import bank_paths

# A bank whose words test the rule: case, accents, ligatures, prefixes, gaps, operators as text.
TRICKY = """
  - id: t1
    type: single
    prompt: "Which drug is given in Ménière's disease?"
    choices:
      - {id: a, text: "Betahistine", correct: true}
      - {id: b, text: "NATALIZUMAB"}
    tags: [drugs]
  - id: t2
    type: cloze
    prompt: "Natalizumab blocks {{c1::alpha4-integrin::a receptor}} on lymphocytes."
    tags: [drugs, immunology]
  - id: t3
    type: short_answer
    prompt: "Name the ﬁbrous scar of MS (a \\"plaque\\", not a NEAR(lesion))."
    answers: ["gliosis"]
    tags: [pathology]
  - id: t4
    type: flashcard
    front: "CD4+ T cells in MS"
    back: "They help B cells; natalizumab keeps them out of the brain."
    tags: [immunology]
  - id: t5
    type: ordering
    prompt: "Put the MS phases in order."
    items: ["Relapsing", "Progressive", "Natalizumab start"]
    tags: [disease-courses]
"""
SECOND = """
  - id: s1
    type: true_false
    prompt: "Natalizumab can cause PML."
    answer: true
    tags: [drugs]
  - id: s2
    type: multiple
    prompt: "Which are lymphocytes?"
    choices:
      - {id: a, text: "B cells", correct: true}
      - {id: b, text: "Natalizumab-treated T cells", correct: true}
      - {id: c, text: "Neutrophils"}
    tags: [immunology]
"""
QUERIES = [
    "natalizumab",
    "NATAL",
    "natal lymph",
    "meniere",
    "MÉNIÈRE'S",
    "fibrous",
    "ﬁbr",
    "cd4",
    "cd4+ t",
    "ms",
    "m",
    "alpha4",  # a gap's answer: never found
    "receptor",  # a gap's hint: not searched either
    "gliosis",  # a short answer's answer
    "helps",  # a flashcard's back
    '"plaque"',
    "NEAR(lesion",
    "*",
    "drugs",
    "cells",
    "relapsing natal",
    "zzz",
]


def reference(session, query: tuple[str, ...], tag: str | None) -> list[tuple[str, str]]:
    """(slug, key) of the questions the rule finds, in the rule's order, computed in Python alone."""
    rows = session.execute(
        select(Question.key, Question.data, Question.position, Bank.slug, Bank.title)
        .join(Bank, Bank.id == Question.bank_id)
        .where(Question.retired_at.is_(None))
    ).all()
    found = []
    for key, data, position, slug, title in rows:
        doc = question_document(json.loads(data))
        if tag is not None and tag_field([tag]) not in doc.tags:
            continue
        if not matches(query, doc.prompt.split() + doc.other.split()):
            continue
        found.append((slug, title, key, position, 0 if matches(query, doc.prompt.split()) else 1))
    per_bank = {slug: sum(1 for f in found if f[0] == slug) for slug, *_ in found}
    found.sort(key=lambda f: (-per_bank[f[0]], f[1], f[0], f[4], f[3]))
    return [(slug, key) for slug, _title, key, _position, _tier in found]


def searched(session, text: str, tag: str | None = None) -> list[tuple[str, str]]:
    query = parse_query(text)
    return [(r.slug, r.key) for r in session.execute(search_queries.question_hits(session, query.words, tag))]


def import_into(app, text: str, name: str):
    source = text.encode()
    with app.app_context():
        result = import_bank(db.session, parse_bank(source, name), source, name, utcnow())
        db.session.commit()
    return result


def import_tricky(app) -> None:
    import_into(app, bank_yaml("tricky", TRICKY, title='"aHSCT and friends"'), "tricky.yaml")
    import_into(app, bank_yaml("second", SECOND, title='"Zebra bank"'), "second.yaml")
    import_into(app, (DATA / "banks" / "all-types.yaml").read_text(), "all-types.yaml")


@pytest.mark.parametrize("app_fixture", ["app", pytest.param("pg_app", marks=pytest.mark.postgres)])
def test_both_databases_find_what_the_rule_finds_in_its_order(request, app_fixture):
    app = request.getfixturevalue(app_fixture)
    import_tricky(app)
    with app.app_context():
        for text in QUERIES:
            for tag in (None, "drugs", "immunology", "no-such-tag"):
                query = parse_query(text)
                if not query and tag is None:
                    continue
                assert searched(db.session, text, tag) == reference(db.session, query.words, tag), (text, tag)
        # A few spelled out, so the reference itself is checked against the rule as written.
        assert searched(db.session, "natal") == [
            ("tricky", "t2"),  # tricky has 3 matches, more than second's 2; t2 has the word in its prompt,
            ("tricky", "t1"),  # t1 in a choice and t5 in an item, so they come after it, in bank order
            ("tricky", "t5"),  # (t4 has it only on its back: an answer, never searched)
            ("second", "s1"),
            ("second", "s2"),
        ]
        assert searched(db.session, "meniere") == searched(db.session, "MÉNIÈRE") == [("tricky", "t1")]
        assert searched(db.session, "fibr") == [("tricky", "t3")]  # the ligature in the prompt, folded
        for answer in ("alpha4", "integrin", "receptor", "gliosis", "helps", "betahistine correct"):
            assert searched(db.session, answer) == [], answer
        assert searched(db.session, "betahistine") == [("tricky", "t1")]  # a choice is shown to everyone
        assert searched(db.session, "", "immunology") == [("tricky", "t2"), ("tricky", "t4"), ("second", "s2")]
        db.session.rollback()


REAL_QUERIES = ["myelin", "oligo myel", "ahsct", "natalizumab", "stem cell", "ms", "mesench", "2017", "t cells", "ébv"]


@pytest.mark.parametrize("app_fixture", ["app", pytest.param("pg_app", marks=pytest.mark.postgres)])
def test_the_real_banks_give_the_rules_results_on_both_databases(request, app_fixture):
    app = request.getfixturevalue(app_fixture)
    for path in bank_paths(ROOT / "questions"):
        if path.name == "bank.yaml":  # a bank with its images: bank.yaml and media/
            with app.app_context():
                package = read_folder(path.parent)
                import_package(db.session, package, utcnow(), parse_package(package))
                db.session.commit()
        else:
            import_into(app, path.read_text(), path.name)
    with app.app_context():
        for text in REAL_QUERIES:
            for tag in (None, "ahsct"):
                expected = reference(db.session, parse_query(text).words, tag)
                assert searched(db.session, text, tag) == expected, (text, tag)
        assert len(searched(db.session, "myelin")) > 10
        db.session.rollback()


# --- the index follows the imports --------------------------------------------------------------------------


def indexed(app) -> dict[str, str]:
    """Question key → the prompt words the index holds, read from the index table itself (SQLite)."""
    with app.app_context():
        index = search_index("sqlite")
        rows = db.session.execute(
            select(Question.key, index.table.c.prompt).join(Question, Question.id == index.key)
        ).all()
        db.session.rollback()
    return dict(rows)


ONE = """
  - id: q1
    type: single
    prompt: "Original wording about myelin?"
    choices:
      - {id: a, text: "Right", correct: true}
      - {id: b, text: "Wrong"}
  - id: q2
    type: true_false
    prompt: "Second question about axons?"
    answer: false
"""


def test_the_index_holds_exactly_the_current_questions_after_each_import(app, make_bank):
    make_bank(bank_yaml(questions=ONE))
    assert indexed(app) == {"q1": "original wording about myelin", "q2": "second question about axons"}

    changed = ONE.replace("Original wording about myelin?", "New wording about remyelination?")
    changed = changed.replace(
        '  - id: q2\n    type: true_false\n    prompt: "Second question about axons?"\n    answer: false\n', ""
    )
    changed += '  - id: q3\n    type: flashcard\n    front: "Added front"\n    back: "Hidden back"\n'
    result = make_bank(bank_yaml(questions=changed))
    assert (result.changed, result.retired, result.added) == (["q1"], ["q2"], ["q3"])
    assert indexed(app) == {"q1": "new wording about remyelination", "q3": "added front"}

    result = make_bank(bank_yaml(questions=ONE))  # q2 restored, q1 back to its first wording, q3 retired
    assert result.restored == ["q2"]
    assert indexed(app) == {"q1": "original wording about myelin", "q2": "second question about axons"}

    assert make_bank(bank_yaml(questions=ONE)).unchanged
    assert indexed(app) == {"q1": "original wording about myelin", "q2": "second question about axons"}


def test_a_retired_question_is_not_found(client, make_bank):
    make_bank(bank_yaml(questions=ONE))
    assert "Second question about" in client.get("/search?q=axons").get_data(as_text=True)
    make_bank(bank_yaml(questions=ONE.split("  - id: q2")[0]))
    html = client.get("/search?q=axons").get_data(as_text=True)
    assert "Second question about" not in html and "No questions" in html


def test_rebuilding_the_index_gives_what_the_imports_made(app, make_bank, runner):
    import_tricky(app)
    before = indexed(app)
    with app.app_context():
        index = search_index("sqlite")
        db.session.execute(index.table.delete())
        db.session.commit()
    assert indexed(app) == {}
    result = runner.invoke(args=["bank", "reindex"])
    assert result.exit_code == 0, result.output
    assert result.output == f"Search index rebuilt: {len(before)} questions.\n"
    assert indexed(app) == before
    with app.app_context():
        assert rebuild_index(db.session) == len(before)
        db.session.rollback()


# --- the search page ----------------------------------------------------------------------------------------


def test_an_empty_search_shows_the_form_and_how_to_search(client, make_bank):
    import_tricky(client.application)
    for path in ("/search", "/search?q=", "/search?q=++&tag="):
        response = client.get(path)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'role="search"' in html and '<label class="label" for="q">Words to look for</label>' in html
        assert "How to search" in html and "result-list" not in html
    html = client.get("/search?q=%22%2A%21").get_data(as_text=True)  # "*!
    assert "Nothing to look for" in html and "How to search" in html


def test_results_are_grouped_by_bank_with_snippets_that_keep_answers_hidden(client):
    import_tricky(client.application)
    html = client.get("/search?q=natal").get_data(as_text=True)
    assert "5 questions with “natal”." in html
    groups = re.findall(r'<h3 id="group-\d+"><a href="/banks/([a-z-]+)">', html)
    assert groups == ["tricky", "second"]
    assert "3 matching questions" in html and "2 matching questions" in html
    # The cloze prompt: its word marked, its gap a numbered blank, its answer and hint nowhere.
    assert '<mark>Natalizumab</mark> blocks <span class="blank">gap 1</span> on lymphocytes.' in html
    assert "alpha4" not in html and "integrin" not in html and "a receptor" not in html
    # Found by a choice: the choice is shown (as on the quiz page), never whether it is right.
    assert "Found in: <mark>NATALIZUMAB</mark>" in html
    assert "Betahistine" not in html and "correct" not in html.lower().replace("correctly", "")
    # Each result links to its question on its bank's page.
    assert 'href="/banks/tricky#q-t2"' in html


def test_a_result_links_to_the_page_of_the_bank_that_shows_it(client, make_bank):
    questions = "".join(
        f'  - id: q{i}\n    type: true_false\n    prompt: "Statement number {i} about myelin."\n    answer: true\n'
        for i in range(1, 46)
    )
    make_bank(bank_yaml(questions="\n" + questions))
    html = client.get("/search?q=statement+myelin&page=2").get_data(as_text=True)
    assert 'href="/banks/demo?page=2#q-q21"' in html and 'href="/banks/demo?page=2#q-q40"' in html
    assert "(continued from the page before)" in html and "Page 2 of 3" in html
    assert 'href="/banks/demo?page=3#q-q41"' in client.get("/search?q=statement+myelin&page=3").get_data(as_text=True)
    assert 'href="/banks/demo#q-q1"' in client.get("/search?q=statement+myelin").get_data(as_text=True)
    bank_page = client.get("/banks/demo?page=2").get_data(as_text=True)
    assert 'id="q-q21"' in bank_page and 'id="q-q40"' in bank_page and 'id="q-q41"' not in bank_page


def test_banks_are_found_by_their_title_description_and_tags(client):
    import_tricky(client.application)
    html = client.get("/search?q=ahsct+friends").get_data(as_text=True)
    assert '<h2 id="banks-title">Banks</h2>' in html and '<a href="/banks/tricky">aHSCT and friends</a>' in html
    assert "No questions with “ahsct”, “friends”, and 1 bank." in html
    html = client.get("/search?q=tests").get_data(as_text=True)  # "A bank for tests.", "…used by the tests."
    assert html.count('<li><a href="/banks/') == 3


def test_the_tag_filter(client):
    import_tricky(client.application)
    html = client.get("/search?q=natal&tag=drugs").get_data(as_text=True)
    assert "3 questions with “natal” tagged “drugs”." in html
    assert '<option selected value="drugs">drugs</option>' in html
    assert "Banks</h2>" not in html  # banks have no question tags: with a tag, only questions are listed
    html = client.get("/search?tag=immunology").get_data(as_text=True)
    assert "3 questions tagged “immunology”." in html
    html = client.get("/search?q=natal&tag=well-formed-but-unused").get_data(as_text=True)
    assert "No questions with “natal” tagged “well-formed-but-unused”." in html
    assert '<option selected value="well-formed-but-unused">' in html


@pytest.mark.parametrize("tag", ["Drugs", "a b", "<script>", "x" * 65, "-x"])
def test_a_tag_that_cannot_be_one_is_a_400_with_the_form(client, tag):
    response = client.get("/search", query_string={"q": "natal", "tag": tag})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "That is not a tag" in html and "<script>" not in html


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "99", "\uff11", "9" * 30])
def test_a_page_that_does_not_exist_is_a_404(client, page):
    import_tricky(client.application)
    assert client.get("/search", query_string={"q": "natal", "page": page}).status_code == 404


def test_a_long_search_uses_its_first_words_and_says_so(client):
    import_tricky(client.application)
    html = client.get("/search", query_string={"q": "natal " + " ".join(["n"] * 5) + " a b c d e f g h i"}).get_data(
        as_text=True
    )
    assert "Only the first 10 words of your search were used." in html


def test_the_search_box_is_on_every_page_but_the_search_page(client):
    html = client.get("/").get_data(as_text=True)
    assert '<form class="site-search" method="get" action="/search" role="search"' in html
    assert '<label for="site-search-q" class="visually-hidden">Search banks and questions</label>' in html
    assert 'class="site-search"' not in client.get("/search").get_data(as_text=True)


MALFORMED = ['"', "*", "NEAR(", 'NEAR("a" "b", 2)', "a AND", "OR", "^x", "col:term", "'", "\\", "-", "&|!", "()"]


@pytest.mark.parametrize("app_fixture", ["app", pytest.param("pg_app", marks=pytest.mark.postgres)])
def test_engine_syntax_is_read_as_plain_words(request, app_fixture):
    app = request.getfixturevalue(app_fixture)
    import_tricky(app)
    client = app.test_client()
    for text in [*MALFORMED, "x" * 5000, "natal " * 300, "\x00\x01", "\ud7ff\ue000"]:
        response = client.get("/search", query_string={"q": text})
        assert response.status_code == 200, text
    assert "Nothing to look for" in client.get("/search", query_string={"q": "&|!"}).get_data(as_text=True)
    html = client.get("/search", query_string={"q": 'NEAR("natal'}).get_data(as_text=True)
    assert "No questions with “near”, “natal”." in html  # the words, as words


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), tag=st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["drugs"])))
@example(text='"', tag=None)
@example(text="*", tag=None)
@example(text="NEAR(", tag=None)
@example(text="", tag="")
def test_no_query_string_is_a_server_error(client, text, tag):
    """Whatever the query string holds, the answer is a page: the results, the form with a hint, or a 400
    for a tag that cannot be one (never a 500)."""
    with client.application.app_context():
        imported = db.session.scalar(select(Bank.id).where(Bank.slug == "tricky")) is not None
        db.session.rollback()
    if not imported:  # the first example; the others share its database
        import_tricky(client.application)
    params = {"q": text} if tag is None else {"q": text, "tag": tag}
    response = client.get("/search", query_string=params)
    assert response.status_code in (200, 400), (text, tag)
    if response.status_code == 400:
        assert "That is not a tag" in response.get_data(as_text=True)
