"""Accounts: register, log in and out, change the password (or reset it with a one-time link, asked for by
email where the site sends email), download one's data, delete the account."""

from __future__ import annotations

import json
from email.message import EmailMessage

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm

from .. import operations
from ..access import acting_user, known_device_of, login_required, next_from_request, owned_or_404, remember_device
from ..extensions import db, limit_counters, passwords, reset_policy, throttle_policy
from ..mail import Mailer, mailer, message
from ..models import User, utcnow
from ..operations.password_resets import ResetRequest, request_reset_by_email, reset_link_user, reset_password_with_link
from ..queries import accounts as account_queries
from .forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)

bp = Blueprint("auth", __name__)
NO_EMAIL = (
    "This site does not send email, so a password-reset link cannot be sent to you. Ask your teacher or an "
    "administrator: they can make you a one-time link to choose a new password."
)


@bp.context_processor
def _email_resets() -> dict:
    """Whether the site sends password-reset links by email (the login page offers them if so)."""
    return {"email_resets": mailer() is not None}


def start_session(user: User) -> None:
    """Log ``user`` in with a fresh session, so nothing set before login (session fixation) survives."""
    session.clear()
    login_user(user)


def refused(form: FlaskForm, error: operations.Refused, template: str, **context) -> tuple[str, int, dict]:
    """Show the form again with the refusal as an error on its field (and Retry-After when throttled)."""
    db.session.commit()  # keep a failed password check that the operation recorded
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
    retry_after = getattr(error, "retry_after", None)  # throttled logins and registrations say when to retry
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return render_template(template, form=form, **context), error.status, headers


def checks() -> dict:
    """What an operation that checks a password needs: the app's hasher, throttling policy and the store its
    limits are counted in, and the time."""
    return {"passwords": passwords(), "policy": throttle_policy(), "counters": limit_counters(), "now": utcnow()}


def form_page(template: str, form: FlaskForm, **context) -> tuple[str, int]:
    """A form page: 200 when first shown, 422 when what was sent is invalid."""
    return render_template(template, form=form, **context), 422 if form.errors else 200


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a learner account and log in."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = operations.register(db.session, form.login.data, form.password.data, request.remote_addr, **checks())
        except operations.Refused as error:
            return refused(form, error, "auth/register.html")
        db.session.commit()
        start_session(user)
        flash("Welcome! Your account is ready, and you are logged in.", "success")
        return redirect(next_from_request() or url_for("home.index"))
    return form_page("auth/register.html", form)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with an email address or username and a password."""
    if current_user.is_authenticated:
        return redirect(next_from_request() or url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = operations.log_in(
                db.session,
                form.login.data,
                form.password.data,
                request.remote_addr,
                **checks(),
                device_of=known_device_of(),
            )
        except operations.Refused as error:
            return refused(form, error, "auth/login.html")
        db.session.commit()
        start_session(user)
        flash(f"You are logged in as {user.login}.", "success")
        return remember_device(redirect(next_from_request() or url_for("home.index")), user)
    return form_page("auth/login.html", form)


@bp.post("/logout")
@login_required
def logout():
    """Log out, ending this account's sessions everywhere."""
    operations.log_out(db.session, acting_user())  # CSRFProtect checked the token
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "success")
    return redirect(url_for("home.index"))


@bp.get("/account")
@login_required
def account():
    """Show the account and what can be done with it."""
    return render_template("auth/account.html")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = acting_user()
        try:
            operations.change_password(
                db.session, user, form.current_password.data, form.new_password.data, request.remote_addr, **checks()
            )
        except operations.Refused as error:
            return refused(form, error, "auth/password.html")
        db.session.commit()
        start_session(user)
        flash("Your password has been changed. Anywhere else you were logged in, you are now logged out.", "success")
        return redirect(url_for("auth.account"))
    return form_page("auth/password.html", form)


@bp.get("/account/<int:user_id>/export")
@login_required
def export(user_id: int):
    """Download everything stored about this account as JSON."""
    user = owned_or_404(User, user_id)
    body = json.dumps(account_queries.account_export_data(db.session, user, utcnow()), indent=2, ensure_ascii=False)
    return Response(
        body + "\n",
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="quizapp-account-{user.id}.json"'},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete the account and all its data, after the password is confirmed."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            operations.delete_account(db.session, acting_user(), form.password.data, request.remote_addr, **checks())
        except operations.Refused as error:
            return refused(form, error, "auth/delete.html")
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your account and all its data have been deleted.", "success")
        return redirect(url_for("home.index"))
    return form_page("auth/delete.html", form)


def private(body: str, status: int = 200) -> Response:
    """A response that holds or follows a reset link: never cached, and never named to other sites."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def reset_email(sender: Mailer, asked: ResetRequest) -> EmailMessage:
    """The email that carries a reset link to the account that asked for it."""
    link = url_for("auth.reset_password", token=asked.token, _external=True)
    body = render_template("auth/reset_email.txt", user=asked.user, link=link, expires_at=asked.expires_at)
    return message(sender.settings, asked.user.email, "Choose a new password for quizapp", body)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a password-reset link by email; the answer is the same whether or not the address has an account."""
    sender = mailer()
    if sender is None:
        raise operations.NotFound(NO_EMAIL)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            asked = request_reset_by_email(
                db.session, form.email.data, request.remote_addr, policy=reset_policy(), now=utcnow()
            )
        except operations.Refused as error:
            return refused(form, error, "auth/forgot.html")
        db.session.commit()
        if asked.user is not None:
            sender.send_later(reset_email(sender, asked))
        return render_template("auth/forgot_sent.html", email=form.email.data.strip())
    return form_page("auth/forgot.html", form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password with a one-time link; every session of the account ends."""
    try:
        user = reset_link_user(db.session, token, utcnow())
    except operations.Refused as error:
        return private(render_template("auth/reset_invalid.html", message=error.message), error.status)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password_with_link(
                db.session, token, form.password.data, request.remote_addr, passwords=passwords(), now=utcnow()
            )
        except operations.Refused as error:
            db.session.rollback()  # the link stays usable
            getattr(form, error.field or "", form.password).errors.append(error.message)
            return private(render_template("auth/reset.html", form=form, user=user), error.status)
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your password has been changed, and you are logged out everywhere. Log in with it now.", "success")
        return redirect(url_for("auth.login"), 303)
    return private(*form_page("auth/reset.html", form, user=user))
