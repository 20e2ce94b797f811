"""Forms for administrators."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField

from ..domain.accounts import ROLES

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
