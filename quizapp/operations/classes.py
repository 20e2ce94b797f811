"""Classes and the work set to them: making a class, its join code, joining, leaving and removing members,
co-teachers, assignments, extensions, and starting an assigned attempt.

Functions add and flush but never commit; each takes ``now``. Permission to act on a class (an admin or one of
its teachers) is checked by the caller; what the class's own state refuses (a wrong code, a learner not in
the class, a due date before the open date) is refused here.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..domain.accounts import STAFF, InvalidLogin, Role, normalize_login
from ..domain.assignments import (
    BadTerms,
    Counting,
    Feedback,
    Grant,
    MemberRole,
    attempt_deadline,
    check_grant,
    check_start,
    check_terms,
    feedback_needs_exam,
    moved_deadline,
    new_join_code,
    normalise_join_code,
    valid_zone,
)
from ..domain.attempts import AttemptMode, AttemptSource, AttemptStatus
from ..domain.quizzes import MAX_COUNT, MAX_TIME_LIMIT_MINUTES, load_quiz
from ..domain.refusals import Conflict, NotFound, Refused
from ..models import Assignment, Attempt, Bank, Class, ClassMember, Extension, User
from ..queries import classes as queries
from ..queries.accounts import user_by_login
from ..queries.quizzes import current_quizzes
from .audit import record_audit
from .quizzes import Assigned, BankQuiz, CustomQuiz, finish_attempt, start_attempt

NAME_MAX = 120
DESCRIPTION_MAX = 2000


class UnknownClass(NotFound):
    pass


class BadJoinCode(Refused):
    """A code that is no class's, or no longer lets anyone join."""

    status = 404


class JoinCodeClosed(Refused):
    status = 410


class NotALearner(Refused):
    status = 403


class NotInClass(Refused):
    status = 404


class BadClass(Refused):
    status = 422


class BadAssignment(Refused):
    status = 422


# --- classes -------------------------------------------------------------------------------------------------


def _check_class(name: str, description: str | None, time_zone: str) -> tuple[str, str | None]:
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise BadClass(f"Give the class a name of 1 to {NAME_MAX} characters.", "name")
    description = (description or "").strip() or None
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise BadClass(f"A description is at most {DESCRIPTION_MAX} characters.", "description")
    if not valid_zone(time_zone):
        raise BadClass(f"“{time_zone}” is not a time zone: choose one from the list.", "time_zone")
    return name, description


def _fresh_code(session: Session) -> str:
    while True:  # a clash is one in hundreds of billions; look anyway
        code = new_join_code(secrets.randbelow)
        if session.scalar(select(Class.id).where(Class.join_code == code)) is None:
            return code


def create_class(
    session: Session, teacher: User, name: str, description: str | None, time_zone: str, now: dt.datetime
) -> Class:
    """Make a class taught by ``teacher`` (a teacher or admin), with a join code that never expires."""
    if teacher.role not in STAFF:
        raise NotALearner("Only teachers make classes.")
    name, description = _check_class(name, description, time_zone)
    klass = Class(
        name=name, description=description, time_zone=time_zone, join_code=_fresh_code(session), created_at=now
    )
    klass.created_by_id = teacher.id
    session.add(klass)
    session.flush()
    session.add(ClassMember(class_id=klass.id, user_id=teacher.id, role=MemberRole.TEACHER, joined_at=now))
    session.flush()
    return klass


def edit_class(
    session: Session, actor: User, klass: Class, name: str, description: str | None, time_zone: str, now: dt.datetime
) -> Class:
    """Change a class's name, description and time zone (its dates keep their moment: they are stored in UTC and
    only shown in the zone); recorded in the audit log with what changed."""
    name, description = _check_class(name, description, time_zone)
    new = {"name": name, "description": description, "time_zone": time_zone}
    changes = {key: [getattr(klass, key), value] for key, value in new.items() if getattr(klass, key) != value}
    old_name = klass.name
    for key, value in new.items():
        setattr(klass, key, value)
    session.flush()
    if changes:
        record_audit(
            session,
            actor=actor,
            action="class.edit",
            now=now,
            summary=f"“{old_name}”" + (f" renamed “{name}”" if "name" in changes else ""),
            details={"class_id": klass.id, "changes": changes},
        )
    return klass


def delete_class(session: Session, actor: User, klass: Class, now: dt.datetime) -> queries.Footprint:
    """Delete a class with its memberships, assignments and extensions. The attempts learners took for its
    assignments are kept as their own attempts (no longer tied to an assignment), so nobody's history loses
    anything. Recorded in the audit log with what went."""
    footprint = queries.class_footprint(session, klass.id)
    assignment_ids = select(Assignment.id).where(Assignment.class_id == klass.id).scalar_subquery()
    session.execute(update(Attempt).where(Attempt.assignment_id.in_(assignment_ids)).values(assignment_id=None))
    session.execute(delete(Extension).where(Extension.assignment_id.in_(assignment_ids)))
    session.execute(delete(Assignment).where(Assignment.class_id == klass.id))
    session.execute(delete(ClassMember).where(ClassMember.class_id == klass.id))
    record_audit(
        session,
        actor=actor,
        action="class.delete",
        now=now,
        summary=f"“{klass.name}”",
        details={"class_id": klass.id, "name": klass.name, **footprint.details()},
    )
    session.delete(klass)
    session.flush()
    return footprint


def set_join_code(session: Session, klass: Class, action: str, valid_days: int | None, now: dt.datetime) -> Class:
    """``rotate``: a new code (the old one stops working), valid for ``valid_days`` (None: until changed);
    ``off``: nobody can join by code until a new one is made."""
    if action == "off":
        klass.join_code, klass.join_code_expires_at = None, None
    elif action == "rotate":
        klass.join_code = _fresh_code(session)
        klass.join_code_expires_at = now + dt.timedelta(days=valid_days) if valid_days else None
    else:
        raise BadClass("Choose to make a new code or to switch joining by code off.", "action")
    session.flush()
    return klass


def class_for_code(session: Session, text: str, now: dt.datetime) -> Class:
    """The class whose join code ``text`` is, if it still lets learners join."""
    code = normalise_join_code(text)
    if code is None:
        raise BadJoinCode(
            "A join code is 8 letters and digits, such as ABCD-EF23 (no 0, 1, I, L or O). Check it and try again.",
            "code",
        )
    klass = session.scalar(select(Class).where(Class.join_code == code))
    if klass is None:
        raise BadJoinCode("No class has this join code. Check it with your teacher: it may have been changed.", "code")
    if klass.join_code_expires_at is not None and now >= klass.join_code_expires_at:
        raise JoinCodeClosed("This join code has expired. Ask your teacher for a new one.", "code")
    return klass


def join_class(session: Session, user: User, text: str, now: dt.datetime) -> Class:
    """Join the class whose code is ``text`` as a learner; joining again after leaving gives the old row back.

    Raises:
        BadJoinCode, JoinCodeClosed: no class has the code, or it has expired.
        NotALearner: a teacher or admin (added as a co-teacher instead), or a learner a teacher removed.
    """
    klass = class_for_code(session, text, now)
    if user.role != Role.LEARNER:
        raise NotALearner("Teachers join a class as co-teachers: ask one of its teachers to add you.", "code")
    found = queries.membership(session, klass.id, user.id)
    if found is None:
        session.add(ClassMember(class_id=klass.id, user_id=user.id, role=MemberRole.LEARNER, joined_at=now))
    elif found.removed_at is not None:
        if found.removed_by_id != user.id:
            raise NotALearner("A teacher removed you from this class: ask them to let you back in.", "code")
        found.removed_at, found.removed_by_id, found.joined_at = None, None, now
    session.flush()
    return klass


def leave_class(session: Session, user: User, class_id: int, now: dt.datetime) -> Class:
    """Leave a class one learns in; one's results stay with the class."""
    found = queries.learns_in(session, class_id, user.id)
    if found is None:
        raise UnknownClass("You are not in this class.")
    found.removed_at, found.removed_by_id = now, user.id
    session.flush()
    return session.get(Class, class_id)  # type: ignore[return-value]


def remove_member(session: Session, actor: User, klass: Class, user_id: int, now: dt.datetime) -> ClassMember:
    """Remove a learner or co-teacher from the class; their results stay with it. Nobody removes themselves
    this way, so a class always keeps the teacher doing it."""
    found = queries.membership(session, klass.id, user_id)
    if found is None or found.removed_at is not None:
        raise NotInClass("That person is not in this class.")
    if user_id == actor.id:
        raise BadClass("You cannot remove yourself from a class you teach.")
    found.removed_at, found.removed_by_id = now, actor.id
    session.flush()
    user = session.get(User, user_id)
    record_audit(
        session,
        actor=actor,
        action="class.remove_learner",
        now=now,
        summary=f"{user.login if user else user_id} removed from “{klass.name}”",
        target_user=user,
        details={"class_id": klass.id, "role": found.role},
    )
    return found


def add_teacher(session: Session, klass: Class, login: str, now: dt.datetime) -> User:
    """Add the teacher or admin whose email address or username is ``login`` as a co-teacher."""
    try:
        name = normalize_login(login)
    except InvalidLogin:
        name = ""
    user = session.scalar(user_by_login(name)) if name else None
    if user is None or user.role not in STAFF:
        raise NotInClass("No teacher or admin account has that email address or username.", "login")
    found = queries.membership(session, klass.id, user.id)
    if found is not None and found.active:
        if found.is_teacher:
            raise Conflict(f"{user.login} already teaches this class.", "login")
        found.role = MemberRole.TEACHER
    elif found is not None:
        found.role, found.removed_at, found.removed_by_id, found.joined_at = MemberRole.TEACHER, None, None, now
    else:
        session.add(ClassMember(class_id=klass.id, user_id=user.id, role=MemberRole.TEACHER, joined_at=now))
    session.flush()
    return user


# --- assignments ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermsInput:
    """What a teacher may change of an assignment once it is set: everything but the quiz it draws."""

    title: str
    opens_at: dt.datetime
    due_at: dt.datetime
    attempts_allowed: int | None
    counting: str = Counting.HIGHEST
    feedback: str = Feedback.AT_ONCE
    late_accepted: bool = False


@dataclass(frozen=True)
class AssignmentInput(TermsInput):
    """What a teacher asks for: the terms, and a bank's quiz (``bank`` and ``quiz``) or a built quiz
    (``banks``, ``tags``, ``count``, ``mode``, ``time_limit_minutes``)."""

    bank: str | None = None
    quiz: str | None = None
    banks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    count: int = 10
    mode: str = AttemptMode.EXAM
    time_limit_minutes: int | None = None


def _quiz_of(session: Session, given: AssignmentInput) -> tuple[str, dict[str, Any], str | None, int | None, str]:
    """(source, quiz, mode, time limit, default title) for what was asked, refusing what cannot be drawn."""
    if given.bank:
        found = next(((b, v) for b, v in current_quizzes(session) if b.slug == given.bank), None)
        data = next((q for q in found[1].quizzes if q.get("id") == given.quiz), None) if found else None
        if data is None:
            raise BadAssignment("Choose one of the banks' quizzes listed.", "quiz")
        quiz = load_quiz(data)
        if feedback_needs_exam(given.feedback, quiz.mode):
            raise BadAssignment(
                f"“{quiz.title}” is a practice quiz, which shows feedback after each answer: choose feedback at once, "
                "or build an exam from its bank.",
                "feedback",
            )
        return AttemptSource.BANK_QUIZ, {"bank": given.bank, "quiz": quiz.id}, None, None, quiz.title
    if given.mode not in tuple(AttemptMode):
        raise BadAssignment("Choose practice or exam mode.", "mode")
    if not 1 <= given.count <= MAX_COUNT:
        raise BadAssignment(f"Choose between 1 and {MAX_COUNT} questions.", "count")
    if given.time_limit_minutes is not None and not 1 <= given.time_limit_minutes <= MAX_TIME_LIMIT_MINUTES:
        raise BadAssignment(f"A time limit is between 1 and {MAX_TIME_LIMIT_MINUTES} minutes.", "time_limit")
    slugs = list(dict.fromkeys(given.banks))
    titles = session.scalars(select(Bank.title).where(Bank.slug.in_(slugs)).order_by(Bank.title)).all()
    if not slugs or len(titles) != len(slugs):
        raise BadAssignment("Choose a bank's quiz, or one or more banks to build a quiz from.", "banks")
    if feedback_needs_exam(given.feedback, given.mode):
        raise BadAssignment(
            "A practice quiz shows feedback after each answer: choose exam mode, or feedback at once.", "feedback"
        )
    quiz = {"banks": slugs, "tags": sorted(set(given.tags)), "count": given.count}
    return AttemptSource.CUSTOM, quiz, given.mode, given.time_limit_minutes, ", ".join(titles)


def create_assignment(
    session: Session, actor: User, klass: Class, given: AssignmentInput, now: dt.datetime
) -> Assignment:
    """Set work to a class.

    Raises:
        BadTerms: the due date is not after the open date, or the attempts allowed are out of range.
        BadAssignment: no such quiz or banks, or a built quiz out of bounds.
    """
    check_terms(given.opens_at, given.due_at, given.attempts_allowed)
    _check_choices(given.counting, given.feedback)
    source, quiz, mode, minutes, default_title = _quiz_of(session, given)
    title = " ".join(given.title.split()) or default_title
    assignment = Assignment(
        class_id=klass.id,
        title=title[:300],
        source=source,
        quiz=quiz,
        mode=mode,
        time_limit_minutes=minutes,
        opens_at=given.opens_at,
        due_at=given.due_at,
        attempts_allowed=given.attempts_allowed,
        counting=given.counting,
        feedback=given.feedback,
        late_accepted=given.late_accepted,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(assignment)
    session.flush()
    return assignment


def _check_choices(counting: str, feedback: str) -> None:
    if counting not in tuple(Counting):
        raise BadTerms("Choose which attempt counts.", "counting")
    if feedback not in tuple(Feedback):
        raise BadTerms("Choose when feedback is shown.", "feedback")


def _mode_of(session: Session, assignment: Assignment) -> str | None:
    """The mode its attempts are taken in: a built quiz's own, or its bank's quiz's (None if that quiz is gone)."""
    if assignment.source != AttemptSource.BANK_QUIZ:
        return assignment.mode or AttemptMode.EXAM
    quiz = assignment.quiz
    found = next(((b, v) for b, v in current_quizzes(session) if b.slug == quiz.get("bank")), None)
    data = next((q for q in found[1].quizzes if q.get("id") == quiz.get("quiz")), None) if found else None
    return load_quiz(data).mode if data is not None else None


def _same_minute(old: dt.datetime, new: dt.datetime) -> dt.datetime:
    """``old`` if ``new`` is it to the minute (as a form shows it), so saving a form untouched changes nothing."""
    return old if old.replace(second=0, microsecond=0) == new else new


def _move_deadlines(session: Session, assignment: Assignment, now: dt.datetime) -> None:
    """Attempts under way (and still open) close by the new due date, or no longer at the due date once late
    work is accepted; one whose time is already up is left to close as it stands."""
    running = select(Attempt).where(Attempt.assignment_id == assignment.id, Attempt.status == AttemptStatus.IN_PROGRESS)
    for attempt in session.scalars(running).all():
        if attempt.is_open(now):
            terms = queries.learner_terms(session, assignment, attempt.user_id)
            attempt.deadline = moved_deadline(terms, attempt.started_at, attempt.time_limit_seconds)
    session.flush()


def edit_assignment(
    session: Session, actor: User, klass: Class, assignment: Assignment, given: TermsInput, now: dt.datetime
) -> Assignment:
    """Change an assignment's title and terms, checked as when it was set; recorded in the audit log with what
    changed. The quiz it draws never changes: attempts already taken are pinned to the questions they were given.

    Raises:
        BadTerms: the due date is not after the open date, attempts out of range, or an unknown choice.
        BadAssignment: feedback held back on a practice quiz, which checks each answer as it is saved.
    """
    check_terms(given.opens_at, given.due_at, given.attempts_allowed)
    _check_choices(given.counting, given.feedback)
    mode = _mode_of(session, assignment)
    if mode is not None and feedback_needs_exam(given.feedback, mode):
        raise BadAssignment(
            "This assignment is a practice quiz, which shows feedback after each answer: choose feedback at once.",
            "feedback",
        )
    new = {
        "title": (" ".join(given.title.split()) or assignment.title)[:300],
        "opens_at": _same_minute(assignment.opens_at, given.opens_at),
        "due_at": _same_minute(assignment.due_at, given.due_at),
        "attempts_allowed": given.attempts_allowed,
        "counting": str(given.counting),
        "feedback": str(given.feedback),
        "late_accepted": given.late_accepted,
    }
    changes = {
        key: [getattr(assignment, key), value] for key, value in new.items() if getattr(assignment, key) != value
    }
    for key, value in new.items():
        setattr(assignment, key, value)
    session.flush()
    if "due_at" in changes or "late_accepted" in changes:
        _move_deadlines(session, assignment, now)
    if changes:
        shown = {k: [v.isoformat() if isinstance(v, dt.datetime) else v for v in pair] for k, pair in changes.items()}
        record_audit(
            session,
            actor=actor,
            action="assignment.edit",
            now=now,
            summary=f"“{assignment.title}” in “{klass.name}”",
            details={"class_id": klass.id, "assignment_id": assignment.id, "changes": shown},
        )
    return assignment


def delete_assignment(
    session: Session, actor: User, klass: Class, assignment: Assignment, now: dt.datetime
) -> queries.Footprint:
    """Delete an assignment and its extensions. Its attempts are kept as the learners' own attempts (no longer
    tied to an assignment): they stay in each learner's history, and leave the class's results. Recorded in the
    audit log with how many attempts it had."""
    footprint = queries.assignment_footprint(session, assignment.id)
    session.execute(update(Attempt).where(Attempt.assignment_id == assignment.id).values(assignment_id=None))
    session.execute(delete(Extension).where(Extension.assignment_id == assignment.id))
    record_audit(
        session,
        actor=actor,
        action="assignment.delete",
        now=now,
        summary=f"“{assignment.title}” in “{klass.name}”",
        details={
            "class_id": klass.id,
            "assignment_id": assignment.id,
            "title": assignment.title,
            **footprint.details(),
        },
    )
    session.delete(assignment)
    session.flush()
    return footprint


def grant_extension(
    session: Session, actor: User, klass: Class, assignment: Assignment, user_id: int, grant: Grant, now: dt.datetime
) -> Extension:
    """Grant (or replace) a learner's extension on an assignment; recorded in the audit log.

    Raises:
        NotInClass: the learner is not (or no longer) in the class.
        BadTerms: a due date not after the assignment's, numbers out of range, or nothing granted.
    """
    if queries.learns_in(session, klass.id, user_id) is None:
        raise NotInClass("That learner is not in this class, so they cannot be given an extension.", "user_id")
    check_grant(queries.terms_of(assignment), grant)
    found = queries.extension_of(session, assignment.id, user_id)
    if found is None:
        found = Extension(assignment_id=assignment.id, user_id=user_id)
        session.add(found)
    found.due_at, found.extra_minutes, found.extra_attempts = grant.due_at, grant.extra_minutes, grant.extra_attempts
    found.excused, found.granted_by_id, found.granted_at = grant.excused, actor.id, now
    session.flush()
    learner = session.get(User, user_id)
    record_audit(
        session,
        actor=actor,
        action="assignment.extension",
        now=now,
        summary=f"{learner.login if learner else user_id}: “{assignment.title}” in “{klass.name}”",
        target_user=learner,
        details={
            "class_id": klass.id,
            "assignment_id": assignment.id,
            "due_at": grant.due_at.isoformat() if grant.due_at else None,
            "extra_minutes": grant.extra_minutes,
            "extra_attempts": grant.extra_attempts,
            "excused": grant.excused,
        },
    )
    return found


def record_export(session: Session, actor: User, klass: Class, table: str, now: dt.datetime) -> None:
    """Note in the audit log that ``actor`` downloaded a class's results."""
    record_audit(
        session,
        actor=actor,
        action="export.csv",
        now=now,
        summary=f"{table} of “{klass.name}”",
        details={"class_id": klass.id, "table": table},
    )


# --- taking an assignment ------------------------------------------------------------------------------------


def start_assignment(session: Session, user: User, assignment: Assignment, now: dt.datetime) -> Attempt:
    """Start (or pick up) ``user``'s attempt at an assignment of a class they are in, within its terms.

    An attempt in progress is given back rather than a new one started. The attempt's deadline is its time
    limit (with extra minutes) or the due date, whichever comes first, unless late work is accepted.

    Raises:
        NotInClass: the learner is not in the class (a removed learner no longer is).
        NotOpenYet, PastDue, NoAttemptsLeft: the terms refuse a new attempt.
        UnknownQuiz, NoQuestions: as :func:`quizapp.operations.quizzes.start_attempt` raises them.
    """
    if queries.learns_in(session, assignment.class_id, user.id) is None:
        raise NotInClass("This assignment is for a class you are not in.")
    found = queries.open_attempt(session, assignment.id, user.id)
    if found is not None and found.is_open(now):
        return found
    if found is not None:  # out of time: graded as it stands before anything else
        finish_attempt(session, found, now)
    terms = queries.learner_terms(session, assignment, user.id)
    klass = session.get(Class, assignment.class_id)
    check_start(terms, queries.attempts_used(session, assignment.id, user.id), now, klass.time_zone if klass else "UTC")
    _minutes, closes_at = attempt_deadline(terms, None, now)
    assigned = Assigned(assignment.id, terms.extra_minutes, closes_at)
    quiz = assignment.quiz
    spec: BankQuiz | CustomQuiz
    if assignment.source == AttemptSource.BANK_QUIZ:
        spec = BankQuiz(quiz["bank"], quiz["quiz"])
    else:
        mode, minutes = assignment.mode or AttemptMode.EXAM, assignment.time_limit_minutes
        spec = CustomQuiz(quiz["banks"], tuple(quiz.get("tags") or ()), quiz["count"], mode, minutes)
    return start_attempt(session, user, spec, now, assigned=assigned)
