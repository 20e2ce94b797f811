"""Each question type's template: it exists, has the macros the pages call, and sends what its parser reads."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask, render_template_string
from jinja2 import nodes
from markupsafe import escape

from quizapp import rendering
from quizapp.domain import types
from quizapp.domain.grading import parse_response, response_form
from quizapp.domain.quizzes import graded_answer

from .domain.test_quizzes import BANK, BLANK, RIGHT, Q
from .test_quizzes import form_values

QUIZ_MACROS = ("answer_fields", "prompt", "review", "preview", "key")
BY_TYPE = {q.type: q for q in BANK.questions}  # the all-types bank has a question of each type
KEYS = {Q[key].type: key for key in RIGHT}
TYPE_TEMPLATES = Path(__file__).resolve().parent.parent / "quizapp" / "templates" / "types"


def _module(app: Flask, name: str):
    return app.jinja_env.get_template(f"types/{name}.html").module


@pytest.mark.parametrize("name", types.QUESTION_TYPES)
def test_every_type_has_a_template_with_the_macros_pages_call(app, name):
    module = _module(app, name)
    wanted = QUIZ_MACROS if types.get(name).quiz else ("preview", "key")
    for macro in wanted:
        assert callable(getattr(module, macro, None)), f"types/{name}.html has no macro {macro}"
    question = BY_TYPE[name]
    with app.test_request_context():
        html = str(module.preview(question.model_dump(mode="json")))
    assert html.strip().startswith("<p>")


@pytest.mark.parametrize("name", types.QUIZ_TYPES)
def test_the_answer_fields_send_back_what_the_parser_reads(app, name):
    key, kind = KEYS[name], types.get(name)
    question = Q[key]
    for form in (RIGHT[key], BLANK[key]):
        response = parse_response(question, form)
        page = SimpleNamespace(
            question=question,
            choices=kind.choices(question, 7),
            items=kind.items(question, 7),
            options=kind.options(question),
            values=response_form(question, response),
        )
        with app.test_request_context():
            html = render_template_string(
                "{% from 'quiz/_macros.html' import answer_fields %}{{ answer_fields(page) }}", page=page
            )
        assert parse_response(question, form_values(html)) == response, (name, form)


@pytest.mark.parametrize("name", types.QUIZ_TYPES)
def test_the_review_macros_render_a_graded_answer(app, name):
    key = KEYS[name]
    question = Q[key]
    graded = graded_answer(question, parse_response(question, RIGHT[key]), 7)
    with app.test_request_context():
        html = render_template_string(
            "{% from 'quiz/_macros.html' import review_block, prompt_text %}"
            "{{ prompt_text(q) }}{{ review_block(r, 1) }}",
            q=question,
            r=graded,
        )
    assert '<div class="prompt">' in html
    assert f"<strong>Correct answer:</strong> {escape(graded.correct_answer)}" in html
    assert ('class="marks"' in html) is bool(graded.choices)
    assert ('class="parts"' in html) is not bool(graded.choices)


def test_type_names_come_from_the_registry(app):
    with app.test_request_context():
        html = render_template_string(
            "{% from '_macros.html' import type_counts %}{{ type_counts(counts) }}",
            counts={name: 1 for name in types.QUESTION_TYPES},
        )
    for name in types.QUESTION_TYPES:
        assert f"<li>1 {types.get(name).label}</li>" in html


def test_type_templates_use_only_filters_the_app_itself_registers():
    # Not a blueprint's: then every page can show any type, and adding a type never touches a blueprint.
    bare = Flask("bare")
    rendering.init_app(bare)
    for path in TYPE_TEMPLATES.glob("*.html"):
        used = {f.name for f in bare.jinja_env.parse(path.read_text()).find_all(nodes.Filter)}
        assert used <= set(bare.jinja_env.filters), (path.name, used - set(bare.jinja_env.filters))
