"""Images end to end: imported from folders and zips by the command line and the upload page, stored once
by content, served with a year's cache, shown on the question, results, card and bank pages, exported as a
zip; and every bad package refused with its entry and reason, a 4xx or exit code 1, and nothing stored."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from quizapp.domain.banks import parse_package
from quizapp.domain.media import prepare_image
from quizapp.domain.packages import BankPackage, read_zip, write_zip
from quizapp.extensions import db
from quizapp.models import Bank, BankVersion, BankVersionMedia, MediaFile, Question, utcnow
from quizapp.operations import import_bank, import_package
from quizapp.operations.media import store_media, store_media_files
from quizapp.queries.media import bank_media
from quizapp.rendering import markdown

from .conftest import bank_yaml, csrf_token, log_in, post_form
from .media_data import image_bank, image_bytes, image_media, write_folder
from .test_study import answer as study_answer

QUIZ = "\nquizzes:\n  - id: look\n    title: Look closely\n    questions: [heart]\n"
IMG_RE = re.compile(r"<img [^>]*>")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'


def zipped(text: str | None = None, media: dict[str, bytes] | None = None) -> bytes:
    return write_zip(BankPackage(text if text is not None else image_bank(), image_media() if media is None else media))


def stored(app) -> tuple[int, int, int]:
    """How many banks, media files and version links there are."""
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(m)) for m in (Bank, MediaFile, BankVersionMedia)
        )


@pytest.fixture
def teacher(client, make_user):
    make_user("teacher", role="teacher")
    log_in(client, "teacher")
    return client


def upload(client, data: bytes, name: str):
    return client.post("/teach/banks", data={"csrf_token": csrf_token(client), "bank": (io.BytesIO(data), name)})


def upload_and_publish(client, data: bytes, name: str):
    """Upload a bank, then press Publish on its preview, as a teacher does; the page that says what happened."""
    staged = upload(client, data, name)
    assert staged.status_code == 303, staged.text
    token = re.search(r"/teach/imports/([A-Za-z0-9_-]{32})", staged.headers["Location"])[1]
    assert client.get(staged.headers["Location"]).status_code == 200
    return post_form(client, f"/teach/imports/{token}/publish")


# --- importing ------------------------------------------------------------------------------------------


def test_the_command_line_imports_a_folder_of_yaml_files_bank_folders_and_zips(app, runner, tmp_path):
    write_folder(tmp_path / "banks" / "pictures")
    (tmp_path / "banks" / "plain.yaml").write_text(bank_yaml("plain"))
    (tmp_path / "banks" / "zipped.zip").write_bytes(zipped(image_bank("zipped")))
    result = runner.invoke(args=["bank", "import", str(tmp_path / "banks")])
    assert result.exit_code == 0, result.output
    assert "pictures: created (version 1): 2 added" in result.output
    assert "plain: created" in result.output and "zipped: created" in result.output
    assert stored(app) == (3, 2, 4)  # the two banks with images share their two files
    again = runner.invoke(args=["bank", "import", str(tmp_path / "banks")])
    assert again.exit_code == 0 and again.output.count("unchanged") == 3
    assert runner.invoke(args=["bank", "validate", str(tmp_path / "banks")]).exit_code == 0


@pytest.mark.parametrize("app_fixture", ["app", pytest.param("pg_app", marks=pytest.mark.postgres)])
def test_each_file_is_stored_once_across_banks_and_calls_on_each_database(app_fixture, request):
    app = request.getfixturevalue(app_fixture)
    package = BankPackage(image_bank(), image_media(), "pictures/bank.yaml")
    with app.app_context():
        import_package(db.session, package, utcnow())
        bank, images = parse_package(BankPackage(image_bank("other"), image_media(), "other/bank.yaml"))
        import_bank(db.session, bank, b"", "other/bank.yaml", utcnow(), images=images, digest="0" * 64)
        version = db.session.scalars(select(BankVersion.id).order_by(BankVersion.id.desc())).first()
        # a file already stored is linked again, not stored again
        assert store_media(db.session, version, {"media/again.png": images["media/heart.png"]}, utcnow()) == 0
        other = prepare_image(image_bytes(colour=(9, 9, 9)))
        assert store_media_files(db.session, [other, other], utcnow()) == 1  # for a preview: no version yet
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(MediaFile)) == 3
        assert db.session.scalar(select(func.count()).select_from(BankVersionMedia)) == 5


def test_the_same_image_in_a_new_version_is_stored_once_and_a_changed_one_changes_the_question(app, runner, tmp_path):
    folder = write_folder(tmp_path / "pictures")
    assert runner.invoke(args=["bank", "import", str(folder)]).exit_code == 0
    (folder / "bank.yaml").write_text(image_bank().replace("The red chamber", "The red-marked chamber"))
    second = runner.invoke(args=["bank", "import", str(folder)])
    assert "updated (version 2): 0 added, 1 changed" in second.output
    assert stored(app) == (1, 2, 4)  # two links per version, still two files
    (folder / "media" / "heart.png").write_bytes(image_bytes(colour=(0, 120, 0)))
    third = runner.invoke(args=["bank", "import", str(folder)])
    assert "updated (version 3): 0 added, 2 changed" in third.output  # both questions show the heart
    assert stored(app) == (1, 3, 6)
    with app.app_context():
        bank = db.session.scalars(select(Bank)).one()
        assert bank_media(db.session, bank) == {
            "media/heart.png": prepare_image(image_bytes(colour=(0, 120, 0))).data,
            "media/right.jpg": prepare_image(image_media()["media/right.jpg"]).data,
        }


def test_the_upload_page_takes_a_zip(app, teacher):
    response = upload_and_publish(teacher, zipped(), "pictures.zip")
    assert response.status_code == 200 and "pictures.zip: bank added" in response.text
    assert stored(app) == (1, 2, 2)
    accept = re.search(r'accept="([^"]*)"', teacher.get("/teach/banks").text)[1]
    assert ".zip" in accept.split(",")


ONE = """
  - id: q1
    type: true_false
    prompt: "{prompt}"
    answer: true
"""


def one(prompt: str) -> str:
    return bank_yaml("pictures", questions=ONE.format(prompt=prompt))


def bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bank.yaml", one("![The heart](media/heart.png)"))
        archive.writestr("media/heart.png", b"\0" * (17 * 1024 * 1024))
    return out.getvalue()


def traversal() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("bank.yaml", image_bank())
        archive.writestr("../../etc/cron.d/evil", b"* * * * * root rm -rf /")
    return out.getvalue()


BAD = [
    (bomb(), "media/heart.png: unpacks to more than 16 MB"),
    (traversal(), "../../etc/cron.d/evil: climbs out of the package (..)"),
    (zipped(one("![The heart](media/heart.png)"), {"media/heart.png": b"\x89PNG" + b"\0" * 2_200_000}), "is 2.1 MB"),
    (zipped(one("![The heart](media/heart.png)"), {"media/heart.png": b"just text\n"}), "is not a PNG, JPEG"),
    (zipped(one("![The heart](media/heart.svg)"), {"media/heart.svg": SVG}), "is an SVG drawing"),
    (zipped(one("![The heart](media/lung.png)"), {"media/heart.png": image_bytes()}), "media/lung.png is not in"),
    (zipped(one("![](media/heart.png)"), {"media/heart.png": image_bytes()}), "needs alt text"),
]
BAD_IDS = ["zip-bomb", "traversal", "oversize", "text-as-png", "svg-with-script", "missing-file", "missing-alt"]


@pytest.mark.parametrize(("data", "message"), BAD, ids=BAD_IDS)
def test_a_bad_upload_is_a_422_with_the_entry_and_why_and_nothing_is_stored(app, teacher, data, message):
    response = upload(teacher, data, "bad.zip")
    assert response.status_code == 422
    text = re.sub(r"<[^>]+>", "", response.text).replace("&#39;", "'")
    assert message in text, text
    assert stored(app) == (0, 0, 0)


@pytest.mark.parametrize(("data", "message"), BAD, ids=BAD_IDS)
@pytest.mark.parametrize("command", ["validate", "import"])
def test_a_bad_package_fails_on_the_command_line_with_exit_code_1_and_nothing_is_stored(
    app, runner, tmp_path, data, message, command
):
    path = tmp_path / "bad.zip"
    path.write_bytes(data)
    result = runner.invoke(args=["bank", command, str(path)])
    assert result.exit_code == 1 and message in result.output and str(path) in result.output
    assert stored(app) == (0, 0, 0)


def test_a_bad_folder_bank_names_the_line_of_the_reference(app, runner, tmp_path):
    folder = write_folder(tmp_path / "pictures", one("![](media/heart.png)"), {"media/heart.png": image_bytes()})
    result = runner.invoke(args=["bank", "validate", str(folder)])
    assert result.exit_code == 1
    assert (
        f"{folder / 'bank.yaml'}:13:13: questions[0].prompt: the image media/heart.png needs alt text" in result.output
    )


# --- serving --------------------------------------------------------------------------------------------


def image_urls(html: str) -> list[str]:
    return [re.search(r'src="([^"]+)"', tag)[1] for tag in IMG_RE.findall(html)]


def test_images_are_served_by_hash_with_a_years_cache_nosniff_and_the_strict_policy(app, client, runner, tmp_path):
    runner.invoke(args=["bank", "import", str(write_folder(tmp_path / "pictures"))])
    url = image_urls(client.get("/banks/pictures").text)[0]
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data == prepare_image(image_media()["media/heart.png"]).data
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "img-src 'self'" in response.headers["Content-Security-Policy"]
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_logged_in_reader_gets_the_same_cacheable_image(app, client, runner, make_user, tmp_path):
    runner.invoke(args=["bank", "import", str(write_folder(tmp_path / "pictures"))])
    make_user("learner")
    log_in(client, "learner")
    url = image_urls(client.get("/banks/pictures").text)[0]
    assert client.get(url).headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    [
        "/media/" + "0" * 64 + ".png",  # unknown
        "/media/" + "0" * 63 + ".png",  # malformed
        "/media/" + "A" * 64 + ".png",
        "/media/" + "0" * 64 + ".svg",
        "/media/" + "0" * 64,
        "/media/../static/style.css",
        "/media/%2e%2e%2fstatic%2fstyle.css",
    ],
)
def test_anything_but_a_stored_image_is_a_404(client, path):
    assert client.get(path).status_code == 404


def test_a_stored_image_under_another_type_is_a_404(app, client, runner, tmp_path):
    runner.invoke(args=["bank", "import", str(write_folder(tmp_path / "pictures"))])
    url = image_urls(client.get("/banks/pictures").text)[0]
    assert client.get(url.replace(".png", ".jpg")).status_code == 404


# --- showing --------------------------------------------------------------------------------------------


def test_images_show_on_the_question_results_card_and_bank_pages(app, client, runner, make_user, tmp_path):
    runner.invoke(args=["bank", "import", str(write_folder(tmp_path / "pictures", image_bank() + QUIZ))])
    heart = prepare_image(image_media()["media/heart.png"])
    right = prepare_image(image_media()["media/right.jpg"])
    tag = (
        f'<img src="/media/{heart.sha256}.png" alt="A heart with its left ventricle in red" width="120" height="80"'
        ' loading="lazy" decoding="async">'
    )
    assert tag in client.get("/banks/pictures").text
    make_user("learner")
    log_in(client, "learner")
    started = post_form(client, "/quizzes/start", bank="pictures", quiz="look")
    attempt = started.location.rsplit("/", 1)[1]
    assert tag in client.get(f"/attempts/{attempt}/questions/1").text
    post_form(client, f"/attempts/{attempt}/questions/1", choice="rv")
    post_form(client, f"/attempts/{attempt}/finish")
    results = client.get(f"/attempts/{attempt}/results").text
    assert tag in results and f'src="/media/{right.sha256}.jpg"' in results  # the picked choice's feedback
    deck = post_form(client, "/decks/new", bank="pictures").location.rsplit("/", 1)[1]
    assert tag in client.get(f"/study/{deck}").text


PICTURE_CHOICE = """
  - id: which
    type: single
    prompt: "Which is the heart?"
    choices:
      - {id: h, text: "![A heart drawn in section](media/heart.png)", correct: true}
      - {id: l, text: "A lung"}
quizzes:
  - {id: pick, title: "Pick", questions: [which]}
"""


def test_a_correct_answer_with_a_picture_is_named_by_its_alt_text_where_text_is_shown(
    app, client, runner, make_user, tmp_path
):
    text = bank_yaml("pick", questions=PICTURE_CHOICE)
    folder = write_folder(tmp_path / "pick", text, {"media/heart.png": image_bytes()})
    runner.invoke(args=["bank", "import", str(folder)])
    make_user("learner")
    log_in(client, "learner")
    attempt = post_form(client, "/quizzes/start", bank="pick", quiz="pick").location.rsplit("/", 1)[1]
    post_form(client, f"/attempts/{attempt}/questions/1", choice="l")
    post_form(client, f"/attempts/{attempt}/finish")
    results = client.get(f"/attempts/{attempt}/results").text
    correct = results.split('class="correct-answer"')[1].split("</p>")[0]
    assert "A heart drawn in section" in correct and "/media/" not in correct and "![" not in correct


SHA = "ab" * 32


@pytest.mark.parametrize(
    ("text", "html"),
    [
        (
            f"![A heart](/media/{SHA}.png#120x80)",
            f'<p><a href="/media/{SHA}.png" rel="noopener noreferrer nofollow"><img src="/media/{SHA}.png"'
            ' alt="A heart" width="120" height="80" loading="lazy" decoding="async"></a></p>',
        ),
        ("![A heart](https://example.org/heart.png)", "<p>A heart</p>"),
        ("![A heart](media/heart.png)", "<p>A heart</p>"),
        (f"![A heart](/media/{SHA}.png)", "<p>A heart</p>"),
        (f"![A heart](/media/{SHA}.svg#1x1)", "<p>A heart</p>"),
        (f'![x" onerror="alert(1)](/media/{SHA}.gif#1x1)', 'alt="x&quot; onerror=&quot;alert(1)"'),
        (f"![<script>alert(1)</script>](/media/{SHA}.gif#1x1)", 'alt="&lt;script&gt;alert(1)&lt;/script&gt;"'),
    ],
    ids=["stored", "web", "unstored-name", "no-size", "svg", "alt-quote", "alt-script"],
)
def test_only_stored_images_become_img_tags_and_alt_text_is_escaped(text, html):
    assert html in str(markdown(text))


def test_a_picture_in_a_block_links_to_its_full_size_and_one_in_a_line_does_not():
    text = f"![A heart](/media/{SHA}.png#120x80)"
    block, line = str(markdown(text)), str(markdown(text, inline=True))
    assert f'<a href="/media/{SHA}.png"' in block and "<img" in block  # a phone can open a wide diagram
    assert "<a" not in line and line.startswith("<img")  # a choice's label: tapping it chooses


def test_a_picture_points_below_the_apps_own_path_when_it_is_served_under_a_prefix(app):
    with app.test_request_context("/", base_url="http://example.org/quiz/"):
        assert f'src="/quiz/media/{SHA}.png"' in str(markdown(f"![A heart](/media/{SHA}.png#1x1)"))
    assert f'src="/media/{SHA}.png"' in str(markdown(f"![A heart](/media/{SHA}.png#1x1)"))


# --- exporting ------------------------------------------------------------------------------------------


def test_a_bank_with_images_downloads_as_a_zip_that_imports_unchanged(app, teacher, runner, tmp_path):
    runner.invoke(args=["bank", "import", str(write_folder(tmp_path / "pictures"))])
    response = teacher.get("/teach/banks/pictures/export")
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == 'attachment; filename="pictures.zip"'
    package = read_zip(response.data, "pictures.zip")
    assert "![A heart with its left ventricle in red](media/heart.png)" in package.yaml_text
    assert sorted(package.media) == ["media/heart.png", "media/right.jpg"]
    again = upload_and_publish(teacher, response.data, "pictures.zip")
    assert "nothing changed" in again.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 2


def test_a_bank_without_images_still_downloads_as_yaml(app, teacher, make_bank):
    make_bank(bank_yaml())
    response = teacher.get("/teach/banks/demo/export")
    assert response.mimetype == "application/yaml" and response.text.startswith("format: 1\n")


def test_the_command_line_exports_a_bank_with_images_as_a_zip(app, runner, tmp_path):
    runner.invoke(args=["bank", "import", str(write_folder(tmp_path / "pictures"))])
    refused = runner.invoke(args=["bank", "export", "pictures"])
    assert refused.exit_code == 2 and "pictures has pictures: write it as a .zip with -o pictures.zip" in refused.output
    out = tmp_path / "out.zip"
    assert runner.invoke(args=["bank", "export", "pictures", "-o", str(out)]).exit_code == 0
    assert sorted(read_zip(out.read_bytes(), "out.zip").media) == ["media/heart.png", "media/right.jpg"]
    again = runner.invoke(args=["bank", "import", str(out)])
    assert "pictures: unchanged (version 1)" in again.output


def test_search_finds_a_picture_by_its_alt_text_never_by_its_file_or_hash(app, client, runner, tmp_path):
    folder = write_folder(tmp_path / "pictures", image_bank().replace("Which chamber is marked in red?", "Look."))
    runner.invoke(args=["bank", "import", str(folder)])
    assert "Look." in client.get("/search?q=heart").text  # only the alt text says heart
    sha = prepare_image(image_media()["media/heart.png"]).sha256
    for word in ("media", "png", sha, "120x80"):
        assert "Look." not in client.get(f"/search?q={word}").text, word


def test_one_picture_under_two_names_is_exported_once_and_imports_unchanged(app, runner, tmp_path):
    text = image_bank().replace('](media/heart.png)"\n    back:', '](media/copy.png)"\n    back:')
    assert "media/copy.png" in text
    media = {**image_media(), "media/copy.png": image_media()["media/heart.png"]}
    assert runner.invoke(args=["bank", "import", str(write_folder(tmp_path / "pictures", text, media))]).exit_code == 0
    out = tmp_path / "out.zip"
    assert runner.invoke(args=["bank", "export", "pictures", "-o", str(out)]).exit_code == 0
    package = read_zip(out.read_bytes(), "out.zip")
    assert sorted(package.media) == ["media/copy.png", "media/right.jpg"]
    assert "media/heart.png" not in package.yaml_text
    assert "pictures: unchanged (version 1)" in runner.invoke(args=["bank", "import", str(out)]).output
    with app.app_context():
        bank = db.session.scalars(select(Bank)).one()
        assert sorted(bank_media(db.session, bank)) == ["media/copy.png", "media/right.jpg"]


CARD_ONLY = """
  - id: card
    type: flashcard
    front: "![A heart with its left ventricle in red](media/heart.png)"
    back: "The left ventricle: ![A heart with its right ventricle in blue](media/right.jpg)"
"""


def test_a_cards_front_and_back_both_show_their_pictures(app, client, runner, make_user, tmp_path):
    folder = write_folder(tmp_path / "cards", bank_yaml("cards", questions=CARD_ONLY))
    assert runner.invoke(args=["bank", "import", str(folder)]).exit_code == 0
    make_user("learner")
    log_in(client, "learner")
    deck = int(post_form(client, "/decks/new", bank="cards").location.rsplit("/", 1)[1])
    heart, right = (prepare_image(image_media()[name]) for name in ("media/heart.png", "media/right.jpg"))
    html, _form = study_answer(client, deck)
    assert f'src="/media/{heart.sha256}.png"' in html and f'src="/media/{right.sha256}.jpg"' in html
