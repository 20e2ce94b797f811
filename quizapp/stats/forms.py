"""The statistics page's filter: a GET form, so a filtered page has an address of its own."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice, SelectField
from wtforms.validators import ValidationError

from ..domain.stats import Period, Scope
from ..queries.stats import Choices, scope_of

PERIOD_CHOICES = [
    SelectChoice(Period.MONTH.value, "The last month"),
    SelectChoice(Period.YEAR.value, "The last year"),
    SelectChoice(Period.ALL.value, "All time"),
]


class FilterForm(FlaskForm):
    """Which deck or bank, which topic (a tag) and which period the statistics cover."""

    class Meta:
        csrf = False  # reads only: nothing to forge

    scope = SelectField("Deck or bank", default="", validate_choice=False)
    tag = SelectField("Topic", default="", validate_choice=False)
    period = SelectField("Period", choices=PERIOD_CHOICES, default=Period.MONTH.value, validate_choice=False)

    def __init__(self, known: Choices, args: Mapping[str, str]):
        super().__init__(formdata=args)
        self.known = known
        self.scope.choices = [SelectChoice("", "All my cards and quizzes")]
        self.scope.choices += [SelectChoice(f"deck-{d.id}", f"Deck: {d.title}") for d in known.decks]
        self.scope.choices += [SelectChoice(f"bank-{b.slug}", f"Bank: {b.title}") for b in known.banks]
        self.tag.choices = [SelectChoice("", "All topics"), *(SelectChoice(t, t) for t in known.tags)]

    def validate_scope(self, field: Field) -> None:
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError("Choose a deck or bank from the list: that one is not among yours.")

    def validate_tag(self, field: Field) -> None:
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError("Choose a topic from the list: you have not studied that one.")

    def validate_period(self, field: Field) -> None:
        if field.data not in {c.value for c in PERIOD_CHOICES}:
            raise ValidationError("Choose a period from the list: the last month, the last year or all time.")

    def chosen_scope(self) -> Scope:
        """The scope chosen (call after :meth:`validate`)."""
        value = self.scope.data or ""
        deck_id = int(value[5:]) if value.startswith("deck-") else None
        bank_slug = value[5:] if value.startswith("bank-") else None
        scope = scope_of(self.known, deck_id, bank_slug, self.tag.data or None)
        if scope is None:  # validation let through only the learner's own choices
            raise ValueError(f"not a choice of this learner: {value!r}, {self.tag.data!r}")
        return scope

    def chosen_period(self) -> Period:
        return Period(self.period.data)

    @property
    def filtered(self) -> bool:
        return bool(self.scope.data or self.tag.data)
