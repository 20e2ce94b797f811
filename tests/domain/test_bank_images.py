"""Images in a bank, checked by the validator like any other problem, with file, line and field; and a
valid bank's images rewritten to their stored form in every Markdown field."""

from __future__ import annotations

import pytest

from quizapp.domain.banks import BankError, export_yaml, parse_bank, parse_package
from quizapp.domain.media import prepare_image, with_names
from quizapp.domain.packages import BankPackage

from ..conftest import bank_yaml
from ..media_data import image_bank, image_bytes, image_media

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def one_question(prompt: str) -> str:
    return bank_yaml(
        "pictures",
        questions=f"""
  - id: q1
    type: true_false
    prompt: "{prompt}"
    answer: true
""",
    )


def problems(text: str, media: dict[str, bytes]) -> list[str]:
    with pytest.raises(BankError) as refused:
        parse_package(BankPackage(text, media, "pictures/bank.yaml"))
    return [str(p) for p in refused.value.problems]


def test_a_valid_bank_with_images_has_them_in_stored_form_in_every_field():
    bank, images = parse_package(BankPackage(image_bank(), image_media(), "pictures/bank.yaml"))
    heart, right = images["media/heart.png"], images["media/right.jpg"]
    assert heart == prepare_image(image_media()["media/heart.png"])
    single, card = bank.questions
    assert single.prompt.endswith(f"![A heart with its left ventricle in red]({heart.ref})")
    assert single.choices[1].feedback.endswith(f"]({right.ref})")
    assert card.front.endswith(f"({heart.ref})")


@pytest.mark.parametrize(
    ("prompt", "media", "message"),
    [
        ("![The heart](media/missing.png)", {}, "media/missing.png is not in the bank: a bank with images is a folder"),
        (
            "![The heart](media/hart.png)",
            {"media/heart.png": image_bytes()},
            "media/hart.png is not in the bank's media/ folder; did you mean media/heart.png?",
        ),
        ("![](media/heart.png)", {"media/heart.png": image_bytes()}, "the image media/heart.png needs alt text"),
        ("![image](media/heart.png)", {"media/heart.png": image_bytes()}, "does not say what the picture shows"),
        ("![The heart](media/heart.png)", {"media/heart.png": b"not a picture"}, "media/heart.png is not a PNG, JPEG"),
        ("![The heart](media/heart.svg)", {"media/heart.svg": SVG}, "media/heart.svg is an SVG drawing; SVG is not"),
        ("![The heart](https://example.org/h.png)", {}, "'https://example.org/h.png' is not a file of the bank"),
        ("![The heart](heart.png)", {"heart.png": image_bytes()}, "write the image's path as media/<file name>"),
    ],
    ids=["missing-no-media", "missing", "no-alt", "vague-alt", "not-an-image", "svg", "web-address", "not-in-media"],
)
def test_each_image_problem_is_reported_with_its_line_and_field(prompt, media, message):
    found = problems(one_question(prompt), media)
    assert any(p.startswith("pictures/bank.yaml:13:13: questions[0].prompt: ") and message in p for p in found), found


def test_a_plain_yaml_bank_that_refers_to_an_image_is_refused():
    with pytest.raises(BankError, match=r"is not in the bank: a bank with images is a folder or \.zip"):
        parse_bank(one_question("![The heart](media/heart.png)"), "pictures/bank.yaml")


def test_unused_images_and_files_that_are_not_images_are_refused_by_name():
    media = {**image_media(), "media/spare.png": image_bytes(colour=(1, 2, 3)), "media/notes.txt": b"hello"}
    assert problems(image_bank(), media) == [
        "pictures/bank.yaml: media/notes.txt: is not a PNG, JPEG, WebP or GIF image (its content is not a picture)",
        "pictures/bank.yaml: media/spare.png: is not used by any question: refer to it, or remove it from media/",
    ]


def test_a_broken_image_that_is_used_is_reported_where_it_is_used_and_only_there():
    found = problems(one_question("![The heart](media/heart.png)"), {"media/heart.png": b"text"})
    assert len(found) == 1 and "questions[0].prompt: media/heart.png is not a PNG" in found[0]


def test_images_in_choices_explanations_and_card_backs_are_checked_too():
    text = bank_yaml(
        "pictures",
        questions="""
  - id: q1
    type: single
    prompt: "Which?"
    choices:
      - {id: a, text: "![](media/a.png)", correct: true}
      - {id: b, text: "B"}
    explanation: "![img](media/a.png)"
  - id: q2
    type: flashcard
    front: "Front"
    back: "![](media/a.png)"
""",
    )
    found = problems(text, {"media/a.png": image_bytes()})
    assert [p.split(": ")[1] for p in found] == [
        "questions[0].choices[0].text",
        "questions[0].explanation",
        "questions[1].back",
    ]


def test_exported_data_names_its_pictures_again_and_reads_back_to_the_same_bank():
    bank, images = parse_package(BankPackage(image_bank(), image_media(), "pictures/bank.yaml"))
    data = {**bank.model_dump(mode="json"), "reviewed_on": bank.reviewed_on.isoformat()}
    data["questions"] = with_names(data["questions"], {image.sha256: name for name, image in images.items()})
    text = export_yaml(data)
    assert "](media/heart.png)" in text and "/media/" not in text
    again, _ = parse_package(BankPackage(text, image_media(), "pictures/bank.yaml"))
    assert again.questions == bank.questions


@pytest.mark.parametrize(
    "prompt",
    ["![The heart][h]\\n\\n[h]: media/heart.png", "![The heart](media/heart(1).png)"],
    ids=["reference-style", "brackets-in-name"],
)
def test_an_image_written_so_it_cannot_be_checked_is_refused(prompt):
    found = problems(one_question(prompt), {"media/heart.png": image_bytes()})
    assert any("an image here is written in a way that cannot be checked" in p for p in found), found


def test_a_picture_where_only_plain_text_is_shown_is_refused():
    text = bank_yaml(
        "pictures",
        questions="""
  - id: q1
    type: matching
    prompt: "Match them."
    pairs:
      - {left: "Heart", right: "![A heart](media/a.png)"}
      - {left: "Lung", right: "Breathing"}
""",
    )
    found = problems(text, {"media/a.png": image_bytes()})
    assert any("questions[0].pairs[0].right: a picture can be in a prompt" in p for p in found), found


@pytest.mark.parametrize("name", ["heart.png", "media/a/heart.png", "media/" + "h" * 250 + ".png"])
def test_a_package_whose_media_are_named_otherwise_is_refused(name):
    """Converters build packages too: a file outside media/, in a subfolder or with a very long name is
    refused before anything is stored."""
    found = problems(image_bank(), {**image_media(), name: image_bytes()})
    assert f"pictures/bank.yaml: {name}: a media file is named media/<file name>, at most 255 characters" in found


def test_an_image_written_with_a_yaml_escape_is_checked_too():
    found = problems(one_question("\\x21[](media/heart.png)"), {"media/heart.png": image_bytes()})
    assert any("needs alt text" in p for p in found), found
