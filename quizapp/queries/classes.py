"""Read-only helpers for classes: who is in a class and who teaches it, the work assigned, where each learner
stands (the results grid, a learner's page, a learner's assigned work) and the rows of the CSV exports.

Each page reads a fixed number of statements however many learners and assignments a class has: members,
assignments, extensions and attempts are each read once, and the domain puts them together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from ..domain.accounts import Role, shown_login
from ..domain.assignments import (
    Cell,
    Counting,
    Feedback,
    Grant,
    LearnerTerms,
    MemberRole,
    Standing,
    Taken,
    Terms,
    Totals,
    cell,
    feedback_visible,
    for_learner,
    totals,
)
from ..domain.attempts import AttemptStatus
from ..models import Answer, Assignment, Attempt, Bank, Class, ClassMember, Extension, Question, User
from .cards import timezone_of

# --- who may see what ---------------------------------------------------------------------------------------


def membership(session: Session, class_id: int, user_id: int) -> ClassMember | None:
    """``user_id``'s row in class ``class_id`` (current or ended), if any."""
    return session.scalar(select(ClassMember).where(ClassMember.class_id == class_id, ClassMember.user_id == user_id))


def teaches(session: Session, class_id: int, user_id: int, role: str) -> bool:
    """Whether the user may manage the class and read its results: an admin, or one of its current teachers."""
    if role == Role.ADMIN:
        return True
    found = membership(session, class_id, user_id)
    return found is not None and found.active and found.is_teacher


def learns_in(session: Session, class_id: int, user_id: int) -> ClassMember | None:
    """The user's current learner membership of the class, if they have one (a removed learner has none)."""
    found = membership(session, class_id, user_id)
    return found if found is not None and found.active and not found.is_teacher else None


# --- what deleting would take with it ------------------------------------------------------------------------


@dataclass(frozen=True)
class Footprint:
    """What hangs on a class or an assignment: shown before deleting it and kept in the audit log after."""

    assignments: int
    learners: int
    attempts: int
    learners_with_attempts: int
    extensions: int

    def details(self) -> dict[str, int]:
        return {
            "assignments": self.assignments,
            "learners": self.learners,
            "attempts": self.attempts,
            "learners_with_attempts": self.learners_with_attempts,
            "extensions": self.extensions,
        }


def _footprint(session: Session, assignment_ids: Any, learners: int) -> Footprint:
    attempts, takers = session.execute(
        select(func.count(), func.count(func.distinct(Attempt.user_id))).where(
            Attempt.assignment_id.in_(assignment_ids)
        )
    ).one()
    extensions = session.scalar(select(func.count()).where(Extension.assignment_id.in_(assignment_ids))) or 0
    assignments = session.scalar(select(func.count()).select_from(assignment_ids.subquery())) or 0
    return Footprint(assignments, learners, attempts or 0, takers or 0, extensions)


def class_footprint(session: Session, class_id: int) -> Footprint:
    """A class's assignments, current learners, the attempts taken for its assignments (and by how many
    learners) and its extensions."""
    learners = session.scalar(
        select(func.count()).where(
            ClassMember.class_id == class_id, ClassMember.role == MemberRole.LEARNER, ClassMember.removed_at.is_(None)
        )
    )
    return _footprint(session, select(Assignment.id).where(Assignment.class_id == class_id), learners or 0)


def assignment_footprint(session: Session, assignment_id: int) -> Footprint:
    """The attempts taken for one assignment (and by how many learners) and its extensions."""
    return _footprint(session, select(Assignment.id).where(Assignment.id == assignment_id), 0)


def bank_titles(session: Session, assignment: Assignment) -> dict[str, str]:
    """The titles of the banks an assignment's quiz draws from, by slug (a bank since deleted is left out)."""
    quiz = assignment.quiz
    slugs = list(quiz.get("banks") or ()) or [quiz.get("bank")]
    return {slug: title for slug, title in session.execute(select(Bank.slug, Bank.title).where(Bank.slug.in_(slugs)))}


# --- lists of classes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassSummary:
    klass: Class
    learners: int
    assignments: int


def _counts(class_ids: Sequence[int], session: Session) -> tuple[dict[int, int], dict[int, int]]:
    learners = dict(
        session.execute(
            select(ClassMember.class_id, func.count())
            .where(
                ClassMember.class_id.in_(class_ids),
                ClassMember.role == MemberRole.LEARNER,
                ClassMember.removed_at.is_(None),
            )
            .group_by(ClassMember.class_id)
        ).all()
    )
    assignments = dict(
        session.execute(
            select(Assignment.class_id, func.count())
            .where(Assignment.class_id.in_(class_ids))
            .group_by(Assignment.class_id)
        ).all()
    )
    return learners, assignments


def classes_taught(session: Session, user_id: int, role: str) -> list[ClassSummary]:
    """The classes a teacher teaches now (every class, for an admin), by name, with their counts."""
    statement = select(Class).order_by(Class.name, Class.id)
    if role != Role.ADMIN:
        statement = statement.join(ClassMember).where(
            ClassMember.user_id == user_id, ClassMember.role == MemberRole.TEACHER, ClassMember.removed_at.is_(None)
        )
    classes = session.scalars(statement).all()
    learners, assignments = _counts([c.id for c in classes], session)
    return [ClassSummary(c, learners.get(c.id, 0), assignments.get(c.id, 0)) for c in classes]


def classes_learning(session: Session, user_id: int) -> list[Class]:
    """The classes a learner is in now, by name."""
    return list(
        session.scalars(
            select(Class)
            .join(ClassMember)
            .where(
                ClassMember.user_id == user_id, ClassMember.role == MemberRole.LEARNER, ClassMember.removed_at.is_(None)
            )
            .order_by(Class.name, Class.id)
        )
    )


@dataclass(frozen=True)
class Member:
    user_id: int
    login: str
    role: str
    joined_at: dt.datetime
    removed_at: dt.datetime | None
    left: bool  # ended by themselves rather than removed by a teacher

    @property
    def active(self) -> bool:
        return self.removed_at is None


def members(session: Session, class_id: int) -> list[Member]:
    """Everyone who is or was in the class: teachers first, then learners, each by login."""
    rows = session.execute(
        select(ClassMember, User.email, User.username)
        .join(User, User.id == ClassMember.user_id)
        .where(ClassMember.class_id == class_id)
    ).all()
    found = [
        Member(m.user_id, shown_login(email, username), m.role, m.joined_at, m.removed_at, m.removed_by_id == m.user_id)
        for m, email, username in rows
    ]
    return sorted(found, key=lambda m: (m.role != MemberRole.TEACHER, m.login.casefold(), m.user_id))


def assignments_of(session: Session, class_id: int) -> list[Assignment]:
    """A class's assignments, soonest due first."""
    statement = select(Assignment).where(Assignment.class_id == class_id)
    return list(session.scalars(statement.order_by(Assignment.due_at, Assignment.id)))


def assignment_in(session: Session, class_id: int, assignment_id: int) -> Assignment | None:
    found = session.get(Assignment, assignment_id)
    return found if found is not None and found.class_id == class_id else None


# --- terms ---------------------------------------------------------------------------------------------------


def terms_of(a: Assignment) -> Terms:
    return Terms(a.opens_at, a.due_at, a.attempts_allowed, a.late_accepted, Counting(a.counting), Feedback(a.feedback))


def grant_of(e: Extension | None) -> Grant | None:
    if e is None:
        return None
    return Grant(e.due_at, e.extra_minutes, e.extra_attempts, e.excused)


def extension_of(session: Session, assignment_id: int, user_id: int) -> Extension | None:
    return session.scalar(
        select(Extension).where(Extension.assignment_id == assignment_id, Extension.user_id == user_id)
    )


def learner_terms(session: Session, assignment: Assignment, user_id: int) -> LearnerTerms:
    return for_learner(terms_of(assignment), grant_of(extension_of(session, assignment.id, user_id)))


@dataclass(frozen=True)
class Held:
    """Why an assigned attempt's feedback is not shown yet: the assignment, and when it will be (None: never)."""

    assignment: Assignment
    until: dt.datetime | None


def feedback_held(session: Session, attempt: Attempt, now: dt.datetime) -> Held | None:
    """None when the learner may see the marks and answers of ``attempt`` (always for their own quizzes; for
    an assigned one, as its assignment's feedback policy says, with the learner's own due date); otherwise
    why not."""
    if attempt.assignment_id is None:
        return None
    assignment = session.get(Assignment, attempt.assignment_id)
    if assignment is None:
        return None
    terms = learner_terms(session, assignment, attempt.user_id)
    if feedback_visible(assignment.feedback, terms, now):
        return None
    return Held(assignment, terms.due_at if assignment.feedback == Feedback.AFTER_DUE else None)


def held_attempts(session: Session, attempts: Sequence[Attempt], now: dt.datetime) -> set[int]:
    """The ids of ``attempts`` (one learner's) whose feedback their assignment holds back at ``now``: one
    statement, none when no attempt was assigned."""
    assigned = {a.id: a.assignment_id for a in attempts if a.assignment_id is not None}
    if not assigned:
        return set()
    user_id = attempts[0].user_id
    rows = session.execute(
        select(Assignment, Extension)
        .outerjoin(Extension, and_(Extension.assignment_id == Assignment.id, Extension.user_id == user_id))
        .where(Assignment.id.in_(set(assigned.values())))
    ).all()
    shown = {a.id: feedback_visible(a.feedback, for_learner(terms_of(a), grant_of(e)), now) for a, e in rows}
    return {attempt_id for attempt_id, assignment_id in assigned.items() if not shown.get(assignment_id, True)}


def feedback_shown(session: Session, attempt: Attempt, now: dt.datetime) -> bool:
    return feedback_held(session, attempt, now) is None


def attempts_used(session: Session, assignment_id: int, user_id: int) -> int:
    """Attempts the learner started at the assignment, discarded ones included."""
    return (
        session.scalar(select(func.count()).where(Attempt.assignment_id == assignment_id, Attempt.user_id == user_id))
        or 0
    )


def open_attempt(session: Session, assignment_id: int, user_id: int) -> Attempt | None:
    """The learner's attempt at the assignment still in progress, if any."""
    return session.scalar(
        select(Attempt)
        .where(Attempt.assignment_id == assignment_id, Attempt.user_id == user_id)
        .where(Attempt.status == AttemptStatus.IN_PROGRESS)
        .order_by(Attempt.started_at.desc())
        .limit(1)
    )


# --- the results grid ---------------------------------------------------------------------------------------


def _taken(session: Session, where: Any) -> dict[tuple[int, int], list[Taken]]:
    """Attempts at assignments, by (learner, assignment)."""
    found: dict[tuple[int, int], list[Taken]] = {}
    rows = session.execute(
        select(
            Attempt.user_id,
            Attempt.assignment_id,
            Attempt.id,
            Attempt.status,
            Attempt.started_at,
            Attempt.finished_at,
            Attempt.percent,
        ).where(where)
    )
    for user_id, assignment_id, *taken in rows:
        found.setdefault((user_id, assignment_id), []).append(Taken(*taken))
    return found


def _grants(session: Session, where: Any) -> dict[tuple[int, int], Grant]:
    return {
        (e.user_id, e.assignment_id): grant_of(e)  # type: ignore[misc]
        for e in session.scalars(select(Extension).where(where))
    }


@dataclass(frozen=True)
class GridRow:
    learner: Member
    cells: tuple[Cell, ...]  # one per assignment, in the grid's order
    totals: Totals


@dataclass(frozen=True)
class Grid:
    assignments: list[Assignment]
    rows: list[GridRow]
    column_totals: list[Totals]  # one per assignment
    sort: str
    descending: bool


SORT_KEYS = ("learner", "mean")


def sort_keys(assignments: Sequence[Assignment]) -> tuple[str, ...]:
    """The grid's columns it can be sorted by: the learner, their mean, and each assignment (``a<id>``)."""
    return (*SORT_KEYS, *(f"a{a.id}" for a in assignments))


def grid(
    session: Session,
    class_id: int,
    sort: str = "learner",
    descending: bool = False,
    work: Sequence[Assignment] | None = None,
) -> Grid:
    """Every learner who is or was in the class by its assignments (``work``, if the caller has read them), in
    four statements; sorted by ``sort`` (one of :func:`sort_keys`, which the caller has checked), missing scores
    last either way."""
    work = list(work) if work is not None else assignments_of(session, class_id)
    learners = [m for m in members(session, class_id) if m.role == MemberRole.LEARNER]
    ids = [a.id for a in work]
    taken = _taken(session, Attempt.assignment_id.in_(ids)) if ids else {}
    grants = _grants(session, Extension.assignment_id.in_(ids)) if ids else {}
    terms = [terms_of(a) for a in work]
    rows = []
    for m in learners:
        keys = [(m.user_id, a.id) for a in work]
        cells = tuple(cell(t, grants.get(k), taken.get(k, ())) for k, t in zip(keys, terms, strict=True))
        rows.append(GridRow(m, cells, totals(c.percent for c in cells if c.standing != Standing.EXCUSED)))
    column_totals = [
        totals(r.cells[i].percent for r in rows if r.cells[i].standing != Standing.EXCUSED) for i in range(len(work))
    ]
    return Grid(work, _sorted(rows, work, sort, descending), column_totals, sort, descending)


def _sorted(rows: list[GridRow], work: Sequence[Assignment], sort: str, descending: bool) -> list[GridRow]:
    by_name = sorted(rows, key=lambda r: (r.learner.login.casefold(), r.learner.user_id), reverse=descending)
    if sort == "learner":
        return by_name
    if sort == "mean":
        value = lambda r: r.totals.mean  # noqa: E731
    else:
        index = [f"a{a.id}" for a in work].index(sort)
        value = lambda r: r.cells[index].percent  # noqa: E731
    scored = [r for r in by_name if value(r) is not None]
    unscored = [r for r in by_name if value(r) is None]
    return sorted(scored, key=value, reverse=descending) + unscored


# --- one learner ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerWork:
    """One assignment as one learner sees it."""

    assignment: Assignment
    class_name: str
    terms: LearnerTerms
    cell: Cell
    taken: list[Taken] = field(default_factory=list)

    @property
    def attempts_left(self) -> int | None:
        return self.terms.attempts_left(self.cell.attempts)

    def shows_feedback(self, now: dt.datetime) -> bool:
        """Whether the learner may see their marks at ``now``."""
        return feedback_visible(self.assignment.feedback, self.terms, now)

    def can_start(self, now: dt.datetime) -> bool:
        left = self.attempts_left
        return self.terms.is_open(now) and (left is None or left > 0)


def learner_page(session: Session, class_id: int, user_id: int) -> list[LearnerWork]:
    """One learner's standing with each assignment of a class, with their attempts, soonest due first."""
    work = assignments_of(session, class_id)
    return _work(session, user_id, [(a, "") for a in work])


def _work(session: Session, user_id: int, pairs: Sequence[tuple[Assignment, str]]) -> list[LearnerWork]:
    ids = [a.id for a, _ in pairs]
    if not ids:
        return []
    taken = _taken(session, and_(Attempt.assignment_id.in_(ids), Attempt.user_id == user_id))
    grants = _grants(session, and_(Extension.assignment_id.in_(ids), Extension.user_id == user_id))
    result = []
    for a, name in pairs:
        grant, mine = grants.get((user_id, a.id)), taken.get((user_id, a.id), [])
        terms = terms_of(a)
        found = sorted(mine, key=lambda t: (t.started_at, t.attempt_id))
        result.append(LearnerWork(a, name, for_learner(terms, grant), cell(terms, grant, mine), found))
    return result


def assigned_work(session: Session, user_id: int) -> list[LearnerWork]:
    """The work set to a learner in every class they are in now, soonest due first: three statements."""
    pairs = session.execute(
        select(Assignment, Class.name)
        .join(Class, Class.id == Assignment.class_id)
        .join(ClassMember, ClassMember.class_id == Class.id)
        .where(ClassMember.user_id == user_id, ClassMember.role == MemberRole.LEARNER, ClassMember.removed_at.is_(None))
        .order_by(Assignment.due_at, Assignment.id)
    ).all()
    return _work(session, user_id, [(a, name) for a, name in pairs])


def to_do(work: Sequence[LearnerWork], now: dt.datetime) -> list[LearnerWork]:
    """Assigned work still to do: open now, not submitted, not excused, with an attempt left."""
    waiting = (Standing.NOT_STARTED, Standing.IN_PROGRESS)
    started = Standing.IN_PROGRESS
    return [w for w in work if w.cell.standing in waiting and (w.can_start(now) or w.cell.standing == started)]


# --- reviews and exports ------------------------------------------------------------------------------------


def attempt_in_class(session: Session, class_id: int, attempt_id: int) -> Attempt | None:
    """An attempt taken for one of the class's assignments."""
    found = session.get(Attempt, attempt_id)
    if found is None or found.assignment_id is None:
        return None
    assignment = session.get(Assignment, found.assignment_id)
    return found if assignment is not None and assignment.class_id == class_id else None


def login_of(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    return user.login if user else ""


RESPONSE_COLUMNS = (
    "learner",
    "assignment",
    "attempt",
    "attempt status",
    "bank",
    "question",
    "position",
    "response",
    "points",
    "max points",
    "correct",
    "answered at (UTC)",
    "time spent (s)",
)


def responses(session: Session, class_id: int, assignment_id: int | None = None) -> Iterator[Any]:
    """Every answer given in the class's assigned attempts (of one assignment if given), one row each, by
    assignment, learner, attempt and position: one statement, streamed."""
    statement: Select = (
        select(
            User.email,
            User.username,
            Assignment.title,
            Attempt.id.label("attempt_id"),
            Attempt.status,
            Bank.slug,
            Question.key,
            Answer.position,
            Answer.response,
            Answer.points,
            Answer.max_points,
            Answer.correct,
            Answer.answered_at,
            Answer.time_spent_ms,
        )
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .join(User, User.id == Attempt.user_id)
        .join(Question, Question.id == Answer.question_id)
        .join(Bank, Bank.id == Question.bank_id)
        .where(Assignment.class_id == class_id)
        .order_by(Assignment.due_at, Assignment.id, User.id, Attempt.id, Answer.position)
    )
    if assignment_id is not None:
        statement = statement.where(Assignment.id == assignment_id)
    yield from session.execute(statement.execution_options(yield_per=500))


def zone_of(session: Session, user_id: int) -> str:
    """The time zone a user's times are shown in (their scheduler setting)."""
    return timezone_of(session, user_id)


def extensions_of(session: Session, assignment_id: int) -> list[tuple[Extension, str]]:
    """An assignment's extensions with each learner's login, by login."""
    rows = session.execute(
        select(Extension, User.email, User.username)
        .join(User, User.id == Extension.user_id)
        .where(Extension.assignment_id == assignment_id)
    ).all()
    return sorted(((e, shown_login(em, un)) for e, em, un in rows), key=lambda p: p[1].casefold())
