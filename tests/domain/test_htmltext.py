"""HTML to Markdown (sanitised) and Markdown to HTML for the formats that carry HTML."""

from __future__ import annotations

import nh3
import pytest

from quizapp.domain.formats.htmltext import _md, escape_markdown, html_to_markdown, markdown_to_html
from quizapp.domain.interchange import NotMapped


def image(src: str, alt: str | None) -> str:
    if not alt:
        raise NotMapped(f"{src} has no alt")
    return f"![{alt}](media/{src})"


def test_html_becomes_markdown_without_anything_unsafe():
    html = (
        '<p>What is <b>2*3</b>?<br>See <img src="x.png" alt="A graph" onerror="x()"></p>'
        "<ul><li>a_b</li><li>_c</li></ul><script>alert(1)</script><p>- not a list</p><ol><li>one</li></ol>"
        '<p><a href="https://example.org/">link</a> <a href="javascript:x()">bad</a> <i>it</i> <code>x</code></p>'
    )
    assert html_to_markdown(html, image) == (
        "What is **2\\*3**?\\\nSee ![A graph](media/x.png)\n\n- a_b\n- \\_c\n\n\\- not a list\n\n1. one\n\n"
        "[link](https://example.org/) bad *it* `x`"
    )


def test_an_image_the_callback_refuses_refuses_the_text():
    with pytest.raises(NotMapped, match=r"y\.png has no alt"):
        html_to_markdown('<img src="y.png">', image)


def test_escaped_plain_text_renders_as_itself():
    for text in ("5 * 3 = 15", "1. not a list", "# not a heading", "[not a link]", "snake_case and _this_"):
        rendered = nh3.clean(_md.renderInline(escape_markdown(text)), tags=set())
        assert rendered.replace("&lt;", "<").replace("&gt;", ">") == text


@pytest.mark.parametrize(
    "text",
    ['Plain words, "quoted" and it\'s 5 mg/kg (approx.) at 10:00', "12. a list", "a *b*", "x\ny", "Loop\u00a0diuretic"],
)
def test_plain_text_takes_a_short_cut_to_the_same_html(text):
    assert markdown_to_html(text) == nh3.clean(_md.render(text), tags={"p", "em", "ol", "li"}).strip()


def test_markdown_images_point_where_asked():
    assert markdown_to_html("![A graph](media/x.png)", lambda s: s.removeprefix("media/")) == (
        '<p><img src="x.png" alt="A graph"></p>'
    )
