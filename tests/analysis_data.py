"""Finished attempts written straight into the tables, for item analysis tests and benchmarks: each learner
answers a bank's questions (single choice, true or false, short answer) right or wrong as ``picks`` says,
graded by the question's own type, as if they had taken the quiz."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from quizapp.domain.assignments import MemberRole
from quizapp.domain.attempts import GRADED_STATUSES, AttemptMode, AttemptSource, AttemptStatus
from quizapp.domain.grading import grade
from quizapp.domain.quizzes import load_question, response_data
from quizapp.domain.types.short_answer import ShortAnswerResponse
from quizapp.domain.types.single import SingleResponse
from quizapp.domain.types.true_false import TrueFalseResponse
from quizapp.extensions import db
from quizapp.models import (
    Answer,
    Assignment,
    Attempt,
    Bank,
    BankVersion,
    Class,
    ClassMember,
    Question,
    QuestionRevision,
    User,
)
from quizapp.operations.itemanalysis import record_marks
from quizapp.operations.results import rebuild_results

START = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)

# picks(learner index, question key) -> a choice id ("true"/"false" for true or false), a typed answer, or None
Picks = Callable[[int, str], str | None]


def response_for(question: Any, pick: str | None) -> Any:
    if question.type == "single":
        return SingleResponse(pick)
    if question.type == "true_false":
        return TrueFalseResponse(None if pick is None else pick == "true")
    if question.type == "short_answer":
        return ShortAnswerResponse(pick or "")
    raise ValueError(f"no generated answers for {question.type}")


def live_questions(session: Session, slug: str) -> list[tuple[int, int, Any]]:
    """(question id, revision id, question) of a bank's live quiz questions, in bank order."""
    rows = session.execute(
        select(Question.id, QuestionRevision.id, QuestionRevision.data)
        .join(QuestionRevision, QuestionRevision.question_id == Question.id)
        .join(Bank, Bank.id == Question.bank_id)
        .where(Bank.slug == slug, Question.retired_at.is_(None), Question.type != "flashcard")
        .where(QuestionRevision.number == Question.revision_number)
        .order_by(Question.position)
    ).all()
    return [(qid, rid, load_question(data)) for qid, rid, data in rows]


def add_attempts(
    session: Session,
    slug: str,
    user_ids: Sequence[int],
    picks: Picks,
    started: dt.datetime,
    *,
    quiz_key: str | None = None,
    assignment_id: int | None = None,
    status: str = AttemptStatus.FINISHED.value,
    marks: bool = True,
) -> list[int]:
    """One finished attempt per learner at every live question of the bank (in bank order); their ids. A
    closed attempt gets its stored marks as closing it would write them, unless ``marks`` is false (as an
    attempt closed before they were stored); the assignment's results summary is rebuilt with them."""
    questions = live_questions(session, slug)
    version_id = session.scalar(
        select(BankVersion.id)
        .join(Bank, BankVersion.bank_id == Bank.id)
        .where(Bank.slug == slug, BankVersion.number == Bank.version_number)
    )
    max_score = sum(q.points for _, _, q in questions)
    attempt_rows, graded = [], []
    for n, user_id in enumerate(user_ids):
        answers = []
        for position, (qid, rid, question) in enumerate(questions, 1):
            pick = picks(n, question.id)
            if pick is None:
                continue
            response = response_for(question, pick)
            g = grade(question, response)
            answers.append((position, qid, rid, response_data(response), g.score, g.max_score, g.correct))
        score = sum(a[4] for a in answers)
        graded.append(answers)
        attempt_rows.append(
            {
                "user_id": user_id,
                "source": AttemptSource.BANK_QUIZ.value,
                "title": f"Quiz {quiz_key or slug}",
                "bank_version_id": version_id,
                "quiz_key": quiz_key,
                "criteria": {"banks": {slug: 1}},
                "mode": AttemptMode.EXAM.value,
                "seed": n,
                "question_revision_ids": [rid for _, rid, _ in questions],
                "question_count": len(questions),
                "status": status,
                "started_at": started + dt.timedelta(minutes=n),
                "finished_at": started + dt.timedelta(minutes=n + 10),
                "score": score,
                "max_score": max_score,
                "percent": 100 * score / max_score if max_score else 0.0,
                "duration_seconds": 600,
                "assignment_id": assignment_id,
            }
        )
    ids = list(session.scalars(insert(Attempt).returning(Attempt.id, sort_by_parameter_order=True), attempt_rows))
    answer_rows = [
        {
            "attempt_id": attempt_id,
            "user_id": user_id,
            "position": position,
            "question_id": qid,
            "question_revision_id": rid,
            "response": data,
            "points": points,
            "max_points": max_points,
            "correct": correct,
            "answered_at": started,
            "time_spent_ms": 5000,
        }
        for attempt_id, user_id, answers in zip(ids, user_ids, graded, strict=True)
        for position, qid, rid, data, points, max_points, correct in answers
    ]
    if answer_rows:
        session.execute(insert(Answer), answer_rows)
    if marks and status in GRADED_STATUSES:
        record_marks(session, dict.fromkeys(ids, len(questions)))
    if assignment_id is not None:  # as closing them would have: the results grid reads the summary
        rebuild_results(session, [assignment_id])
    return ids


def make_class(
    app: Any,
    teacher_login: str,
    learner_ids: Sequence[int],
    slug: str = "france",
    due: dt.datetime = START + dt.timedelta(days=7),
    title: str = "France homework",
    quiz: str = "final",
    opens: dt.datetime = START - dt.timedelta(days=1),
) -> tuple[int, int]:
    """A class taught by ``teacher_login`` with these learners, and an assignment of the bank's quiz."""
    with app.app_context():
        teacher_id = db.session.scalar(select(User.id).where(User.username == teacher_login))
        klass = Class(name="Year 9 geography", time_zone="UTC", created_by_id=teacher_id)
        db.session.add(klass)
        db.session.flush()
        db.session.add(ClassMember(class_id=klass.id, user_id=teacher_id, role=MemberRole.TEACHER.value))
        for uid in learner_ids:
            db.session.add(ClassMember(class_id=klass.id, user_id=uid, role=MemberRole.LEARNER.value))
        assignment = Assignment(
            class_id=klass.id,
            title=title,
            source="bank_quiz",
            quiz={"bank": slug, "quiz": quiz},
            opens_at=opens,
            due_at=due,
            created_by_id=teacher_id,
        )
        db.session.add(assignment)
        db.session.commit()
        return klass.id, assignment.id
