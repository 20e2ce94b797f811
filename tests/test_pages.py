"""The public pages: home and bank pages, error pages, and safe rendering of bank Markdown."""

from __future__ import annotations

from .conftest import DATA, bank_yaml
from .html_checks import executable_markup

XSS = """
  - id: x1
    type: single
    prompt: "<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)>"
    choices:
      - {id: a, text: "<svg onload=alert(4)>", correct: true}
      - {id: b, text: "B"}
    tags: [demo]
  - id: x2
    type: flashcard
    front: "<a href='javascript:alert(5)'>front</a> [ok](https://example.org)"
    back: "Back"
"""


def test_home_lists_banks_with_counts_tags_and_review_date(client, runner):
    assert runner.invoke(args=["bank", "import", str(DATA / "banks")]).exit_code == 0
    html = client.get("/").get_data(as_text=True)
    assert "Every question type" in html
    assert "9 questions" in html
    for label in (
        "1 single choice",
        "1 multiple choice",
        "1 true or false",
        "1 short answer",
        "1 numeric",
        "1 cloze",
        "1 matching",
        "1 ordering",
        "1 flashcard",
    ):
        assert label in html
    assert '<time datetime="2026-11-25">25 November 2026</time>' in html
    assert "<li>demo</li>" in html


def test_home_without_banks_says_how_to_add_them(client):
    assert "flask --app quizapp bank import questions/" in client.get("/").get_data(as_text=True)


def test_bank_page_lists_prompts(client, make_bank):
    make_bank(bank_yaml())
    response = client.get("/banks/demo")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "First question?" in html and "Second question?" in html and "Front" in html


def test_unknown_bank_is_a_404_page(client):
    response = client.get("/banks/nope")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html and "Traceback" not in html


def test_bank_markdown_is_rendered_inert(client, make_bank):
    make_bank(bank_yaml(questions=XSS))
    html = client.get("/banks/demo").get_data(as_text=True)
    assert executable_markup(html) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # visible as text
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in html


def test_405_and_500_pages_are_styled(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = client.post("/")
    assert response.status_code == 405 and "Method not allowed" in response.get_data(as_text=True)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html and "secret internal detail" not in html and "Traceback" not in html
