"""Learners' quiz pages: the quiz list, taking a quiz one question per page, results and history.

Every page needs an account, and an attempt is only ever seen by its owner (anyone else gets a 404).
Answers are posted one question at a time and the browser is redirected to the next page (post, redirect,
get), so reloading never submits twice; the operations make a repeated submission harmless anyway.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import acting_user, owned_or_404, require_role
from ..domain.freshness import overdue
from ..domain.grading import ResponseError
from ..domain.quizzes import AttemptMode, AttemptStatus
from ..domain.refusals import NotFound, Refused
from ..extensions import db
from ..models import Attempt, utcnow
from ..operations import quizzes
from ..queries import cards as card_queries
from ..queries import quizzes as queries
from .forms import BuildForm, MistakesForm, StartForm, shown_at

bp = Blueprint("quiz", __name__)
require_role(bp)
HISTORY_PER_PAGE = 20


def go(attempt: Attempt | int, target: tuple[str, int | None], code: int = 302) -> Any:
    """Redirect to where ``target`` (from :func:`queries.where_to_resume`) says the attempt continues."""
    kind, position = target
    attempt_id = attempt if isinstance(attempt, int) else attempt.id
    if kind == "question":
        return redirect(url_for("quiz.question", attempt_id=attempt_id, position=position), code)
    return redirect(url_for(f"quiz.{kind}", attempt_id=attempt_id), code)


def bad_request(message: str) -> tuple[str, int]:
    return render_template("error.html", code=400, title="Bad request", text=message), 400


def index_page(build: BuildForm | None = None, status: int = 200) -> tuple[str, int]:
    catalogue = queries.catalogue(db.session)
    return render_template(
        "quiz/index.html",
        catalogue=catalogue,
        build=(build or BuildForm(formdata=None, prefix="build")).offer(catalogue),
        mistakes=MistakesForm(formdata=None, prefix="mistakes").offer(catalogue),
        attempts=db.session.scalars(queries.in_progress(current_user.id)).all(),
        now=utcnow(),
    ), status


def begin(start: Any, back: str | None = None) -> Any:
    """Start an attempt with ``start`` (a function of the user and the time) and go to its first question;
    if it is refused, say why on the page ``back`` (the quiz list by default)."""
    try:
        attempt = start(acting_user(), utcnow())
    except Refused as refused:
        if isinstance(refused, NotFound):
            raise  # the error page, with a 404
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(back or url_for("quiz.index"), 303)
    attempt_id = attempt.id
    db.session.commit()
    return redirect(url_for("quiz.resume", attempt_id=attempt_id), 303)


@bp.get("/quizzes")
def index():
    """List the quizzes in progress, the banks' quizzes, and the forms to build one or practise mistakes."""
    return index_page()


@bp.post("/quizzes/start")
def start():
    """Start one of a bank's quizzes."""
    form = StartForm()
    if not form.validate():
        return bad_request("The form did not say which quiz to start. Go back to the quizzes and try again.")
    spec = quizzes.BankQuiz(form.bank.data, form.quiz.data)
    return begin(lambda user, now: quizzes.start_attempt(db.session, user, spec, now))


@bp.post("/quizzes/build")
def build():
    """Start a quiz built from the chosen banks, tags, number of questions, mode and time limit."""
    form = BuildForm(prefix="build").offer(queries.catalogue(db.session))
    if not form.validate():
        return index_page(form, 422)
    data = form.data
    spec = quizzes.CustomQuiz(data["banks"], data["tags"] or (), data["count"], data["mode"], data["time_limit"])
    try:
        attempt = quizzes.start_attempt(db.session, acting_user(), spec, utcnow())
    except Refused as refused:
        db.session.rollback()
        form.form_errors.append(refused.message)
        return index_page(form, 422)
    attempt_id = attempt.id
    db.session.commit()
    return redirect(url_for("quiz.resume", attempt_id=attempt_id), 303)


@bp.post("/quizzes/mistakes")
def mistakes():
    """Start a practice quiz of the questions this learner most recently got wrong."""
    form = MistakesForm(prefix="mistakes")
    bank, tag = (form.bank.data or None), (form.tag.data or None)
    return begin(lambda user, now: quizzes.practise_mistakes(db.session, user, now, bank_slug=bank, tag=tag))


@bp.get("/attempts/<int:attempt_id>")
def resume(attempt_id: int):
    """Continue an attempt where it was left: the first unanswered question, the summary or the results."""
    attempt = owned_or_404(Attempt, attempt_id)
    answered = queries.answered_positions(db.session, attempt)
    return go(attempt, queries.where_to_resume(attempt, answered, utcnow()))


def question_page(attempt: Attempt, position: int, posted=None, error: str | None = None, status: int = 200):
    if not 1 <= position <= attempt.question_count:
        abort(404)
    now = utcnow()
    page = queries.question_page(db.session, attempt, position, now, posted)
    if not isinstance(page, queries.QuestionPage):
        return go(attempt, page)
    shown = int(now.timestamp() * 1000)
    stale = overdue(queries.source_banks(db.session, attempt), now.date())
    return render_template("quiz/question.html", page=page, error=error, shown=shown, overdue=stale), status


@bp.get("/attempts/<int:attempt_id>/questions/<int:position>")
def question(attempt_id: int, position: int):
    """Show one question (in practice, once answered, with its feedback)."""
    return question_page(owned_or_404(Attempt, attempt_id), position)


@bp.post("/attempts/<int:attempt_id>/questions/<int:position>")
def answer(attempt_id: int, position: int):
    """Save and grade one answer, then go on: to its feedback in practice, to the next question in an exam."""
    form = request.form
    try:  # the operation checks that the attempt is this learner's: the path learners take most, kept lean
        saved = quizzes.save_answer(
            db.session, current_user.id, attempt_id, position, form, utcnow(), shown_at(form.get("shown"))
        )
    except Refused as refused:
        if isinstance(refused, NotFound):
            raise  # the error page, with a 404
        if isinstance(refused, ResponseError):
            db.session.rollback()
            attempt = owned_or_404(Attempt, attempt_id)
            return question_page(attempt, position, form.to_dict(flat=False), refused.message, refused.status)
        db.session.commit()  # a time-up closed the attempt; other refusals changed nothing
        flash(refused.message, "error")
        if isinstance(refused, quizzes.AlreadyAnswered):
            return redirect(url_for("quiz.question", attempt_id=attempt_id, position=position), 303)
        return redirect(url_for("quiz.results", attempt_id=attempt_id), 303)
    db.session.commit()
    return go(attempt_id, next_page(saved.attempt, position, form.get("go")), 303)


def next_page(attempt: quizzes.AttemptState, position: int, choice: str | None) -> tuple[str, int | None]:
    if attempt.mode == AttemptMode.PRACTICE:
        return "question", position  # its feedback
    if choice == "previous":
        return "question", max(1, position - 1)
    if choice == "summary" or position >= attempt.question_count:
        return "summary", None
    return "question", position + 1


@bp.get("/attempts/<int:attempt_id>/finish")
def summary(attempt_id: int):
    """Show which questions are answered, with the button that submits the attempt (or says time is up)."""
    attempt = owned_or_404(Attempt, attempt_id)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return redirect(url_for("quiz.results", attempt_id=attempt.id))
    answered = queries.answered_positions(db.session, attempt)
    now = utcnow()
    remaining = (attempt.deadline - now).total_seconds() if attempt.deadline else None
    return render_template(
        "quiz/summary.html", attempt=attempt, answered=answered, time_up=attempt.time_is_up(now), remaining=remaining
    )


@bp.post("/attempts/<int:attempt_id>/finish")
def finish(attempt_id: int):
    """Submit the attempt: grade it with the answers saved and show the results."""
    attempt = owned_or_404(Attempt, attempt_id)
    quizzes.finish_attempt(db.session, attempt, utcnow())
    db.session.commit()
    return redirect(url_for("quiz.results", attempt_id=attempt_id), 303)


@bp.get("/attempts/<int:attempt_id>/results")
def results(attempt_id: int):
    """Show the score (overall and by tag) and every question with the answer given, the right one and the
    learner's history with it."""
    attempt = owned_or_404(Attempt, attempt_id)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        answered = queries.answered_positions(db.session, attempt)
        return go(attempt, queries.where_to_resume(attempt, answered, utcnow()))
    page = queries.results_page(db.session, attempt, current_user.id, utcnow())
    stale = overdue(queries.source_banks(db.session, attempt), utcnow().date())
    return render_template("quiz/results.html", page=page, results=page.results, overdue=stale)


@bp.post("/attempts/<int:attempt_id>/retry")
def retry(attempt_id: int):
    """Start a practice quiz of this attempt's questions that were not fully right."""
    back = url_for("quiz.results", attempt_id=attempt_id)
    return begin(lambda user, now: quizzes.retry_missed(db.session, user, attempt_id, now), back)


@bp.get("/history")
def history():
    """List this learner's attempts, newest first, a page at a time, at the times of their time zone."""
    page = db.paginate(queries.history(current_user.id), per_page=HISTORY_PER_PAGE, max_per_page=HISTORY_PER_PAGE)
    timezone = card_queries.timezone_of(db.session, current_user.id)
    return render_template("quiz/history.html", page=page, now=utcnow(), timezone=timezone)
