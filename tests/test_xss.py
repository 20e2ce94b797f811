"""Stored XSS: a bank full of payloads, uploaded by a teacher and shown on every page that shows banks,
renders as inert text. The Markdown renderer is checked on its own against the same payloads."""

from __future__ import annotations

import io
import json

import pytest

from quizapp.rendering import markdown

from .conftest import csrf_token, log_in
from .html_checks import executable_markup

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "[click](javascript:alert(3))",
    "[click](JaVaScRiPt:alert(4))",
    "[click](javascript&#58;alert(5))",
    "<javascript:alert(6)>",
    "![x](javascript:alert(7))",
    "<svg onload=alert(8)>",
    "<svg><script>alert(9)</script></svg>",
    "<a href='javascript:alert(10)'>link</a>",
    "<iframe src='javascript:alert(11)'></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(12)>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMyk8L3NjcmlwdD4=)",
    "<div style='background:url(javascript:alert(14))'>styled</div>",
    "<form action='javascript:alert(15)'><button>go</button></form>",
    "[ref link][r]\n\n[r]: javascript:alert(16)",
    "<base href='https://evil.example/'>",
    "<meta http-equiv='refresh' content='0;url=javascript:alert(17)'>",
    '" onmouseover="alert(18)" x="',
    "<details open ontoggle=alert(19)>x</details>",
    "[tab](java&#9;script:alert(20))",
    "[vb](vbscript:msgbox(21))",
    "<object data='javascript:alert(22)'></object><embed src='javascript:alert(23)'>",
    "<a href='https://example.org' onclick='alert(24)'>ok</a>",
    "`<script>alert(25)</script>` and ```\n<script>alert(26)</script>\n```",
    "{{ 7 * 7 }} {% raw %}",
]


def q(text: str) -> str:
    """A YAML scalar for any text (JSON strings are YAML)."""
    return json.dumps(text)


def xss_bank() -> str:
    everything = "\n\n".join(PAYLOADS)
    questions = []
    for i, payload in enumerate(PAYLOADS):
        questions.append(
            f"""  - id: s{i}
    type: single
    prompt: {q(payload)}
    choices:
      - {{id: a, text: {q(payload)}, correct: true, feedback: {q(payload)}}}
      - {{id: b, text: "Plain"}}
    explanation: {q(payload)}
  - id: f{i}
    type: flashcard
    front: {q(payload)}
    back: {q(payload)}"""
        )
    return (
        f"format: 1\nid: xss\ntitle: {q('<script>alert(100)</script> Title')}\ndescription: {q(everything)}\n"
        f"language: en\nlicense: {q('<b onmouseover=alert(101)>CC0</b>')}\n"
        f"authors: [{q('<img src=x onerror=alert(102)>')}]\nreviewed_on: 2026-11-25\ntags: [demo]\n"
        "questions:\n" + "\n".join(questions) + "\n"
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_renders_each_payload_inert(payload):
    for html in (markdown(payload), markdown(payload, inline=True)):
        assert executable_markup(str(html)) == [], html


def test_markdown_keeps_what_authors_need():
    html = str(markdown("**bold** _em_ `code` [site](https://example.org) H~2~O\n\n| a | b |\n|---|---|\n| 1 | 2 |"))
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html and "<code>code</code>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">site</a>' in html
    assert "<table>" in html


def test_a_bank_of_payloads_is_inert_on_every_page(app, client, make_user):
    make_user("teacher", role="teacher")
    log_in(client, "teacher")
    staged = client.post(
        "/teach/banks",
        data={"csrf_token": csrf_token(client), "bank": (io.BytesIO(xss_bank().encode()), "xss.yaml")},
    )
    assert staged.status_code == 303, staged.text
    preview = client.get(staged.headers["Location"] + "?show=all").text
    response = client.post(staged.headers["Location"] + "/publish", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 200, response.text
    assert "bank added" in response.text
    edited = xss_bank().replace('"Plain"', '"Plain <script>alert(7)</script>"').replace("demo]", "demo, x]")
    again = client.post(
        "/teach/banks", data={"csrf_token": csrf_token(client), "bank": (io.BytesIO(edited.encode()), "xss.yaml")}
    )
    assert again.status_code == 303, again.text
    pages = {
        "preview": preview,
        "diff": client.get(again.headers["Location"]).text,
        "upload result": response.text,
        "manage banks": client.get("/teach/banks").text,
        "home": client.get("/").text,
        "bank": client.get("/banks/xss").text,
        "home, logged out": app.test_client().get("/").text,
        "bank, logged out": app.test_client().get("/banks/xss").text,
    }
    for name, html in pages.items():
        assert executable_markup(html) == [], name
    assert "&lt;script&gt;alert(7)&lt;/script&gt;" in pages["diff"]  # a changed field's words, as text
    bank_page = pages["bank"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in bank_page  # shown as text
    assert "&lt;script&gt;alert(100)&lt;/script&gt; Title" in bank_page
    assert "{{ 7 * 7 }} {% raw %}" in bank_page  # shown as typed: bank text is never a template
    exported = client.get("/teach/banks/xss/export")
    assert exported.mimetype == "application/yaml" and "<script>alert(1)</script>" in exported.text


def test_the_checker_sees_executable_markup():
    assert executable_markup("<p><img src=x onerror=alert(1)></p>") == ["<img>", "img[onerror]"]
    assert executable_markup("<a href=' JavaScript:alert(1)'>x</a>") == ["a[href= JavaScript:alert(1)]"]
    assert executable_markup('<form action="https://evil.example"></form>')
