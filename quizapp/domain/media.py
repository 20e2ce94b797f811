"""Images in questions: reading them, checking them and the Markdown that refers to them.

Pure: no Flask, no database. A bank refers to an image as ``![alt text](media/x.png)`` in any of its
Markdown text (prompts, choices, explanations, feedback, card faces). Each file is recognised by its
content (never by its name), must be a PNG, JPEG, WebP or GIF of at most :data:`MAX_IMAGE_BYTES` and
:data:`MAX_SIDE` pixels a side, and is re-encoded with Pillow so nothing but pixels is kept: EXIF
(after turning the picture upright as EXIF said), ICC profiles and text chunks are dropped, and an
animated GIF keeps its first frame only.

**How pages learn where an image is.** On import every reference is rewritten to the content-addressed
form :attr:`StoredImage.ref` — ``/media/<sha256>.<ext>#<width>x<height>`` — so the stored question is
self-contained: the renderer turns it into ``<img src="/media/<sha256>.<ext>" width height>`` without
looking anything up, a question whose image changed is a changed question (a new revision, as for any
edit), and an image used by two versions or two banks is stored once. The file names authors gave
are kept per bank version, so an export can write ``media/x.png`` again (:func:`restore_names`).
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_IMAGE_BYTES = 2 * 1024 * 1024  # 2 MiB per image file
MAX_SIDE = 4096  # pixels, each side
MEDIA_PREFIX = "media/"
# Pillow's name → (MIME type, file extension) of the formats a bank may use.
FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
MIME_BY_EXT = {ext: mime for mime, ext in FORMATS.values()}
# Alt texts that say nothing about the picture.
VAGUE_ALT = {
    "image",
    "img",
    "picture",
    "pic",
    "photo",
    "photograph",
    "figure",
    "fig",
    "diagram",
    "graphic",
    "illustration",
    "icon",
    "screenshot",
    "alt",
    "alt text",
    "an image",
    "a picture",
    "the image",
}

# ``![alt](src "title")``: the inline image syntax; alt may hold escaped brackets, src may be <bracketed>.
IMAGE_RE = re.compile(
    r"!\[(?P<alt>(?:[^\[\]\\\n]|\\.)*)\]\(\s*(?P<src><[^<>\n]*>|[^\s()<>]+)"
    r"(?P<title>\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
)
STORED_RE = re.compile(
    r"/media/(?P<sha>[0-9a-f]{64})\.(?P<ext>png|jpg|webp|gif)#(?P<w>[1-9][0-9]{0,3})x(?P<h>[1-9][0-9]{0,3})"
)
_SVG_RE = re.compile(rb"<svg[\s>]", re.IGNORECASE)


@dataclass(frozen=True)
class StoredImage:
    """An image as the app keeps it: re-encoded bytes named by their SHA-256."""

    sha256: str
    mime: str
    ext: str
    width: int
    height: int
    data: bytes

    @property
    def ref(self) -> str:
        """What a question's Markdown says instead of ``media/<name>`` once imported."""
        return f"/media/{self.sha256}.{self.ext}#{self.width}x{self.height}"


@dataclass(frozen=True)
class ImageRef:
    """One ``![alt](src)`` found in a text."""

    alt: str
    src: str  # as written, without <> and percent-escapes


class ImageProblem(Exception):
    """A media file that cannot be used; ``message`` says why, for the author."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def prepare_image(data: bytes) -> StoredImage:
    """Check one media file and re-encode it without metadata; :class:`ImageProblem` says what is wrong."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageProblem(f"is {_megabytes(len(data))}; an image may be at most {_megabytes(MAX_IMAGE_BYTES)}")
    if _SVG_RE.search(data[:4096]):
        raise ImageProblem("is an SVG drawing; SVG is not accepted because it can carry script: save it as PNG instead")
    try:
        with warnings.catch_warnings():
            # Pillow only warns of a picture of 89 to 179 million pixels: refuse it like a bigger one.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageProblem(f"is far larger than {MAX_SIDE} pixels a side") from None
    except UnidentifiedImageError:
        raise ImageProblem("is not a PNG, JPEG, WebP or GIF image (its content is not a picture)") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ImageProblem("is damaged: it starts like an image but cannot be read") from None
    try:
        with image:
            kind = image.format or ""
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE:
                raise ImageProblem(f"is {width} by {height} pixels; an image may be at most {MAX_SIDE} pixels a side")
            image.seek(0)  # an animated GIF or WebP keeps its first frame
            image.load()
            clean = _clean(image, kind)
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ImageProblem("is damaged: it starts like an image but cannot be read") from None
    mime, ext = FORMATS[kind]
    out = io.BytesIO()
    _SAVE[kind](clean, out)
    encoded = out.getvalue()
    return StoredImage(hashlib.sha256(encoded).hexdigest(), mime, ext, clean.width, clean.height, encoded)


def _clean(image: Image.Image, kind: str) -> Image.Image:
    """The pixels alone, upright: a new image that carries no EXIF, ICC profile or text chunk."""
    upright = ImageOps.exif_transpose(image) if kind in ("JPEG", "WEBP", "PNG") else image
    transparency = image.info.get("transparency")
    if kind == "JPEG" and upright.mode not in ("L", "RGB"):
        upright = upright.convert("RGB")
    elif kind == "WEBP" and upright.mode not in ("RGB", "RGBA"):
        upright = upright.convert("RGBA" if "A" in upright.mode or transparency is not None else "RGB")
    clean = upright.copy()
    clean.info = {} if transparency is None or kind in ("JPEG", "WEBP") else {"transparency": transparency}
    return clean


_SAVE: dict[str, Callable[[Image.Image, Any], None]] = {
    "PNG": lambda im, out: im.save(out, "PNG"),
    "JPEG": lambda im, out: im.save(out, "JPEG", quality=90),
    "WEBP": lambda im, out: im.save(out, "WEBP", quality=90),
    "GIF": lambda im, out: im.save(out, "GIF"),
}


def image_refs(text: str) -> Iterator[ImageRef]:
    """Every inline image in a Markdown text."""
    for match in IMAGE_RE.finditer(text):
        src = match["src"].strip("<>")
        yield ImageRef(re.sub(r"\\(.)", r"\1", match["alt"]), unquote(src))


_md = MarkdownIt("commonmark")


def markdown_image_count(text: str) -> int:
    """How many images a Markdown renderer finds in ``text``: more than :func:`image_refs` finds means one
    is written in a way (a reference-style image, brackets in its path) that cannot be checked."""
    return sum(1 for block in _md.parse(text) for token in block.children or () if token.type == "image")


def alt_problem(alt: str, name: str) -> str | None:
    """What is wrong with an image's alt text, if anything: it must say what the picture shows."""
    text = " ".join(alt.split())
    if not text:
        return f"the image {name} needs alt text saying what it shows: ![what the picture shows]({name})"
    base = name.rsplit("/", 1)[-1].casefold()
    vague = text.casefold() in VAGUE_ALT or text.casefold() in (base, base.rsplit(".", 1)[0])
    if vague or not any(c.isalpha() for c in text):
        return f"the alt text {text!r} of {name} does not say what the picture shows; describe what it shows"
    return None


def text_fields(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every text in a question's plain data, with its path (``("choices", 2, "text")``)."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, Mapping):
        for key, value in data.items():
            yield from text_fields(value, (*path, key))
    elif isinstance(data, list | tuple):
        for k, value in enumerate(data):
            yield from text_fields(value, (*path, k))


def rewrite(data: Any, change: Callable[[str], str]) -> Any:
    """``data`` with ``change`` applied to every text in it."""
    if isinstance(data, str):
        return change(data)
    if isinstance(data, Mapping):
        return {key: rewrite(value, change) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [rewrite(value, change) for value in data]
    return data


def store_refs(text: str, images: Mapping[str, StoredImage]) -> str:
    """``text`` with each ``media/<name>`` image pointing at its stored (content-addressed) image;
    ``images`` is keyed by the path the bank uses (``media/x.png``)."""

    def replace(match: re.Match[str]) -> str:
        src = unquote(match["src"].strip("<>"))
        image = images.get(src)
        if image is None:
            return match[0]
        return f"![{match['alt']}]({image.ref}{match['title'] or ''})"

    return IMAGE_RE.sub(replace, text)


def restore_names(text: str, names: Mapping[str, str]) -> str:
    """``text`` with each stored image pointing at its file again; ``names`` maps SHA-256 to ``media/x.png``."""

    def replace(match: re.Match[str]) -> str:
        stored = STORED_RE.fullmatch(match["src"].strip("<>"))
        name = names.get(stored["sha"]) if stored else None
        if name is None:
            return match[0]
        src = f"<{name}>" if any(c in name for c in " ()") else name
        return f"![{match['alt']}]({src}{match['title'] or ''})"

    return IMAGE_RE.sub(replace, text)


def with_names(questions: Any, names: Mapping[str, str]) -> Any:
    """Questions' plain data with each stored image pointing at its file again (``names``: SHA-256 to
    ``media/x.png``): the bank as its author wrote it, for exports."""
    if not names:
        return questions
    return rewrite(questions, lambda text: restore_names(text, names) if "![" in text else text)


def alt_texts(text: str) -> str:
    """``text`` with each image replaced by its alt text: what a reader who cannot see it is told, and what
    search finds it by (never its file name or hash)."""
    return IMAGE_RE.sub(lambda m: m["alt"], text) if "![" in text else text


def text_of(text: str) -> str:
    """``text`` as a one-line listing shows a question: its images left out, since their alt text describes a
    picture rather than asks anything — unless there is nothing else, when it is the alt text."""
    if "![" not in text:
        return text
    rest = IMAGE_RE.sub(" ", text)
    return rest if rest.strip() else alt_texts(text)
