"""Form widgets: WTForms' own, with what they render kept when it cannot change."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

from markupsafe import Markup
from wtforms import Field, SelectChoice
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
