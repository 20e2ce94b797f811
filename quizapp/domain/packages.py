"""A bank package: a bank's YAML text together with the media files it refers to.

A bank on disk is a single ``.yaml`` file, or a folder or ``.zip`` holding ``bank.yaml`` and a
``media/`` folder. Converters from other formats produce a package too, so every bank — written by hand
or converted — reaches the validator and the importer the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

BANK_FILE = "bank.yaml"
MEDIA_DIR = "media"


@dataclass(frozen=True)
class BankPackage:
    """A bank's YAML text and its media, keyed by the path the bank uses (``media/x.png``)."""

    yaml_text: str
    media: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))
    source_name: str = BANK_FILE
