"""Cloze gaps are read the same way whatever the text around them, and never an input inside a tag."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain.types.cloze import CLOZE_RE, cloze_gaps
from quizapp.rendering import cloze_html

PIECES = st.lists(
    st.one_of(
        st.sampled_from(
            ["{{c1::", "{{c2::a}}", "}}", "{{", "::", "|", "[x](https://a.org ", '"', ")", "](", "`", "\n"]
        ),
        st.text(alphabet="ab {}:c12|*_[]()\"<>&'", max_size=8),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(PIECES)
def test_every_gap_found_is_a_closed_gap_without_braces_inside(text):
    for match in CLOZE_RE.finditer(text):
        body = match.group(2)
        assert "{{" not in body and "}}" not in body
        assert match.group(0).startswith("{{c") and match.group(0).endswith("}}")
    assert len(cloze_gaps(text)) == len(CLOZE_RE.findall(text))


@settings(max_examples=300, deadline=None)
@given(PIECES)
def test_each_gap_gets_exactly_one_input_and_none_inside_a_tag_or_link(text):
    html = str(cloze_html(text, {}))
    count = len(cloze_gaps(text))
    assert html.count("<input") == count
    for k in range(1, count + 1):
        assert html.count(f'name="gap-{k}"') == 1
    for tag in re.findall(r"<[^>]*>", html):
        assert "\ue000" not in tag and "\ue001" not in tag
    for link in re.findall(r"<a\b.*?</a>", html, re.S):
        assert "<input" not in link
