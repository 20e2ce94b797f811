"""Database tables, one module per part of the app; everything is importable from here.

``base`` has the UTC timestamp column type and helpers; ``banks`` the question banks, their versions,
questions and question revisions; ``accounts`` users and login throttling; ``cards`` flashcards, decks,
card states, reviews and scheduler settings; ``quizzes`` attempts and answers; ``imports`` uploads waiting to
be published and background jobs; ``stats`` the summaries that statistics are read from.
"""

from .accounts import LoginFailure, User
from .banks import Bank, BankVersion, Question, QuestionRevision
from .base import UTCDateTime, new_session_token, utcnow
from .cards import NEW, REVIEW_SOURCES, Card, CardState, CardTag, Deck, Review, SchedulerSettings
from .imports import Job, StagedImport
from .quizzes import ATTEMPT_MODES, ATTEMPT_SOURCES, ATTEMPT_STATUSES, Answer, Attempt
from .stats import ActivityDay, ActivityTotal, AttemptPart

UTCDateTime.__module__ = __name__  # migrations name the type quizapp.models.UTCDateTime

__all__ = [
    "ATTEMPT_MODES",
    "ATTEMPT_SOURCES",
    "ATTEMPT_STATUSES",
    "NEW",
    "REVIEW_SOURCES",
    "ActivityDay",
    "ActivityTotal",
    "Answer",
    "Attempt",
    "AttemptPart",
    "Bank",
    "BankVersion",
    "Card",
    "CardState",
    "CardTag",
    "Deck",
    "Job",
    "LoginFailure",
    "Question",
    "QuestionRevision",
    "Review",
    "SchedulerSettings",
    "StagedImport",
    "UTCDateTime",
    "User",
    "new_session_token",
    "utcnow",
]
