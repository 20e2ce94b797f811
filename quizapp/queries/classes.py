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

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from ..domain.accounts import Role, shown_login
from ..domain.assignments import (
    Cell,
    Counting,
    Facts,
    Feedback,
    Grant,
    LearnerTerms,
    MemberRole,
    Standing,
    Taken,
    Terms,
    Totals,
    cell,
    cell_of,
    feedback_visible,
    for_learner,
    totals,
)
from ..domain.attempts import AttemptStatus
from ..domain.refusals import NotFound
from ..models import (
    Answer,
    Assignment,
    AssignmentResult,
    Attempt,
    Bank,
    Class,
    ClassMember,
    Extension,
    Question,
    User,
)
from .cards import timezone_of
from .paging import ListPage, page_of

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
    rows: list[GridRow]  # this page's learners
    column_totals: list[Totals]  # one per assignment, over the whole class
    sort: str
    descending: bool
    page: ListPage[GridRow]  # this page of the class's learners (all of them when the grid is not paged)


SORT_KEYS = ("learner", "mean")
PER_PAGE = 50  # learners a page


class NoSuchPage(NotFound):
    pass


def sort_keys(assignments: Sequence[Assignment]) -> tuple[str, ...]:
    """The grid's columns it can be sorted by: the learner, their mean, and each assignment (``a<id>``)."""
    return (*SORT_KEYS, *(f"a{a.id}" for a in assignments))


_R = AssignmentResult
_FACTS = (
    _R.attempts,
    _R.in_progress,
    _R.graded,
    _R.first_finished_at,
    _R.highest_percent,
    _R.highest_attempt_id,
    _R.first_percent,
    _R.first_attempt_id,
    _R.last_percent,
    _R.last_attempt_id,
    _R.average_percent,
)
_GRANT = (Extension.id, Extension.due_at, Extension.extra_minutes, Extension.extra_attempts, Extension.excused)
_COUNTED = case(
    (Assignment.counting == Counting.FIRST.value, _R.first_percent),
    (Assignment.counting == Counting.LAST.value, _R.last_percent),
    (Assignment.counting == Counting.AVERAGE.value, _R.average_percent),
    else_=_R.highest_percent,
)


def learners_of(session: Session, class_id: int) -> list[Member]:
    """Every learner who is or was in the class, in no order: one statement of plain columns."""
    rows = session.execute(
        select(
            ClassMember.user_id,
            User.email,
            User.username,
            ClassMember.joined_at,
            ClassMember.removed_at,
            ClassMember.removed_by_id,
        )
        .join(User, User.id == ClassMember.user_id)
        .where(ClassMember.class_id == class_id, ClassMember.role == MemberRole.LEARNER.value)
    )
    return [
        Member(user_id, shown_login(email, username), MemberRole.LEARNER, joined, removed, removed_by == user_id)
        for user_id, email, username, joined, removed, removed_by in rows
    ]


def grid(
    session: Session,
    class_id: int,
    sort: str = "learner",
    descending: bool = False,
    work: Sequence[Assignment] | None = None,
    page: int = 1,
    per_page: int | None = PER_PAGE,
) -> Grid:
    """Page ``page`` of the class's learners (everyone who is or was a learner in it; all of them when
    ``per_page`` is None) by its assignments (``work``, if the caller has read them), sorted by ``sort`` (one of
    :func:`sort_keys`, which the caller has checked) across the whole class, missing scores last either way.

    Read from the results summary (:class:`quizapp.models.AssignmentResult`) in three statements however big
    the class: its learners; the score that counts of every learner and assignment, and whether they are excused
    (for the order, the learners' means and the column totals, which cover the whole class); and the summary
    rows and extensions of this page's learners, which the terms and extensions turn into cells here.

    Raises:
        NoSuchPage: ``page`` is past the last page (page 1 of an empty class is an empty page).
    """
    work = list(work) if work is not None else assignments_of(session, class_id)
    learners = learners_of(session, class_id)
    ids = [a.id for a in work]
    column = {a_id: i for i, a_id in enumerate(ids)}
    scores: dict[int, list[tuple[int, float | None]]] = {}
    excused: set[tuple[int, int]] = set()
    if ids:
        for user_id, assignment_id, percent, is_excused in session.execute(
            select(_R.user_id, _R.assignment_id, _COUNTED, Extension.excused)
            .join(Assignment, Assignment.id == _R.assignment_id)
            .outerjoin(Extension, and_(Extension.assignment_id == _R.assignment_id, Extension.user_id == _R.user_id))
            .where(_R.assignment_id.in_(ids), _R.graded > 0)
        ):
            scores.setdefault(user_id, []).append((column[assignment_id], percent))
            if is_excused:
                excused.add((user_id, assignment_id))

    def counted(user_id: int) -> list[tuple[int, float | None]]:  # the scores that count in means
        return [(i, p) for i, p in scores.get(user_id, ()) if (user_id, ids[i]) not in excused]

    means = {m.user_id: totals(p for _i, p in counted(m.user_id)).mean for m in learners}
    by_column: list[list[float | None]] = [[] for _ in ids]
    for m in learners:
        for i, p in counted(m.user_id):
            by_column[i].append(p)
    ordered = _sorted(learners, column, scores, means, sort, descending)
    listed = page_of(ordered, page, per_page or max(1, len(ordered)))
    if listed is None:
        pages = -(-len(ordered) // (per_page or 1))
        raise NoSuchPage(f"There is no page {page} of this grid: it has {pages} page{'s' if pages != 1 else ''}.")
    rows = _rows(session, class_id, work, listed.items)
    return Grid(
        work,
        rows,
        [totals(values) for values in by_column],
        sort,
        descending,
        ListPage(tuple(rows), listed.page, listed.per_page, listed.total),
    )


def _sorted(
    learners: list[Member],
    column: dict[int, int],
    scores: dict[int, list[tuple[int, float | None]]],
    means: dict[int, float | None],
    sort: str,
    descending: bool,
) -> list[Member]:
    by_name = sorted(learners, key=lambda m: (m.login.casefold(), m.user_id), reverse=descending)
    if sort == "learner":
        return by_name
    if sort == "mean":
        value = means.get
    else:
        index = column[int(sort[1:])]

        def value(user_id: int) -> float | None:
            return next((p for i, p in scores.get(user_id, ()) if i == index), None)

    scored = [(m, v) for m in by_name if (v := value(m.user_id)) is not None]
    unscored = [m for m in by_name if value(m.user_id) is None]
    return [m for m, _v in sorted(scored, key=lambda p: p[1], reverse=descending)] + unscored


def _rows(session: Session, class_id: int, work: Sequence[Assignment], learners: Sequence[Member]) -> list[GridRow]:
    """The cells of ``learners``: their summary rows and extensions read in one statement (a row per cell, empty
    where they have neither), the terms and extensions applied."""
    if not work or not learners:
        return [GridRow(m, (), totals(())) for m in learners]
    facts: dict[tuple[int, int], Facts] = {}
    grants: dict[tuple[int, int], Grant] = {}
    for user_id, assignment_id, *row, extension_id, due_at, minutes, attempts, excused in session.execute(
        select(ClassMember.user_id, Assignment.id, *_FACTS, *_GRANT)
        .select_from(Assignment)
        .join(ClassMember, ClassMember.class_id == Assignment.class_id)
        .outerjoin(_R, and_(_R.assignment_id == Assignment.id, _R.user_id == ClassMember.user_id))
        .outerjoin(Extension, and_(Extension.assignment_id == Assignment.id, Extension.user_id == ClassMember.user_id))
        .where(
            Assignment.id.in_([a.id for a in work]),
            ClassMember.class_id == class_id,
            ClassMember.user_id.in_([m.user_id for m in learners]),
        )
    ):
        if row[0] is not None:
            facts[(user_id, assignment_id)] = Facts(*row)
        if extension_id is not None:
            grants[(user_id, assignment_id)] = Grant(due_at, minutes, attempts, excused)
    terms = [(a.id, terms_of(a)) for a in work]
    rows = []
    for m in learners:
        cells = tuple(cell_of(t, grants.get((m.user_id, a_id)), facts.get((m.user_id, a_id))) for a_id, t in terms)
        rows.append(GridRow(m, cells, totals(c.percent for c in cells if c.standing != Standing.EXCUSED)))
    return rows


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
