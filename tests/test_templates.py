"""Template habits: one macro for the CSRF field, the navigation links and the pager."""

from __future__ import annotations

import re
from pathlib import Path

from quizapp.domain.attempts import AttemptMode, AttemptSource, AttemptStatus

TEMPLATES = Path(__file__).resolve().parent.parent / "quizapp" / "templates"


def test_only_the_macro_writes_the_csrf_field():
    writers = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if "csrf_token" in path.read_text(encoding="utf-8") and path.name != "_macros.html"
    ]
    assert not writers, writers


def test_the_pager_is_one_macro():
    users = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if 'class="pager"' in p.read_text()]
    assert users == ["_macros.html"]


def test_the_navigation_marks_the_current_page(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<a href="/login" aria-current="page">Log in</a>' in page
    assert '<a href="/banks" >' not in page and '<a href="/banks">Banks</a>' in page
    banks = client.get("/banks").get_data(as_text=True)
    assert '<a href="/banks" aria-current="page">Banks</a>' in banks
    assert '<a href="/login">Log in</a>' in banks


def test_no_template_spells_out_an_attempt_status_mode_or_source():
    # Pages ask the attempt (a.in_progress, a.is_exam, ...) so the stored words live in one enum module.
    words = "|".join(str(w) for enum in (AttemptMode, AttemptStatus, AttemptSource) for w in enum)
    spelled = re.compile(rf"""['"]({words})['"]""")
    users = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if spelled.search(p.read_text())]
    assert not users, users


def test_the_error_summary_is_one_macro():
    users = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if "error-summary" in p.read_text()]
    assert users == ["_macros.html"]


def test_every_page_with_a_form_that_can_fail_shows_the_error_summary():
    # A form whose view can re-render it with problems: WTForms forms (they carry .errors) and pages
    # given an error message. Read-only GET forms and one-button POST forms that redirect are left out.
    bare = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        can_fail = re.search(r"\{\{ field\(|\berror\b|\bproblems\b", text) and path.name != "_macros.html"
        if can_fail and "error_summary(" not in text and "m.problem(" not in text:
            bare.append(str(path.relative_to(TEMPLATES)))
    assert not bare, bare
