"""Forms for teachers."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired

BANK_SUFFIXES = (".yaml", ".yml")


class UploadForm(FlaskForm):
    bank = FileField(
        "Bank file",
        validators=[
            FileRequired("Choose a bank file to upload."),
            FileAllowed([s.lstrip(".") for s in BANK_SUFFIXES], "Choose a .yaml or .yml file."),
        ],
        render_kw={"accept": ",".join(BANK_SUFFIXES)},
        description="A question bank in YAML (format 1). It is checked, then previewed with what it would change; "
        "nothing changes until you publish it. A bank with a new id is added; one with an existing id becomes that "
        "bank's next version, and its questions keep their history.",
    )
