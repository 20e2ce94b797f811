"""Forms for teachers."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired

from ..domain.packages import BankPackage, read_yaml, read_zip

BANK_SUFFIXES = (".yaml", ".yml", ".zip")


def read_upload(data: bytes, name: str) -> BankPackage:
    """The uploaded bank as a package: a .zip holds bank.yaml and media/, anything else is YAML."""
    return read_zip(data, name) if name.lower().endswith(".zip") else read_yaml(data, name)


class UploadForm(FlaskForm):
    bank = FileField(
        "Bank file",
        validators=[
            FileRequired("Choose a bank file to upload."),
            FileAllowed([s.lstrip(".") for s in BANK_SUFFIXES], "Choose a .yaml, .yml or .zip file."),
        ],
        render_kw={"accept": ",".join(BANK_SUFFIXES)},
        description="A question bank in YAML (format 1), or a .zip of a bank folder (bank.yaml and its images "
        "in media/). A bank with a new id is added; one with an existing id becomes that bank's next version, "
        "and its questions keep their history.",
    )
