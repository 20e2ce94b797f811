"""The building blocks of the bank format: field types with plain-English errors, and the shared models.

Pure: no Flask, no database. :mod:`quizapp.domain.banks` assembles the format from these and from the
question types' own models (:mod:`quizapp.domain.types`), which are built from these too; keeping them here
lets both import them without importing each other.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from .freshness import AS_OF_RE, parse_as_of
from .yamlload import Plain

DIFFICULTIES = ("easy", "medium", "hard")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
TAG_RE = SLUG_RE
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
PMID_RE = re.compile(r"^[1-9][0-9]{0,8}$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
LANG_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
INT_RE = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
FLOAT_RE = re.compile(r"^[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def error(message: str) -> PydanticCustomError:
    """A validation error whose message is shown to the author as it is."""
    return PydanticCustomError("quizapp", message)


def kind_of(value: Any) -> str:
    """What a YAML value is, in an author's words ("a list", "text", "a yes/no value")."""
    if isinstance(value, Plain):
        return {"null": "nothing", "bool": "a yes/no value", "timestamp": "a date"}.get(value.kind, "a number")
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _text(value: Any) -> str:
    if isinstance(value, str) and not (isinstance(value, Plain) and value.kind == "null" and value == ""):
        if isinstance(value, Plain) and value.kind == "null":
            return str(value)  # "null" or "~" typed where text is expected stays text
        text = str(value)
        if not text.strip():
            raise error("must not be empty")
        return text
    raise error(f"expected text, got {kind_of(value)}")


def _slug(value: Any) -> str:
    text = _text(value)
    if len(text) > 64 or not SLUG_RE.match(text):
        raise error(
            f"{text!r} is not a valid id: use lowercase letters, digits and single - or _ between them (max 64)"
        )
    return text


def _int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):  # from stored JSON, never from YAML
        return value
    if isinstance(value, Plain) and value.kind in ("int", "float") and INT_RE.match(value):
        return int(value)
    if isinstance(value, Plain) and value.kind == "int":
        raise error(f"write the whole number {value!r} in plain decimal (no leading zeros, no 0x/0o, no colons)")
    raise error(f"expected a whole number, got {kind_of(value)}")


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    if isinstance(value, Plain) and value.kind in ("int", "float") and FLOAT_RE.match(value):
        result = float(value)
        if math.isfinite(result):
            return result
    if isinstance(value, Plain) and value.kind in ("int", "float"):
        raise error(f"write the number {value!r} in plain decimal, e.g. 2.5 or 1e-3")
    raise error(f"expected a number, got {kind_of(value)}")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, Plain) and value.kind == "bool" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, Plain) and value.kind == "bool":
        raise error(f"write true or false, not {value!r}")
    raise error(f"expected true or false, got {kind_of(value)}")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and DATE_RE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise error(f"{value!r} is not a real date") from None
    raise error(f"expected a date written as YYYY-MM-DD, got {kind_of(value)} {str(value)!r}")


def _as_of(value: Any) -> str:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str) and not (isinstance(value, Plain) and value.kind in ("int", "float", "bool", "null")):
        try:
            parse_as_of(value.strip())
        except ValueError as exc:
            raise error(str(exc)) from None
        return value.strip()
    raise error(f"expected a month (YYYY-MM) or a date (YYYY-MM-DD), got {kind_of(value)} {str(value)!r}")


def _pattern(regex: re.Pattern[str], what: str):
    def check(value: Any) -> str:
        text = _text(value).strip()
        if not regex.match(text):
            raise error(f"{text!r} is not {what}")
        return text

    return check


def _tag(value: Any) -> str:
    text = _text(value)
    if len(text) > 64 or not TAG_RE.match(text):
        raise error(f"{text!r} is not a valid tag: use lowercase letters, digits and single - or _ between them")
    return text


def as_list(value: Any) -> Any:
    """A list, with an empty YAML value read as an empty list."""
    if isinstance(value, Plain) and value.kind == "null":
        return []
    if not isinstance(value, list):
        raise error(f"expected a list, got {kind_of(value)}")
    return value


Text = Annotated[str, BeforeValidator(_text)]
Slug = Annotated[str, BeforeValidator(_slug)]
Tag = Annotated[str, BeforeValidator(_tag)]
Int = Annotated[int, BeforeValidator(_int)]
Number = Annotated[float, BeforeValidator(_number)]
Bool = Annotated[bool, BeforeValidator(_bool)]
Date = Annotated[dt.date, BeforeValidator(_date)]
AsOf = Annotated[
    str,
    BeforeValidator(_as_of),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AS_OF_RE.pattern,
            "description": "The month (YYYY-MM) or day (YYYY-MM-DD) of the source's statement the answer rests on.",
        }
    ),
]
Doi = Annotated[str, BeforeValidator(_pattern(DOI_RE, "a DOI (it should look like 10.1056/NEJMra1401483)"))]
Pmid = Annotated[str, BeforeValidator(_pattern(PMID_RE, "a PMID (digits only, e.g. 29275977)"))]
Url = Annotated[str, BeforeValidator(_pattern(URL_RE, "a web address starting with http:// or https://"))]
Language = Annotated[str, BeforeValidator(_pattern(LANG_RE, "a language code such as en or en-GB"))]


def one_of(*values: str) -> BeforeValidator:
    """A validator for text that must be one of ``values``."""

    def check(value: Any) -> str:
        text = _text(value)
        if text not in values:
            raise error(f"{text!r} is not allowed; use one of: {', '.join(values)}")
        return text

    return BeforeValidator(check)


Difficulty = Annotated[str, one_of(*DIFFICULTIES)]
TagList = Annotated[list[Tag], BeforeValidator(as_list)]


class Model(BaseModel):
    """Strict, closed and frozen: what every part of a bank is."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Reference(Model):
    citation: Text
    doi: Doi | None = None
    pmid: Pmid | None = None
    url: Url | None = None


class Choice(Model):
    id: Slug
    text: Text
    correct: Bool = False
    feedback: Text | None = None


class QuestionBase(Model):
    """The fields every question type has; each type's model adds ``type`` and its own."""

    id: Slug
    explanation: Text | None = None
    tags: TagList = []
    difficulty: Difficulty | None = None
    points: Number = 1.0
    references: Annotated[list[Reference], BeforeValidator(as_list)] = []
    # Left out of the stored JSON when absent, so questions without it keep their content hash.
    as_of: AsOf | None = Field(default=None, exclude_if=lambda value: value is None)
