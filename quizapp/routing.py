"""URL converters: ``<int:…>`` in every route reads a number too large to be a row id as 0, which names
no row, so such a URL is a 404 like any other unknown id instead of an overflow in the database."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from .domain.ids import MAX_ID


class IdConverter(IntegerConverter):
    """Werkzeug's ``int`` for row ids and positions (0 and up).

    Out of range is 0 rather than "no match": a converter that refuses a value makes Werkzeug answer 405
    when another rule takes the same path with a different method, where 404 is the true answer.
    """

    def to_python(self, value: str) -> int:
        return int(value) if len(value) <= len(str(MAX_ID)) and int(value) <= MAX_ID else 0


def init_app(app: Flask) -> None:
    """Register the converters; call before any blueprint, since rules pick their converter when added."""
    app.url_map.converters["int"] = IdConverter
