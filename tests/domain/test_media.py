"""Images: recognised by content, limited in size, re-encoded without metadata; image references in
Markdown found, checked for alt text, and rewritten to the stored form and back."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from quizapp.domain.media import (
    MAX_IMAGE_BYTES,
    MAX_SIDE,
    ImageProblem,
    StoredImage,
    alt_problem,
    image_refs,
    prepare_image,
    restore_names,
    store_refs,
    text_of,
)

from ..media_data import image_bytes


def png_header(width: int, height: int) -> bytes:
    """The start of a PNG that claims a size, with no pixels: what a decompression bomb looks like."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("kind", "mime", "ext"),
    [
        ("PNG", "image/png", "png"),
        ("JPEG", "image/jpeg", "jpg"),
        ("WEBP", "image/webp", "webp"),
        ("GIF", "image/gif", "gif"),
    ],
)
def test_each_format_is_recognised_and_re_encoded_in_its_own_format(kind, mime, ext):
    stored = prepare_image(image_bytes(kind, (64, 48)))
    assert (stored.mime, stored.ext, stored.width, stored.height) == (mime, ext, 64, 48)
    with Image.open(io.BytesIO(stored.data)) as again:
        assert again.format == kind and again.size == (64, 48)
    assert stored.ref == f"/media/{stored.sha256}.{ext}#64x48"


def test_the_same_picture_gives_the_same_bytes_and_hash():
    assert prepare_image(image_bytes()) == prepare_image(image_bytes())
    assert prepare_image(image_bytes()).sha256 != prepare_image(image_bytes(colour=(0, 0, 0))).sha256


def test_the_name_does_not_matter_only_the_content():
    """A JPEG is a JPEG whatever it is called: the checks never see a name."""
    assert prepare_image(image_bytes("JPEG")).mime == "image/jpeg"


def _jpeg_with_exif_and_icc(orientation: int = 1) -> bytes:
    picture = Image.new("RGB", (40, 20), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "Camera maker"  # Make
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS latitude
    out = io.BytesIO()
    icc = b"\0" * 128 + b"acsp" + b"\0" * 200
    picture.save(out, "JPEG", exif=exif, icc_profile=icc)
    return out.getvalue()


def test_exif_and_icc_are_dropped_from_a_jpeg():
    raw = _jpeg_with_exif_and_icc()
    with Image.open(io.BytesIO(raw)) as before:
        assert before.getexif() and "icc_profile" in before.info
    with Image.open(io.BytesIO(prepare_image(raw).data)) as after:
        assert not after.getexif() and "icc_profile" not in after.info and "exif" not in after.info


def test_a_photo_is_turned_upright_as_its_exif_said_before_the_exif_goes():
    stored = prepare_image(_jpeg_with_exif_and_icc(orientation=6))  # rotated 90°: 40 by 20 shows as 20 by 40
    assert (stored.width, stored.height) == (20, 40)


def test_png_text_chunks_are_dropped_and_transparency_kept():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone@example.org")
    info.add_text("Comment", "secret")
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (255, 0, 0, 0)).save(out, "PNG", pnginfo=info)
    with Image.open(io.BytesIO(prepare_image(out.getvalue()).data)) as after:
        assert "Author" not in after.info and "Comment" not in after.info
        assert after.mode == "RGBA" and after.getpixel((0, 0))[3] == 0


def test_an_animated_gif_keeps_its_first_frame():
    frames = [Image.new("P", (8, 8), i) for i in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(io.BytesIO(prepare_image(out.getvalue()).data)) as after:
        assert getattr(after, "n_frames", 1) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is text, not a picture\n", "is not a PNG, JPEG, WebP or GIF image"),
        (SVG, "is an SVG drawing; SVG is not accepted because it can carry script: save it as PNG"),
        (b"<svg><script>alert(1)</script></svg>", "save it as PNG"),
        (image_bytes("PNG")[:60], "is damaged"),
        (image_bytes("BMP"), "is not a PNG, JPEG, WebP or GIF image"),
        (image_bytes("PNG", (MAX_SIDE + 1, 2)), f"is {MAX_SIDE + 1} by 2 pixels; an image may be at most {MAX_SIDE}"),
        (b"\x89PNG" + b"\0" * MAX_IMAGE_BYTES, "is 2.0 MB; an image may be at most 2.0 MB"),
        (png_header(10_000, 10_000), "is far larger than 4096 pixels a side"),  # Pillow warns
        (png_header(100_000, 100_000), "is far larger than 4096 pixels a side"),  # Pillow refuses
        (png_header(5000, 10), "is 5000 by 10 pixels"),
    ],
    ids=["text", "svg-with-script", "bare-svg", "truncated", "bmp", "too-wide", "too-big", "bomb", "big-bomb", "wide"],
)
def test_what_is_not_a_usable_image_is_refused_with_the_reason(data, message):
    with pytest.raises(ImageProblem) as refused:
        prepare_image(data)
    assert message in refused.value.message


def test_the_largest_allowed_side_is_accepted():
    assert prepare_image(image_bytes("PNG", (MAX_SIDE, 1))).width == MAX_SIDE


def test_image_refs_finds_every_inline_image_with_its_alt_text():
    text = 'A ![first one](media/a.png) and ![](media/b%20c.png "title") and ![x \\] y](<media/d e.png>), [link](x)'
    assert [(r.alt, r.src) for r in image_refs(text)] == [
        ("first one", "media/a.png"),
        ("", "media/b c.png"),
        ("x ] y", "media/d e.png"),
    ]


@pytest.mark.parametrize(
    ("alt", "wanted"),
    [
        ("A heart with its left ventricle in red", None),
        ("", "needs alt text saying what it shows"),
        ("   ", "needs alt text saying what it shows"),
        ("image", "does not say what the picture shows"),
        ("IMG", "does not say what the picture shows"),
        ("heart.png", "does not say what the picture shows"),
        ("heart", "does not say what the picture shows"),
        ("123", "does not say what the picture shows"),
    ],
)
def test_alt_text_must_say_what_the_picture_shows(alt, wanted):
    problem = alt_problem(alt, "media/heart.png")
    assert (problem is None) if wanted is None else (wanted in problem)


def _stored(sha: str = "a" * 64) -> StoredImage:
    return StoredImage(sha, "image/png", "png", 30, 20, b"")


def test_refs_are_stored_by_hash_and_restored_to_their_names():
    text = 'See ![The heart](media/heart.png "drawn") and ![Missing](media/other.png).'
    stored = store_refs(text, {"media/heart.png": _stored()})
    assert stored == f'See ![The heart](/media/{"a" * 64}.png#30x20 "drawn") and ![Missing](media/other.png).'
    assert restore_names(stored, {"a" * 64: "media/heart.png"}) == text


def test_a_name_with_spaces_is_restored_in_angle_brackets():
    stored = store_refs("![The heart](<media/my heart.png>)", {"media/my heart.png": _stored()})
    assert restore_names(stored, {"a" * 64: "media/my heart.png"}) == "![The heart](<media/my heart.png>)"


def test_a_listing_leaves_pictures_out_unless_there_is_nothing_else():
    picture = "![Flow chart of six numbered boxes](media/steps.png)"
    listed = text_of(f"{picture}\n\nWhy must steps 1 to 3 come first?")
    assert " ".join(listed.split()) == "Why must steps 1 to 3 come first?"
    assert text_of(picture) == "Flow chart of six numbered boxes"
    assert text_of("No picture here") == "No picture here"
