"""Forms for teachers."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectChoice, SelectField

from ..domain import formats

BANK_SUFFIXES = tuple(dict.fromkeys(e for f in formats.readable() for e in f.extensions))
BY_NAME = "From the file name"


class UploadForm(FlaskForm):
    bank = FileField(
        "Bank file",
        validators=[
            FileRequired("Choose a bank file to upload."),
            FileAllowed([s.lstrip(".") for s in BANK_SUFFIXES], f"Choose a file ending in {', '.join(BANK_SUFFIXES)}."),
        ],
        render_kw={"accept": ",".join(BANK_SUFFIXES)},
        description="A question bank in YAML (format 1) or a .zip of a bank folder (bank.yaml and its pictures in"
        " media/), or questions in GIFT (.gift, .txt), Moodle XML (.xml), Aiken (.txt), CSV (.csv: front, back,"
        " tags) or an Anki deck (.apkg), converted first. A bank with a new id is added; one with an existing id"
        " becomes that bank's next version, and its questions keep their history. It is checked, then previewed"
        " with what it would change; nothing changes until you publish it.",
    )
    source_format = SelectField(
        "Format",
        choices=[SelectChoice("", BY_NAME), *(SelectChoice(f.name, f.label) for f in formats.readable())],
        default="",
        description="Aiken files end in .txt like GIFT ones: choose Aiken for them.",
    )
