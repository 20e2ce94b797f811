"""The one refusal type: an error page with its status and message, and a refused request changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from quizapp.domain import banks, grading, scheduling
from quizapp.domain.refusals import Conflict, Refused
from quizapp.extensions import csrf, db
from quizapp.models import LoginFailure, utcnow
from quizapp.operations import accounts, cards, quizzes

from .conftest import log_in, post_form


def test_every_refusal_of_every_layer_is_one_type():
    for refusal in (
        grading.ResponseError,
        scheduling.SettingsError,
        scheduling.NotEnoughReviews,
        banks.BankError,
        accounts.BadCredentials,
        accounts.Throttled,
        accounts.NameTaken,
        cards.StaleGrade,
        cards.GradeAlreadyRecorded,
        cards.NotUndoable,
        quizzes.UnknownQuiz,
        quizzes.UnknownAttempt,
        quizzes.NoQuestions,
        quizzes.AttemptClosed,
        quizzes.AlreadyAnswered,
    ):
        assert issubclass(refusal, Refused), refusal
    assert grading.ResponseError("x").status == 400
    assert quizzes.UnknownAttempt("x").status == quizzes.UnknownQuiz("x").status == 404
    assert quizzes.TimeUp("x").status == cards.StaleGrade().status == 409
    assert Refused("x").status == 422 and Refused("x", "login").field == "login"


def _refusing_view(app, refusal: Refused):
    """Add a route that writes a row and then raises ``refusal`` without catching it."""

    @csrf.exempt
    def view():
        db.session.add(LoginFailure(scope="address", key="k" * 64, created_at=utcnow()))
        db.session.flush()
        raise refusal

    app.add_url_rule("/refuse", "refuse", view, methods=["POST"])


def _failures(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginFailure))


def test_an_uncaught_refusal_is_an_error_page_with_its_status_and_message(app, client):
    _refusing_view(app, Conflict("Someone else changed this quiz first."))
    response = client.post("/refuse")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else changed this quiz first." in page
    assert "<h1>Conflict</h1>" in page and "Error 409" in page
    assert "Traceback" not in page


def test_a_refused_request_leaves_the_database_unchanged(app, client):
    _refusing_view(app, Refused("Not like this."))
    assert client.post("/refuse").status_code == 422
    assert _failures(app) == 0


def test_a_throttled_refusal_says_when_to_retry(app, client):
    _refusing_view(app, accounts.Throttled(90))
    response = client.post("/refuse")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "90"
    assert "try again in about 2 minutes" in response.get_data(as_text=True)


def test_an_unknown_quiz_is_a_404_page_with_the_message(app, client, make_user, make_bank):
    make_bank()
    make_user()
    log_in(client, "learner@example.org")
    response = post_form(client, "/quizzes/start", bank="demo", quiz="no-such-quiz")
    assert response.status_code == 404
    assert "There is no such quiz." in response.get_data(as_text=True)
