"""Images and bank packages for the image tests, made on the spot: nothing binary is kept in the repository."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from .conftest import bank_yaml

IMAGE_QUESTIONS = """
  - id: heart
    type: single
    prompt: "Which chamber is marked in red?\\n\\n![A heart with its left ventricle in red](media/heart.png)"
    choices:
      - {id: lv, text: "Left ventricle", correct: true}
      - id: rv
        text: "Right ventricle"
        feedback: "The right ventricle is ![A heart with its right ventricle in blue](media/right.jpg)"
    explanation: "The red chamber is the left one."
    tags: [demo]
  - id: card
    type: flashcard
    front: "Name the marked chamber.\\n\\n![A heart with its left ventricle in red](media/heart.png)"
    back: "The left ventricle."
"""


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (120, 80), colour=(200, 30, 30), **save) -> bytes:
    """A plain picture in the given format."""
    out = io.BytesIO()
    mode = "RGB" if kind in ("JPEG", "WEBP") else "RGBA" if kind == "PNG" else "P"
    picture = Image.new("RGB", size, colour)
    (picture.convert(mode) if mode != "RGB" else picture).save(out, kind, **save)
    return out.getvalue()


def image_bank(bank_id: str = "pictures", questions: str = IMAGE_QUESTIONS) -> str:
    return bank_yaml(bank_id, questions=questions)


def image_media() -> dict[str, bytes]:
    return {"media/heart.png": image_bytes("PNG"), "media/right.jpg": image_bytes("JPEG", colour=(30, 30, 200))}


def write_folder(folder: Path, text: str | None = None, media: dict[str, bytes] | None = None) -> Path:
    """A bank folder: bank.yaml and media/."""
    (folder / "media").mkdir(parents=True, exist_ok=True)
    (folder / "bank.yaml").write_text(text if text is not None else image_bank(), encoding="utf-8")
    for name, data in (media if media is not None else image_media()).items():
        (folder / name).write_bytes(data)
    return folder
