"""Forms for decks, grading and the scheduler settings."""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..domain import retention, scheduling
from ..domain.ids import MAX_ID
from ..widgets import KeptSelect, WholeNumberField

STEP_RE = re.compile(r"^(\d{1,5})([mhd]?)$")
STEP_UNITS = {"": 1, "m": 1, "h": 60, "d": 24 * 60}
STEPS_HINT = "Minutes, separated by spaces; h for hours and d for a day also work (for example: 1m 10m)."


def parse_steps(text: str) -> tuple[int, ...]:
    """Steps written like Anki's ("1m 10m 1h") as minutes; ValueError with a message if not."""
    steps = []
    for word in text.replace(",", " ").lower().split():
        match = STEP_RE.match(word)
        if match is None:
            raise ValueError(f"{word!r} is not a step; write steps like 1m 10m 1h")
        steps.append(int(match.group(1)) * STEP_UNITS[match.group(2)])
    return tuple(steps)


def format_steps(minutes: tuple[int, ...] | list[int]) -> str:
    words = []
    for m in minutes:
        words.append(f"{m // 1440}d" if m % 1440 == 0 else f"{m // 60}h" if m % 60 == 0 else f"{m}m")
    return " ".join(words)


class StepsField(StringField):
    """Learning steps as text in, a tuple of minutes out (None until read)."""

    minutes: tuple[int, ...] | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        try:
            self.minutes = parse_steps(self.data or "")
        except ValueError as exc:
            self.minutes = None
            raise ValueError(str(exc)) from None


class NumberField(DecimalField):
    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a number, for example 0.90.") from None


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


class NewDeckForm(FlaskForm):
    bank = HiddenField(validators=[DataRequired("Choose a bank.")])
    tags = SelectMultipleField(
        "Tags",
        choices=[],
        validate_choice=True,
        invalid_choice_message="Choose tags from the list: this bank has no such tag.",
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        description="Leave every box empty to study the whole bank.",
    )


class GradeForm(FlaskForm):
    card = WholeNumberField("Card", validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    version = WholeNumberField("Version", validators=[InputRequired(), NumberRange(min=0, max=MAX_ID)])
    token = StringField(validators=[InputRequired(), Length(min=16, max=64), Regexp(r"^[A-Za-z0-9_-]+$")])
    rating = WholeNumberField("Rating", validators=[InputRequired(), AnyOf([1, 2, 3, 4])])
    shown = WholeNumberField("Shown", validators=[Optional()])  # when the card's front was shown, in epoch milliseconds


class UndoForm(FlaskForm):
    review = WholeNumberField("Review", validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])


class DeleteForm(FlaskForm):
    pass


class SettingsForm(FlaskForm):
    desired_retention = NumberField(
        "Desired retention",
        places=None,
        validators=[InputRequired("Enter the desired retention, for example 0.90.")],
        description="The chance of remembering a card when it comes due, from 0.70 to 0.97. Higher means more reviews.",
        render_kw={"inputmode": "decimal"},
    )
    learning_steps = StepsField("Learning steps", description=STEPS_HINT)
    relearning_steps = StepsField("Relearning steps", description="After a lapse. " + STEPS_HINT)
    maximum_interval_days = WholeNumberField(
        "Maximum interval (days)",
        validators=[InputRequired("Enter the longest interval, in days.")],
        description="The longest gap between two reviews of a card, 1 to 36500 days.",
    )
    enable_fuzzing = BooleanField(
        "Spread reviews a little (fuzz)",
        description="Adds a small random amount to long intervals, so cards learnt together come due apart.",
    )
    new_per_day = WholeNumberField(
        "New cards per day",
        validators=[InputRequired("Enter how many new cards a day.")],
        description="Per deck, 0 to 9999.",
    )
    reviews_per_day = WholeNumberField(
        "Reviews per day",
        validators=[InputRequired("Enter how many reviews a day.")],
        description="Per deck, 0 to 9999.",
    )
    day_starts_at_hour = WholeNumberField(
        "Next day starts at (hour)",
        validators=[InputRequired("Enter the hour your day starts, 0 to 23.")],
        description="Your study day rolls over at this hour, local time (4 means 04:00).",
    )
    # Any name is accepted here; the scheduler's own check says what is wrong with an unknown one.
    timezone = SelectField("Time zone", choices=timezone_choices, validate_choice=False, widget=KeptSelect())
    quiz_answers_feed_scheduler = BooleanField(
        "Quiz answers feed my flashcards",
        description="A wrong answer in a quiz counts as Again for that card, a right one as Good.",
    )

    def settings(self, current: scheduling.Settings) -> scheduling.Settings:
        """The settings this form describes (not yet validated), keeping ``current``'s parameters and, for
        any field that could not be read, its current value."""

        def value(field: Field, default):
            return default if field.errors or field.data is None else field.data

        learning = None if self.learning_steps.errors else self.learning_steps.minutes
        relearning = None if self.relearning_steps.errors else self.relearning_steps.minutes
        return scheduling.Settings(
            desired_retention=float(value(self.desired_retention, current.desired_retention)),
            learning_steps_minutes=current.learning_steps_minutes if learning is None else learning,
            relearning_steps_minutes=current.relearning_steps_minutes if relearning is None else relearning,
            maximum_interval_days=value(self.maximum_interval_days, current.maximum_interval_days),
            enable_fuzzing=bool(self.enable_fuzzing.data),
            new_per_day=value(self.new_per_day, current.new_per_day),
            reviews_per_day=value(self.reviews_per_day, current.reviews_per_day),
            day_starts_at_hour=value(self.day_starts_at_hour, current.day_starts_at_hour),
            timezone=value(self.timezone, current.timezone) or current.timezone,
            quiz_answers_feed_scheduler=bool(self.quiz_answers_feed_scheduler.data),
            parameters=current.parameters,
        )

    def fill(self, settings: scheduling.Settings) -> None:
        """Show ``settings`` in the form."""
        self.desired_retention.data = settings.desired_retention
        self.learning_steps.data = format_steps(settings.learning_steps_minutes)
        self.relearning_steps.data = format_steps(settings.relearning_steps_minutes)
        self.maximum_interval_days.data = settings.maximum_interval_days
        self.enable_fuzzing.data = settings.enable_fuzzing
        self.new_per_day.data = settings.new_per_day
        self.reviews_per_day.data = settings.reviews_per_day
        self.day_starts_at_hour.data = settings.day_starts_at_hour
        self.timezone.data = settings.timezone
        self.quiz_answers_feed_scheduler.data = settings.quiz_answers_feed_scheduler

    def check(self, current: scheduling.Settings) -> bool:
        """Check the settings as the scheduler will, putting each problem on its field."""
        try:
            self.settings(current).validated()
        except scheduling.SettingsError as exc:
            self.add_problems(exc.problems)
            return False
        return True

    def add_problems(self, problems: dict[str, str]) -> None:
        """Put the scheduler's complaints on the fields they are about."""
        fields: dict[str, Field] = {
            "learning_steps_minutes": self.learning_steps,
            "relearning_steps_minutes": self.relearning_steps,
        }
        for name, message in problems.items():
            target = fields.get(name) or getattr(self, name, None)
            if target is None:
                self.form_errors.append(message)
            elif not target.errors:  # a value that could not be read was reported already
                target.errors = [f"{target.label.text} {message}"]


DECK_SIZE_RANGE = "Cards in the deck must be {:,} to {:,}.".format(*retention.DECK_SIZES)
NEW_PER_DAY_RANGE = "New cards a day must be {} to {}.".format(*retention.NEW_PER_DAY_RANGE)


class RetentionAssumptionsForm(FlaskForm):
    """What the desired-retention simulation assumes about the deck; read from the query string."""

    class Meta:
        csrf = False  # a GET that changes nothing

    deck_size = WholeNumberField(
        "Cards in the deck",
        validators=[
            Optional(),
            NumberRange(*retention.DECK_SIZES, message=DECK_SIZE_RANGE),
        ],
        description="{:,} to {:,}.".format(*retention.DECK_SIZES),
    )
    new_per_day = WholeNumberField(
        "New cards a day",
        validators=[
            Optional(),
            NumberRange(*retention.NEW_PER_DAY_RANGE, message=NEW_PER_DAY_RANGE),
        ],
        description="{} to {}.".format(*retention.NEW_PER_DAY_RANGE),
    )

    def assumptions(self) -> retention.Assumptions:
        """The assumptions asked for (call after ``validate``); the defaults for what was left out."""
        return retention.Assumptions(
            deck_size=self.deck_size.data or retention.DECK_SIZE,
            new_per_day=self.new_per_day.data or retention.NEW_PER_DAY,
        )


class ChooseRetentionForm(FlaskForm):
    """One of the desired retentions compared on the page (``choices`` set by the view)."""

    desired_retention = RadioField(
        "Choose a desired retention",
        choices=[],
        validators=[InputRequired("Choose a desired retention.")],
        validate_choice=True,
        invalid_choice_message="Choose one of the desired retentions in the table.",
    )
