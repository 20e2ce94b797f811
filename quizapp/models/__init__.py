"""Database tables, one module per part of the app; everything is importable from here.

``base`` has the UTC timestamp column type and helpers; ``banks`` the question banks, their versions,
questions and question revisions; ``accounts`` users, login throttling, registration limits and
password-reset links; ``audit`` the log of privileged actions; ``cards`` flashcards, decks, card states,
reviews and scheduler settings; ``quizzes`` attempts and answers; ``imports`` uploads waiting to be
published and background jobs; ``stats`` the summaries that statistics are read from; ``classes`` classes,
their members, assignments, extensions and each learner's results at each assignment; ``itemanalysis``
closed attempts' marks and stored item analyses; ``media`` the banks' images, stored once by content.
"""

from .accounts import LoginFailure, PasswordResetLink, RegistrationAttempt, User
from .audit import AuditEntry
from .banks import Bank, BankVersion, Question, QuestionRevision
from .base import UTCDateTime, new_session_token, utcnow
from .cards import NEW, REVIEW_SOURCES, Card, CardState, CardTag, Deck, Review, SchedulerSettings
from .classes import ASSIGNMENT_SOURCES, Assignment, AssignmentResult, Class, ClassMember, Extension
from .imports import Job, StagedImport
from .itemanalysis import AttemptMarks, StoredAnalysis
from .media import BankVersionMedia, MediaFile
from .quizzes import ATTEMPT_MODES, ATTEMPT_SOURCES, ATTEMPT_STATUSES, Answer, Attempt
from .stats import ActivityDay, ActivityTotal, AttemptPart

UTCDateTime.__module__ = __name__  # migrations name the type quizapp.models.UTCDateTime

__all__ = [
    "ASSIGNMENT_SOURCES",
    "ATTEMPT_MODES",
    "ATTEMPT_SOURCES",
    "ATTEMPT_STATUSES",
    "NEW",
    "REVIEW_SOURCES",
    "ActivityDay",
    "ActivityTotal",
    "Answer",
    "Assignment",
    "AssignmentResult",
    "Attempt",
    "AttemptMarks",
    "AttemptPart",
    "AuditEntry",
    "Bank",
    "BankVersion",
    "BankVersionMedia",
    "Card",
    "CardState",
    "CardTag",
    "Class",
    "ClassMember",
    "Deck",
    "Extension",
    "Job",
    "LoginFailure",
    "MediaFile",
    "PasswordResetLink",
    "Question",
    "QuestionRevision",
    "RegistrationAttempt",
    "Review",
    "SchedulerSettings",
    "StagedImport",
    "StoredAnalysis",
    "UTCDateTime",
    "User",
    "new_session_token",
    "utcnow",
]
