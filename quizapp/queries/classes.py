"""Read-only helpers for classes: who is in a class and who teaches it, the work assigned, where each learner
stands (the results grid, a learner's page, a learner's assigned work) and the rows of the CSV exports.

Each page reads a fixed number of statements however many learners and assignments a class has: members,
assignments, extensions and attempts are each read once, and the domain puts them together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from sqlalchemy import Select, String, and_, cast, func, null, select, type_coerce, union_all
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
from ..kept import Kept
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
    rows: list[GridRow]  # this page's learners
    column_totals: list[Totals]  # one per assignment, over the whole class
    sort: str
    descending: bool
    page: ListPage[GridRow]  # this page of the class's learners (all of them when the grid is not paged)
    key: tuple[Any, ...] = ()  # what the page was worked out from: the same key, the same page


SORT_KEYS = ("learner", "mean")
PER_PAGE = 50  # learners a page


class NoSuchPage(NotFound):
    pass


def sort_keys(assignments: Sequence[Assignment]) -> tuple[str, ...]:
    """The grid's columns it can be sorted by: the learner, their mean, and each assignment (``a<id>``)."""
    return (*SORT_KEYS, *(f"a{a.id}" for a in assignments))


# The grid's statements name the tables' columns rather than the models' attributes: a statement of plain columns
# is run as it is, while one naming mapped attributes goes through the ORM's loading, which cost a third of the
# page for its 7,000 rows.
_results, _assignments, _extensions, _members, _users = (
    m.__table__ for m in (AssignmentResult, Assignment, Extension, ClassMember, User)
)
_R, _A, _E, _M, _U = (t.c for t in (_results, _assignments, _extensions, _members, _users))
_FACTS = tuple(_R[name] for name in Facts._fields)
_GRANT = (_E.id, _E.due_at, _E.extra_minutes, _E.extra_attempts, _E.excused)
# An extension as text, every value of it: what the grid shows depends on its due date and whether it excuses.
_EXTENSION = reduce(
    lambda a, b: a + "|" + b,
    [
        *(cast(c, String) for c in (_E.id, _E.user_id, _E.assignment_id, _E.extra_minutes, _E.extra_attempts)),
        cast(_E.excused, String),
        func.coalesce(cast(_E.due_at, String), ""),
    ],
)


def learners_of(session: Session, class_id: int) -> list[Member]:
    """Every learner who is or was in the class, in no order: one statement of plain columns."""
    return _learners(session, class_id, [])[0]


def _learners(session: Session, class_id: int, ids: Sequence[int]) -> tuple[list[Member], dict[int, tuple[Any, ...]]]:
    """The class's learners, and what tells whether the results of each of the assignments ``ids`` changed
    (by assignment): the sum of its summary rows' stamps (a row written, added or deleted changes it, but for a
    chance of one in 2**40), and its extensions, every value of each. One statement: the two are subqueries
    that the database works out once, not per learner, each as one text (a class has few assignments and few
    extensions), the first from an index alone."""
    marks: list[Any] = []
    if ids:
        granted = _E.assignment_id.in_(ids)
        sums = (  # each assignment's stamps summed, then "assignment:sum" joined in one text
            select(_R.assignment_id.label("assignment_id"), func.sum(_R.stamp).label("stamps"))
            .where(_R.assignment_id.in_(ids))
            .group_by(_R.assignment_id)
            .subquery()
        )
        pair = cast(sums.c.assignment_id, String) + ":" + cast(sums.c.stamps, String)
        marks = [
            select(func.aggregate_strings(pair, ";")).scalar_subquery(),
            select(func.aggregate_strings(_EXTENSION, ";")).where(granted).scalar_subquery(),
        ]
    rows = session.execute(
        select(_M.user_id, _U.email, _U.username, _M.joined_at, _M.removed_at, _M.removed_by_id, *marks)
        .join(_users, _U.id == _M.user_id)
        .where(_M.class_id == class_id, _M.role == MemberRole.LEARNER.value)
    ).all()
    learners = [
        Member(user_id, shown_login(email, username), MemberRole.LEARNER, joined, removed, removed_by == user_id)
        for user_id, email, username, joined, removed, removed_by, *_ in rows
    ]
    return learners, _marks(ids, *rows[0][6:]) if rows and ids else {}


def _marks(ids: Sequence[int], stamps: str | None, extensions: str | None) -> dict[int, tuple[Any, ...]]:
    """Each assignment's marks from the two texts: its stamps' sum, and its extensions in a set order (the
    database joins them in any)."""
    sums = dict(piece.split(":") for piece in (stamps or "").split(";") if piece)
    granted: dict[str, list[str]] = {}
    for piece in (extensions or "").split(";"):
        if piece:
            granted.setdefault(piece.split("|")[2], []).append(piece)
    return {i: (sums.get(str(i), "0"), tuple(sorted(granted.get(str(i), ())))) for i in ids}


# Where each way of counting finds its score among the facts (as :meth:`Facts.counted` does).
_SCORES = {c: Facts._fields.index(f"{c.value}_percent") for c in Counting}


@dataclass(eq=False)
class _Column:
    """One assignment's results for every learner with a summary row or an extension for it: the facts and
    the extensions, the score that counts with whether it is excused (for the order, the means and the class
    row), and the cells and class totals worked out from them as they are asked for. Kept, never compared: it
    is equal only to itself."""

    terms: Terms
    facts: dict[int, Facts]
    grants: dict[int, Grant]
    counted: dict[int, tuple[float | None, bool]] = field(default_factory=dict)  # learners with graded attempts
    cells: dict[int, Cell] = field(default_factory=dict)
    totals: dict[bytes, Totals] = field(default_factory=dict)  # by the learners' digest

    def __post_init__(self) -> None:
        score = _SCORES.get(self.terms.counting, _SCORES[Counting.HIGHEST])  # where the score that counts is
        excused = {u for u, g in self.grants.items() if g.excused}
        self.counted = {u: (f[score], u in excused) for u, f in self.facts.items() if f.graded > 0}

    def cell(self, user_id: int) -> Cell:
        found = self.cells.get(user_id)
        if found is None:
            found = self.cells[user_id] = cell_of(self.terms, self.grants.get(user_id), self.facts.get(user_id))
        return found

    def totals_of(self, digest: bytes, learner_ids: Sequence[int]) -> Totals:
        """The class row's cell: the scores that count of the learners ``learner_ids``, excused ones left out."""
        found = self.totals.get(digest)
        if found is None:
            counted = self.counted
            scores = [
                p for u in learner_ids if (c := counted.get(u)) is not None and (p := c[0]) is not None and not c[1]
            ]
            found = self.totals[digest] = totals(scores)
        return found


# What each worker keeps of the grids it worked out: each assignment's column, keyed by that assignment's terms
# and marks, so that a change to one assignment's results (an attempt started or closed, an extension) reads
# that column again and no other; the order of a class's learners with the class row, and pages of cells, keyed
# by everything they were worked out from (the assignments' titles and terms, the learners, every assignment's
# marks), put together again from the columns as soon as any of it changes.
_COLUMNS: Kept[tuple[Any, ...], _Column] = Kept(1024)
_ORDERS: Kept[tuple[Any, ...], tuple[tuple[Member, ...], tuple[Totals, ...]]] = Kept(32)
_PAGES: Kept[tuple[Any, ...], tuple[GridRow, ...]] = Kept(64)
# A learner's row, by the learner and their cells (as themselves: a column read again keeps the cells of the
# learners whose results did not change), and each assignment's latest column, for the cells it passes on.
_ROWS: Kept[tuple[Member, tuple[int, ...]], GridRow] = Kept(4096)
_LATEST: Kept[int, _Column] = Kept(1024)


def forget_grids() -> None:
    """Drop every grid this worker keeps (the benchmarks' "worked out afresh")."""
    _COLUMNS.clear()
    _ORDERS.clear()
    _PAGES.clear()
    _ROWS.clear()
    _LATEST.clear()


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

    Read from the results summary (:class:`quizapp.models.AssignmentResult`): the learners, with what tells
    whether each assignment's results changed, in one statement; then, unless this worker keeps the order and
    the page from before with nothing changed since, the summary rows and extensions of the assignments whose
    results changed since this worker last read them (all of them, the first time) in one more statement, from
    which, with the columns it kept, the order, the learners' means, the class row and this page's cells are
    put together here.

    Raises:
        NoSuchPage: ``page`` is past the last page (page 1 of an empty class is an empty page).
    """
    work = list(work) if work is not None else assignments_of(session, class_id)
    learners, marks = _learners(session, class_id, [a.id for a in work])
    terms = tuple((a.id, a.title, terms_of(a)) for a in work)
    digest = _digest(learners)
    base = (class_id, sort, descending, terms, digest, tuple(marks.get(a.id) for a in work))
    found: list[_Column] = []

    def columns() -> list[_Column]:
        if not found and work and learners:
            found.extend(_columns(session, work, marks))
        return found

    standing = _ORDERS.get(base)
    if standing is None:
        standing = _standings(columns(), work, learners, digest, sort, descending)
        _ORDERS.put(base, standing)
    ordered, column_totals = standing
    listed = page_of(ordered, page, per_page or max(1, len(ordered)))
    if listed is None:
        pages = -(-len(ordered) // (per_page or 1))
        raise NoSuchPage(f"There is no page {page} of this grid: it has {pages} page{'s' if pages != 1 else ''}.")
    key = (*base, listed.page, per_page)
    rows = _PAGES.get(key)
    if rows is None:
        rows = tuple(_rows(columns(), work, listed.items))
        _PAGES.put(key, rows)
    page_rows = ListPage(rows, listed.page, listed.per_page, listed.total)
    return Grid(work, list(rows), list(column_totals), sort, descending, page_rows, key)


def _digest(learners: Sequence[Member]) -> bytes:
    """What the grid shows of the learners, in a short key: a key of hundreds of them would be hashed and
    compared at each look-up."""
    shown = "\n".join(f"{m.user_id}\t{m.login}\t{m.active:d}\t{m.left:d}" for m in learners)
    return hashlib.blake2b(shown.encode(), digest_size=20).digest()


def _columns(session: Session, work: Sequence[Assignment], marks: dict[int, tuple[Any, ...]]) -> list[_Column]:
    """Each assignment's column: the kept one while its terms and marks are the same, the others read again in
    one statement (the summary rows and the extensions of those assignments, one after the other)."""
    keys = [(a.id, terms_of(a), marks.get(a.id)) for a in work]
    kept = {k[0]: c for k in keys if (c := _COLUMNS.get(k)) is not None}
    missing = [k for k in keys if k[0] not in kept]
    if missing:
        ids = [k[0] for k in missing]
        facts: dict[int, dict[int, Facts]] = {i: {} for i in ids}
        grants: dict[int, dict[int, Grant]] = {i: {} for i in ids}
        # The statement's columns take their types from its first part: the extensions' there are typed nulls.
        statement = union_all(
            select(_R.assignment_id, _R.user_id, *_FACTS, *(type_coerce(null(), c.type) for c in _GRANT)).where(
                _R.assignment_id.in_(ids)
            ),
            select(_E.assignment_id, _E.user_id, *(null() for _ in _FACTS), *_GRANT).where(_E.assignment_id.in_(ids)),
        )
        ends = 2 + len(_FACTS)  # where the facts end and the extension begins
        for row in session.execute(statement):
            if row[ends] is not None:
                grants[row[0]][row[1]] = Grant(*row[ends + 1 :])
            else:
                facts[row[0]][row[1]] = Facts._make(row[2:ends])
        for k in missing:
            kept[k[0]] = column = _Column(k[1], facts[k[0]], grants[k[0]])
            before = _LATEST.get(k[0])
            if before is not None and before.terms == column.terms:  # the cells of learners whose results stayed
                for user_id, found in before.cells.items():
                    mine = column.facts.get(user_id), column.grants.get(user_id)
                    if mine == (before.facts.get(user_id), before.grants.get(user_id)):
                        column.cells[user_id] = found
            _COLUMNS.put(k, column)
            _LATEST.put(k[0], column)
    return [kept[a.id] for a in work]


def _standings(
    columns: Sequence[_Column],
    work: Sequence[Assignment],
    learners: Sequence[Member],
    digest: bytes,
    sort: str,
    descending: bool,
) -> tuple[tuple[Member, ...], tuple[Totals, ...]]:
    """The learners in the grid's order and the class row, from every assignment's column."""
    if not work or not learners:
        return tuple(_sorted(list(learners), {}, True, descending)), tuple(totals(()) for _ in work)
    learner_ids = [m.user_id for m in learners]
    sort_values: dict[int, float | None] = {}
    if sort == "mean":  # the mean of :func:`totals`, to the last bit
        by_learner: dict[int, list[float]] = {u: [] for u in learner_ids}
        for column in columns:
            for user_id, (percent, excused) in column.counted.items():
                if percent is not None and not excused and (mine := by_learner.get(user_id)) is not None:
                    mine.append(percent)
        sort_values = {u: math.fsum(v) / len(v) for u, v in by_learner.items() if v}
    elif sort not in SORT_KEYS:  # a cell's score sorts its column, excused or not
        sorted_by = [a.id for a in work].index(int(sort[1:]))
        sort_values = {u: percent for u, (percent, _excused) in columns[sorted_by].counted.items()}
    ordered = _sorted(list(learners), sort_values, sort == "learner", descending)
    return tuple(ordered), tuple(c.totals_of(digest, learner_ids) for c in columns)


def _sorted(learners: list[Member], values: dict[int, float | None], by_name: bool, descending: bool) -> list[Member]:
    """By login, or by ``values`` with the learners without one last, by login among equals."""
    named = sorted(learners, key=lambda m: (m.login.casefold(), m.user_id), reverse=descending)
    if by_name:
        return named
    scored = [(m, v) for m in named if (v := values.get(m.user_id)) is not None]
    unscored = [m for m in named if values.get(m.user_id) is None]
    return [m for m, _v in sorted(scored, key=lambda p: p[1], reverse=descending)] + unscored


def _rows(columns: Sequence[_Column], work: Sequence[Assignment], learners: Sequence[Member]) -> list[GridRow]:
    """The rows of ``learners``: each one's cells, from the columns (worked out there once for each learner),
    and their mean; a row is kept while its learner and columns are the same, so that after a change to one
    assignment's results the other rows are the same rows (and the table's HTML for them is kept too)."""
    if not work or not learners:
        return [GridRow(m, (), totals(())) for m in learners]
    rows = []
    for m in learners:
        cells = tuple(c.cell(m.user_id) for c in columns)
        key = (m, tuple(map(id, cells)))
        row = _ROWS.get(key)  # the very cells (the row holds them, so no other cell has their ids meanwhile)
        if row is None or any(a is not b for a, b in zip(row.cells, cells, strict=True)):
            row = GridRow(m, cells, totals(c.percent for c in cells if c.standing != Standing.EXCUSED))
            _ROWS.put(key, row)
        rows.append(row)
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
