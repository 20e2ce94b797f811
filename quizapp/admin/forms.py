"""Forms for administrators."""

from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from wtforms import DateField, Field, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..domain.accounts import ROLES
from ..domain.audit import ACTIONS
from ..queries.audit import AuditFilter

ROLE_LABELS = {
    "learner": "Learner — takes quizzes and studies flashcards",
    "teacher": "Teacher — also manages question banks",
    "admin": "Administrator — also manages users and roles",
}


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Search by email address or username", render_kw={"type": "search", "autocomplete": "off"})


class DayField(DateField):
    """A day typed as YYYY-MM-DD (a date picker where the browser has one), with a message that says how."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, render_kw={"type": "date"}, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            shown = valuelist[0][:40]
            raise ValueError(f"“{shown}” is not a day: write it as YYYY-MM-DD, such as 2026-03-31.") from None


class AuditFilterForm(FlaskForm):
    """The audit log's filters, sent by GET; dates are whole days in UTC, both included."""

    class Meta:
        csrf = False  # a GET filter changes nothing

    action = SelectField(
        "Action",
        choices=[SelectChoice("", "Any action"), *(SelectChoice(a, label) for a, label in ACTIONS.items())],
        default="",
    )
    actor = StringField(
        "Done by",
        validators=[Optional(), Length(max=254, message="Type at most 254 characters for who did it.")],
        description="Part of an email address or username, or “command line”.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    target = StringField(
        "About",
        validators=[Optional(), Length(max=300, message="Type at most 300 characters for what it was about.")],
        description="Part of what the entry was about, such as an account's email address.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    since = DayField("From (UTC)", validators=[Optional()], description="A day, as YYYY-MM-DD.")
    until = DayField("To (UTC)", validators=[Optional()], description="A day, as YYYY-MM-DD; included.")

    def validate_until(self, field: Field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The “To” day is before the “From” day: choose a “To” day on or after it.")

    def wanted(self) -> AuditFilter:
        """The filter these fields describe (call after validating)."""
        return AuditFilter(
            action=self.action.data or None,
            actor=(self.actor.data or "").strip() or None,
            target=(self.target.data or "").strip() or None,
            since=dt.datetime.combine(self.since.data, dt.time.min, dt.UTC) if self.since.data else None,
            until=dt.datetime.combine(self.until.data, dt.time.max, dt.UTC) if self.until.data else None,
        )

    def kept(self) -> dict[str, str]:
        """The filters as sent, for the pages' links."""
        return {
            name: self[name].raw_data[0]
            for name in ("action", "actor", "target", "since", "until")
            if self[name].raw_data and self[name].raw_data[0]
        }
