"""Database tables, one module per part of the app; everything is importable from here.

``base`` has the UTC timestamp column type and helpers; ``banks`` the question banks, their versions,
questions and question revisions; ``accounts`` users and login throttling; ``cards`` flashcards, decks,
card states, reviews and scheduler settings; ``quizzes`` attempts and answers; ``stats`` the summaries that
statistics are read from; ``media`` the banks' images, stored once by content.
"""

from .accounts import LoginFailure, User
from .banks import Bank, BankVersion, Question, QuestionRevision
from .base import UTCDateTime, new_session_token, utcnow
from .cards import NEW, REVIEW_SOURCES, Card, CardState, CardTag, Deck, Review, SchedulerSettings
from .media import BankVersionMedia, MediaFile
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
    "BankVersionMedia",
    "Card",
    "CardState",
    "CardTag",
    "Deck",
    "LoginFailure",
    "MediaFile",
    "Question",
    "QuestionRevision",
    "Review",
    "SchedulerSettings",
    "UTCDateTime",
    "User",
    "new_session_token",
    "utcnow",
]
