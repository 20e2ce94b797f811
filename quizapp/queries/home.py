"""The learner's home page: unfinished quizzes, what is left of each deck today, what to do next, and today's
counts, the streak and the 30-day forecast (from :func:`quizapp.queries.stats.home_summary`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..domain.cards import deck_title
from ..domain.home import AssignedWork, DeckToday, NextStep, Situation, Unfinished, next_step
from . import cards as card_queries
from . import classes as class_queries
from . import quizzes as quiz_queries
from . import stats as stats_queries


@dataclass(frozen=True)
class HomePage:
    unfinished: list[Unfinished]  # newest first
    decks: list[DeckToday]  # in the order they were made, as the deck list shows them
    next: NextStep
    summary: stats_queries.HomeSummary  # today's counts, the streak, the forecast
    now: dt.datetime
    assigned: list[AssignedWork]  # work set in the learner's classes still to do, soonest due first
    timezone: str  # the learner's, for the due dates


def home_page(session: Session, user_id: int, now: dt.datetime) -> HomePage:
    """What the home page shows learner ``user_id`` at ``now``: a few statements, plus one per deck."""
    settings = card_queries.settings_of(session, user_id)
    decks = []
    for deck, bank in session.execute(card_queries.decks_query(user_id)):
        counts = card_queries.counts(session, user_id, deck, settings, now)
        decks.append(DeckToday(deck.id, deck_title(bank.title, deck.tags), counts.learning + counts.review, counts.new))
    unfinished = quiz_queries.unfinished(session, user_id)
    # Whether the learner ever took a quiz matters only to tell a newcomer, who has no deck and nothing under way.
    taken = len(unfinished) or (0 if decks else session.scalar(quiz_queries.attempts_started(user_id)) or 0)
    assigned = [
        AssignedWork(w.assignment.class_id, w.assignment.id, w.assignment.title, w.class_name, w.terms.due_at)
        for w in class_queries.to_do(class_queries.assigned_work(session, user_id), now)
    ]
    situation = Situation(unfinished=unfinished, decks=decks, quizzes_taken=taken, now=now, assigned=assigned)
    summary = stats_queries.home_summary(session, user_id, settings, now)
    return HomePage(
        unfinished=unfinished,
        decks=decks,
        next=next_step(situation),
        summary=summary,
        now=now,
        assigned=assigned,
        timezone=settings.timezone,
    )
