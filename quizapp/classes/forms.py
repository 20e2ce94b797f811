"""Forms for classes, assignments and extensions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..cards.forms import timezone_choices
from ..domain.assignments import (
    COUNTING_LABELS,
    FEEDBACK_LABELS,
    JOIN_CODE_VALIDITY_DAYS,
    MAX_ATTEMPTS,
    MAX_EXTRA_ATTEMPTS,
    MAX_EXTRA_MINUTES,
    Counting,
    Feedback,
)
from ..domain.quizzes import MAX_COUNT, MAX_TIME_LIMIT_MINUTES, AttemptMode
from ..queries.quizzes import Catalogue
from ..quiz.forms import MODE_CHOICES, CheckboxesField
from ..widgets import KeptSelect

DATE_FORMAT = "%Y-%m-%dT%H:%M"


class ClassForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Give the class a name."), Length(max=120)])
    description = TextAreaField("Description (optional)", validators=[Optional(), Length(max=2000)])
    time_zone = SelectField(
        "Time zone",
        choices=timezone_choices,
        validate_choice=False,  # checked by the operation, which says what is wrong
        widget=KeptSelect(),
        default="UTC",
        description="Open and due dates are entered in this time zone; each learner sees them in their own.",
    )


class JoinForm(FlaskForm):
    code = StringField(
        "Join code",
        validators=[InputRequired("Enter the join code your teacher gave you.")],
        description="8 letters and digits, such as ABCD-EF23; capitals and the hyphen do not matter.",
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "maxlength": 20},
    )


class CodeForm(FlaskForm):
    action = RadioField(
        "Join code",
        choices=[
            SelectChoice("rotate", "Make a new code (the current one stops working)"),
            SelectChoice("off", "Switch joining by code off"),
        ],
        default="rotate",
        validators=[InputRequired("Choose what to do with the join code.")],
    )
    valid_days = SelectField(
        "New code valid for",
        choices=[
            SelectChoice("", "Until changed"),
            *(SelectChoice(str(d), f"{d} day{'s' if d > 1 else ''}") for d in JOIN_CODE_VALIDITY_DAYS),
        ],
        default="",
    )


class TeacherForm(FlaskForm):
    login = StringField(
        "Email address or username of a teacher",
        validators=[InputRequired("Enter the email address or username of a teacher or admin.")],
    )


class AssignmentForm(FlaskForm):
    """A bank's quiz (``quiz`` as ``<bank>/<quiz>``) or a built quiz (``quiz`` empty, banks ticked)."""

    title = StringField("Title (optional)", validators=[Optional(), Length(max=300)])
    quiz = SelectField("A bank's quiz", default="", validate_choice=False)
    banks = CheckboxesField("Banks", validate_choice=False)
    tags = CheckboxesField("Tags", validate_choice=False)
    count = IntegerField(
        "Number of questions",
        default=10,
        validators=[Optional(), NumberRange(1, MAX_COUNT, f"Choose between 1 and {MAX_COUNT} questions.")],
    )
    mode = RadioField("Mode", choices=MODE_CHOICES, default=AttemptMode.EXAM.value)
    time_limit = IntegerField(
        "Time limit in minutes (optional)",
        validators=[
            Optional(),
            NumberRange(1, MAX_TIME_LIMIT_MINUTES, f"A time limit is between 1 and {MAX_TIME_LIMIT_MINUTES} minutes."),
        ],
    )
    opens_at = DateTimeLocalField(
        "Opens", format=DATE_FORMAT, validators=[InputRequired("Enter when the assignment opens.")]
    )
    due_at = DateTimeLocalField("Due", format=DATE_FORMAT, validators=[InputRequired("Enter when it is due.")])
    attempts = IntegerField(
        "Attempts allowed",
        default=1,
        validators=[Optional(), NumberRange(1, MAX_ATTEMPTS, f"Allow between 1 and {MAX_ATTEMPTS} attempts.")],
        description="Leave empty for unlimited attempts.",
    )
    counting = RadioField(
        "Which attempt counts",
        choices=[SelectChoice(c.value, COUNTING_LABELS[c]) for c in Counting],
        default=Counting.HIGHEST.value,
    )
    feedback = RadioField(
        "Feedback shown",
        choices=[SelectChoice(f.value, FEEDBACK_LABELS[f]) for f in Feedback],
        default=Feedback.AT_ONCE.value,
    )
    late_accepted = BooleanField("Accept late work (marked late)")

    def offer(self, catalogue: Catalogue) -> AssignmentForm:
        quizzes = [
            SelectChoice(f"{ref.slug}/{entry.quiz.id}", f"{ref.title}: {entry.quiz.title}")
            for ref, entries in catalogue.quizzes
            for entry in entries
        ]
        self.quiz.choices = [SelectChoice("", "None: build a quiz below"), *quizzes]
        self.banks.choices = [SelectChoice(slug, title) for slug, title in catalogue.banks]
        self.tags.choices = [SelectChoice(t, t) for t in catalogue.tags]
        return self


class ExtensionForm(FlaskForm):
    user_id = SelectField("Learner", validate_choice=False, validators=[InputRequired("Choose a learner.")])
    due_at = DateTimeLocalField("New due date (optional)", format=DATE_FORMAT, validators=[Optional()])
    extra_minutes = IntegerField(
        "Extra minutes per attempt",
        default=0,
        validators=[Optional(), NumberRange(0, MAX_EXTRA_MINUTES, f"From 0 to {MAX_EXTRA_MINUTES} minutes.")],
    )
    extra_attempts = IntegerField(
        "Extra attempts",
        default=0,
        validators=[Optional(), NumberRange(0, MAX_EXTRA_ATTEMPTS, f"From 0 to {MAX_EXTRA_ATTEMPTS}.")],
    )
    excused = BooleanField("Excused: does not need to do this assignment")


class TermsForm(AssignmentForm):
    """An assignment's title and terms, as :class:`AssignmentForm` asks for them; the quiz is fixed once set."""

    quiz = None  # type: ignore[assignment]
    banks = None  # type: ignore[assignment]
    tags = None  # type: ignore[assignment]
    count = None  # type: ignore[assignment]
    mode = None  # type: ignore[assignment]
    time_limit = None  # type: ignore[assignment]


class DeleteClassForm(FlaskForm):
    name = StringField(
        "Type the class's name to confirm",
        validators=[InputRequired("Type the class's name to confirm that it is the one to delete.")],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class ConfirmForm(FlaskForm):
    """A deletion confirmed from its own page, which sends ``confirm``; a bare POST deletes nothing."""

    confirm = HiddenField(validators=[InputRequired("Confirm the deletion with the button on its page.")])
