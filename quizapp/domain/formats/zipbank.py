"""The bank format with its pictures: a ``.zip`` holding ``bank.yaml`` and ``media/`` (see
:mod:`quizapp.domain.packages`, which reads it safely), registered like the other formats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..banks import export_yaml
from ..packages import BankPackage, read_zip, write_zip
from ._core import Conversion, Exported, Format


def read_package_zip(filename: str, data: bytes, header: Mapping[str, Any]) -> Conversion:
    """The package in the zip, unchanged (the validator reads it next and reports its problems)."""
    return Conversion(read_zip(data, filename))


def write_package_zip(data: Mapping[str, Any], media: Mapping[str, bytes]) -> Exported:
    folder = str(data.get("id") or "bank")
    return Exported(write_zip(BankPackage(export_yaml(dict(data)), dict(media)), folder))


FORMAT = Format(
    "zip", "bank .zip", (".zip",), read_package_zip, write_package_zip, "application/zip", ".zip", converts=False
)
