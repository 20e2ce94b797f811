"""Assignments: the words for a class member's role, which attempt counts, when feedback is shown and where
a learner stands; and the arithmetic of open and due dates, extensions and attempt limits.

Pure: no Flask, no database. Every datetime is UTC-aware.
"""

from __future__ import annotations

from enum import StrEnum


class MemberRole(StrEnum):
    """What a member of a class is in it."""

    LEARNER = "learner"
    TEACHER = "teacher"


class Counting(StrEnum):
    """Which of a learner's graded attempts at an assignment gives their score."""

    HIGHEST = "highest"
    FIRST = "first"
    LAST = "last"
    AVERAGE = "average"


class Feedback(StrEnum):
    """When a learner sees what they got right and wrong in an assigned attempt."""

    AT_ONCE = "at_once"
    AFTER_DUE = "after_due"
    NEVER = "never"


class Standing(StrEnum):
    """Where a learner stands with one assignment."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    LATE = "late"
    EXCUSED = "excused"


MEMBER_ROLES = tuple(r.value for r in MemberRole)
COUNTINGS = tuple(c.value for c in Counting)
FEEDBACKS = tuple(f.value for f in Feedback)
