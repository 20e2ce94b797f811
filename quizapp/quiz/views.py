"""Learners' quiz pages: the quiz list, building a quiz, taking one a question per page, results and history,
and discarding or starting afresh a quiz in progress.

Every page needs an account, and an attempt is only ever seen by its owner (anyone else gets a 404).
Answers are posted one question at a time and the browser is redirected to the next page (post, redirect,
get), so reloading never submits twice; the operations make a repeated submission harmless anyway.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import acting_user, next_from_request, owned_or_404, require_role
from ..domain.freshness import overdue
from ..domain.grading import ResponseError
from ..domain.quizzes import AttemptMode, AttemptStatus
from ..domain.refusals import NotFound, Refused
from ..extensions import db
from ..models import Attempt, utcnow
from ..operations import quizzes
from ..queries import cards as card_queries
from ..queries import classes as class_queries
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


def begin(start: Any, back: str | None = None) -> Any:
    """Start an attempt with ``start`` (a function of the user and the time) and go to its first question; if
    the same quiz is in progress, offer it back; if it is refused, say why on the page ``back`` (the quiz list
    by default)."""
    try:
        attempt = start(acting_user(), utcnow())
    except Refused as refused:
        if isinstance(refused, NotFound):
            raise  # the error page, with a 404
        db.session.rollback()
        if isinstance(refused, quizzes.QuizInProgress):
            return redirect(url_for("quiz.start_again", attempt_id=refused.attempt_id), 303)
        flash(refused.message, "error")
        return redirect(back or url_for("quiz.index"), 303)
    attempt_id = attempt.id
    db.session.commit()
    return redirect(url_for("quiz.resume", attempt_id=attempt_id), 303)


@bp.get("/quizzes")
def index():
    """List the quizzes in progress, the banks' quizzes, and the ways to practise mistakes or build a quiz."""
    catalogue = queries.catalogue(db.session)
    return render_template(
        "quiz/index.html",
        catalogue=catalogue,
        mistakes=MistakesForm(formdata=None, prefix="mistakes").offer(catalogue),
        unfinished=queries.unfinished(db.session, current_user.id),
        now=utcnow(),
    )


@bp.post("/quizzes/start")
def start():
    """Start one of a bank's quizzes."""
    form = StartForm()
    if not form.validate():
        return bad_request("The form did not say which quiz to start. Go back to the quizzes and try again.")
    spec = quizzes.BankQuiz(form.bank.data, form.quiz.data)
    return begin(lambda user, now: quizzes.start_attempt(db.session, user, spec, now))


@bp.route("/quizzes/build", methods=["GET", "POST"])
def build():
    """Choose banks, tags, number of questions, mode and time limit, and start that quiz."""
    form = BuildForm(prefix="build", formdata=request.form if request.method == "POST" else None)
    form.offer(queries.catalogue(db.session))
    if request.method == "POST" and form.validate():
        data = form.data
        spec = quizzes.CustomQuiz(data["banks"], data["tags"] or (), data["count"], data["mode"], data["time_limit"])
        try:
            attempt = quizzes.start_attempt(db.session, acting_user(), spec, utcnow())
        except Refused as refused:
            db.session.rollback()
            if isinstance(refused, quizzes.QuizInProgress):
                return redirect(url_for("quiz.start_again", attempt_id=refused.attempt_id), 303)
            form.form_errors.append(refused.message)
        else:
            attempt_id = attempt.id
            db.session.commit()
            return redirect(url_for("quiz.resume", attempt_id=attempt_id), 303)
    return render_template("quiz/build.html", build=form), 422 if request.method == "POST" else 200


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
        if isinstance(refused, quizzes.AttemptDiscarded):
            return redirect(url_for("quiz.history"), 303)
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
    if attempt.discarded:
        flash(f"You discarded “{attempt.title}”, so it has no results.", "error")
        return redirect(url_for("quiz.history"))
    held = class_queries.feedback_held(db.session, attempt, utcnow())
    if held is not None:  # an assigned attempt whose feedback the teacher shows later, or never
        timezone = card_queries.timezone_of(db.session, current_user.id)
        return render_template("quiz/held.html", attempt=attempt, held=held, timezone=timezone)
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
    held = class_queries.held_attempts(db.session, page.items, utcnow())
    return render_template("quiz/history.html", page=page, now=utcnow(), timezone=timezone, held=held)


# Registered after the pages above, so that the access-matrix test discards each attempt only after them.
@bp.route("/attempts/<int:attempt_id>/discard", methods=["GET", "POST"])
def discard(attempt_id: int):
    """Ask whether to discard an unfinished quiz (GET), then discard it (POST) and go back where the learner was."""
    back = next_from_request() or url_for("home.index")
    if request.method == "GET":
        attempt = owned_or_404(Attempt, attempt_id)
        if not attempt.is_open(utcnow()):  # finished, discarded or out of time: nothing to ask
            return redirect(url_for("quiz.resume", attempt_id=attempt_id))
        answered = len(queries.answered_positions(db.session, attempt))
        return render_template("quiz/discard.html", attempt=attempt, answered=answered, back=back, now=utcnow())
    try:
        attempt = quizzes.discard_attempt(db.session, current_user.id, attempt_id, utcnow())
    except Refused as refused:
        if isinstance(refused, NotFound):
            raise
        db.session.commit()  # a time-up has just closed and graded it; a finished one is unchanged
        flash(refused.message, "error")
        return redirect(url_for("quiz.results", attempt_id=attempt_id), 303)
    flash(f"You discarded “{attempt.title}”.", "success")
    db.session.commit()
    return redirect(back, 303)


@bp.route("/attempts/<int:attempt_id>/again", methods=["GET", "POST"])
def start_again(attempt_id: int):
    """Offer a quiz in progress back to a learner who pressed Start on it again (GET): resume it, or start
    afresh (POST), which discards it and starts the same quiz anew."""
    if request.method == "POST":
        return begin(lambda user, now: quizzes.start_afresh(db.session, user, attempt_id, now))
    attempt = owned_or_404(Attempt, attempt_id)
    if not attempt.in_progress:
        return redirect(url_for("quiz.resume", attempt_id=attempt_id))
    answered = len(queries.answered_positions(db.session, attempt))
    return render_template("quiz/again.html", attempt=attempt, answered=answered, now=utcnow())
