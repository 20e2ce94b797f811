"""Forms for accounts. Each field says which autocomplete hint password managers should use."""

from __future__ import annotations

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from ..domain.accounts import EMAIL_MAX, PASSWORD_MAX, PASSWORD_MIN, InvalidLogin, parse_login, password_problems

LOGIN_INPUT = {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
PASSWORD_HINT = (
    f"At least {PASSWORD_MIN} characters; up to {PASSWORD_MAX}. Several unusual words make a strong, memorable "
    "password. Very common passwords are refused."
)


def _new_password(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[InputRequired(f"Enter a {label.lower()}.")],
        render_kw={"autocomplete": "new-password"},
        description=PASSWORD_HINT,
    )


def _confirm(target: str) -> PasswordField:
    return PasswordField(
        "Type the password again",
        validators=[InputRequired("Type the password again."), EqualTo(target, "The two passwords are not the same.")],
        render_kw={"autocomplete": "new-password"},
    )


def _check_policy(field: Field, context: tuple[str, ...]) -> None:
    problems = password_problems(field.data or "", context)
    if problems:
        raise ValidationError(problems[0])


class RegisterForm(FlaskForm):
    login = StringField(
        "Email address or username",
        validators=[DataRequired("Enter an email address or a username."), Length(max=EMAIL_MAX)],
        render_kw=LOGIN_INPUT,
        description="You log in with this. A username has 3 to 40 letters, digits, dots, hyphens or underscores.",
    )
    password = _new_password("Password")
    confirm = _confirm("password")

    # The operation checks these again; checking them here too shows every problem at once.
    def validate_login(self, field: Field) -> None:
        try:
            parse_login(field.data)
        except InvalidLogin as exc:
            raise ValidationError(str(exc)) from None

    def validate_password(self, field: Field) -> None:
        _check_policy(field, (self.login.data or "",))


class LoginForm(FlaskForm):
    login = StringField(
        "Email address or username",
        validators=[DataRequired("Enter your email address or username.")],
        render_kw=LOGIN_INPUT,
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password("New password")
    confirm = _confirm("new_password")

    def validate_new_password(self, field: Field) -> None:
        _check_policy(field, (current_user.email or "", current_user.username or ""))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Your password",
        validators=[InputRequired("Enter your password to confirm.")],
        render_kw={"autocomplete": "current-password"},
        description="To make sure it is you, enter your password.",
    )


class ForgotPasswordForm(FlaskForm):
    email = StringField(
        "Email address",
        validators=[DataRequired("Enter the email address of your account."), Length(max=EMAIL_MAX)],
        render_kw={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false", "type": "email"},
    )

    def validate_email(self, field: Field) -> None:
        try:
            name = parse_login(field.data)
        except InvalidLogin:
            name = None
        if name is None or name.kind != "email":
            raise ValidationError("Enter an email address like name@example.org.")


class ResetPasswordForm(FlaskForm):
    password = _new_password("New password")
    confirm = _confirm("password")

    def validate_password(self, field: Field) -> None:
        _check_policy(field, ())  # the operation also checks it against the account's names
