"""Forms for starting quizzes. Answers are read by :func:`quizapp.domain.grading.parse_response`, not here."""

from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..domain.quizzes import MAX_COUNT, MAX_TIME_LIMIT_MINUTES, AttemptMode
from ..queries.quizzes import Catalogue
from ..widgets import KeptSelect, WholeNumberField

MODE_CHOICES = [
    SelectChoice(AttemptMode.PRACTICE.value, "Practice: each answer is checked at once, with feedback"),
    SelectChoice(AttemptMode.EXAM.value, "Exam: change your answers until you submit; feedback at the end"),
]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StartForm(FlaskForm):
    """Start one of a bank's quizzes (hidden fields on each quiz's Start button)."""

    bank = StringField(validators=[InputRequired()])
    quiz = StringField(validators=[InputRequired()])


class BuildForm(FlaskForm):
    """Build one's own quiz from banks and tags."""

    banks = CheckboxesField("Banks", validators=[InputRequired("Choose at least one bank.")])
    tags = CheckboxesField("Tags")
    count = WholeNumberField(
        "Number of questions",
        default=10,
        validators=[
            InputRequired("Enter how many questions you want."),
            NumberRange(1, MAX_COUNT, f"Choose between 1 and {MAX_COUNT} questions."),
        ],
    )
    mode = RadioField("Mode", choices=MODE_CHOICES, default=AttemptMode.PRACTICE.value)
    time_limit = WholeNumberField(
        "Time limit in minutes (optional)",
        validators=[
            Optional(),
            NumberRange(1, MAX_TIME_LIMIT_MINUTES, f"A time limit is between 1 and {MAX_TIME_LIMIT_MINUTES} minutes."),
        ],
    )

    def offer(self, catalogue: Catalogue) -> BuildForm:
        self.banks.choices = [SelectChoice(slug, title) for slug, title in catalogue.banks]
        self.tags.choices = [SelectChoice(t, t) for t in catalogue.tags]
        return self


class MistakesForm(FlaskForm):
    """Practise the questions one most recently got wrong, optionally within a bank or with a tag."""

    bank = SelectField("Bank", default="", widget=KeptSelect())
    tag = SelectField("Tag", default="", widget=KeptSelect())

    def offer(self, catalogue: Catalogue) -> MistakesForm:
        self.bank.choices = [SelectChoice("", "All banks"), *(SelectChoice(s, t) for s, t in catalogue.banks)]
        self.tag.choices = [SelectChoice("", "All tags"), *(SelectChoice(t, t) for t in catalogue.tags)]
        return self


def shown_at(value: str | None) -> dt.datetime | None:
    """When the question page was shown, from its hidden ``shown`` field (milliseconds since the epoch)."""
    try:
        return dt.datetime.fromtimestamp(int(value or "") / 1000, dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None
