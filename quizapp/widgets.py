"""Form widgets: WTForms' own, with what they render kept when it cannot change."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

from markupsafe import Markup
from wtforms import Field, IntegerField, SelectChoice
from wtforms.validators import StopValidation
from wtforms.widgets import Select

from .kept import Kept


class KeptSelect(Select):
    """WTForms' select, its HTML kept by each worker for every set of choices, selected value and attributes:
    a long list of options that seldom changes (the time zones: about 600) cost more to render through
    WTForms than the rest of its page. Only the last ``size`` renderings are kept."""

    def __init__(self, size: int = 32):
        super().__init__()
        self.size = size
        self._kept: Kept[tuple, Markup] = Kept(size)

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        key = (field.name, field.id, field.data, _choices_key(field.choices), tuple(sorted(kwargs.items())))
        html = self._kept.get(key)
        if html is None:
            html = super().__call__(field, **kwargs)
            self._kept.put(key, html)
        return html


def _choices_key(choices: Callable[[], Any] | Iterable[Any] | None) -> Hashable:
    """What the options are made from: a function that gives them (kept by the field for the process), or
    the options themselves as plain values."""
    if choices is None or callable(choices):
        return choices
    return tuple(
        (c.value, c.label, c.optgroup, tuple(sorted((c.render_kw or {}).items())))
        if isinstance(c, SelectChoice)
        else tuple(c)
        if isinstance(c, list | tuple)
        else c
        for c in choices
    )


class WholeNumberField(IntegerField):
    """WTForms' integer field with a message that names the field, and at most ``MAX_DIGITS`` digits: a
    longer number is no answer to any question a form asks, and WTForms' range check would fail on it
    (it compares through a float)."""

    MAX_DIGITS = 15

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and len(valuelist[0].strip().lstrip("+-")) > self.MAX_DIGITS:
            self.data = None
            raise ValueError(f"{self.label.text} must be a whole number of at most {self.MAX_DIGITS} digits.")
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a whole number.") from None

    def pre_validate(self, form) -> None:
        # Not a number: saying it is out of range too would only confuse. (Left blank, the field's own
        # Optional or InputRequired says what that means.)
        if self.process_errors and self.raw_data and self.raw_data[0].strip():
            raise StopValidation()
