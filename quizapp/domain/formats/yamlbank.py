"""The bank format itself, registered like the others: a YAML file passes through as it is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..banks import export_yaml
from ..packages import BankPackage
from ._core import Conversion, Exported, Format, decode_text


def read_yaml(filename: str, data: bytes, header: Mapping[str, Any]) -> Conversion:
    """The file unchanged (the validator reads it next and reports its problems)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = decode_text(data, filename)  # raises, saying where
    return Conversion(BankPackage(text, source_name=filename))


def write_yaml(data: Mapping[str, Any], media: Mapping[str, bytes]) -> Exported:
    return Exported(export_yaml(dict(data)).encode())


FORMAT = Format("yaml", "YAML", (".yaml", ".yml"), read_yaml, write_yaml, "application/yaml", ".yaml", converts=False)
