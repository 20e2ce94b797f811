"""Flashcards for learners: decks, studying (front, answer, grade, undo) and the scheduler settings.

Every page works without JavaScript: revealing an answer is a GET link that changes nothing, grading and
undoing are POST forms answered with a redirect. ``static/cards.js`` adds keys and swaps the card in place,
asking for the same pages with ``fragment=1`` (just the card's part of the page).
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import acting_user, owned_or_404, require_role
from ..domain import cards, retention, scheduling
from ..domain.cards import faces
from ..domain.formats.apkg import write_learner_apkg
from ..domain.ids import MAX_ID, parse_id
from ..domain.refusals import Refused
from ..domain.revlog import write_revlog
from ..extensions import db
from ..models import Bank, Card, CardState, Deck, Review, SchedulerSettings, utcnow
from ..operations import cards as card_ops
from ..queries import banks as bank_queries
from ..queries import cards as card_queries
from ..queries import history as history_queries
from ..queries.media import bank_media
from .forms import (
    ChooseRetentionForm,
    DeleteForm,
    GradeForm,
    NewDeckForm,
    RetentionAssumptionsForm,
    SettingsForm,
    UndoForm,
)
from .panels import retention_charts

bp = Blueprint("cards", __name__)
require_role(bp)  # every learner, teacher and admin studies; visitors log in first


def _me():
    return acting_user()


def _settings() -> scheduling.Settings:
    return card_queries.settings_of(db.session, current_user.id)


@bp.get("/decks")
def decks():
    """List the learner's decks with what is left today, and the banks a deck can be made from."""
    settings, now = _settings(), utcnow()
    rows = [
        (deck, bank, card_queries.counts(db.session, current_user.id, deck, settings, now))
        for deck, bank in db.session.execute(card_queries.decks_query(current_user.id))
    ]
    return render_template("cards/decks.html", rows=rows, banks=db.session.scalars(bank_queries.banks()).all())


@bp.route("/decks/new", methods=["GET", "POST"])
def new_deck():
    """Choose a bank, and optionally some of its tags, to study."""
    form = NewDeckForm(bank=request.args.get("bank", ""))
    bank = db.session.scalars(bank_queries.bank_by_slug(form.bank.data or "")).first()
    form.tags.choices = card_queries.bank_tags(db.session, bank.id) if bank else []
    if form.validate_on_submit() and bank is not None:
        deck = card_ops.create_deck(db.session, _me(), bank.id, form.tags.data or [], utcnow())
        db.session.commit()
        return redirect(url_for(".deck", deck_id=deck.id), 303)
    if request.method == "POST" and bank is None:
        form.bank.errors = ["Choose a bank to make a deck from."]
    banks = db.session.scalars(bank_queries.banks()).all()
    status = 422 if request.method == "POST" else 200
    return render_template("cards/new_deck.html", form=form, bank=bank, banks=banks), status


@bp.get("/decks/<int:deck_id>")
def deck(deck_id: int):
    """Show a deck: how many cards are new, learning and due today."""
    deck = owned_or_404(Deck, deck_id)
    counts = card_queries.counts(db.session, current_user.id, deck, _settings(), utcnow())
    return render_template("cards/deck.html", deck=deck, counts=counts, form=DeleteForm())


@bp.get("/decks/<int:deck_id>/anki")
def deck_for_anki(deck_id: int):
    """Download the deck as an Anki package: the learner's cards, their scheduling and review history."""
    deck = owned_or_404(Deck, deck_id)
    title = deck_title(deck)
    package = write_learner_apkg(
        title,
        deck.bank.slug,
        str(deck.id),
        card_queries.study_cards(db.session, current_user.id, deck),
        bank_media(db.session, deck.bank),
        utcnow(),
        retention=_settings().desired_retention,
    )
    name = "-".join([deck.bank.slug, *deck.tags]) + ".apkg"  # slugs: safe in a header
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"}
    return Response(package, mimetype="application/octet-stream", headers=headers)


def _study_page(deck: Deck, *, card_id: int | None = None, error: str | None = None, status: int = 200):
    """The front of the card to study now (or of ``card_id``), or the end of today's session."""
    settings, now = _settings(), utcnow()
    nxt = card_queries.next_card(db.session, current_user.id, deck, settings, now)
    card, state = nxt.card, nxt.state
    chosen = card_queries.card_in_deck(db.session, deck, card_id) if card_id else None
    if chosen is not None:
        card, state = chosen, card_queries.card_state(db.session, current_user.id, chosen.id)
    later = nxt.counts.later
    context = {
        "deck": deck,
        "card": card,
        "state": state,
        "counts": nxt.counts,
        "faces": faces(card.question.content, card.gap) if card else None,
        "shown": int(now.timestamp() * 1000),
        "later_minutes": max(1, round((later - now).total_seconds() / 60)) if later else None,
        "error": error,
        **_undo_context(deck),
    }
    return _render("cards/_front.html", context, status)


def _undo_context(deck: Deck) -> dict:
    return {"last": card_queries.last_study_review(db.session, current_user.id, deck)}


def _version(value: str) -> int:
    """A card's version from the query string, 0 to MAX_ID (a number past it is as good as none)."""
    number = int(value) if len(value) <= len(str(MAX_ID)) else -1
    if not 0 <= number <= MAX_ID:
        raise ValueError(value)
    return number


def _epoch_ms(value: str) -> int:
    """A moment in epoch milliseconds from the query string (13 digits until the year 2286)."""
    if not (value.isascii() and value.isdigit() and len(value) <= 15):
        raise ValueError(value)
    return int(value)


def _fragment() -> str | None:
    """``1`` when cards.js asked for the card's part only; anything else is dropped, not echoed."""
    return "1" if request.form.get("fragment") == "1" else None


def _render(partial: str, context: dict, status: int = 200):
    """The whole study page, or only the card's part of it for cards.js (``fragment=1``)."""
    if request.values.get("fragment") == "1":
        return render_template(partial, **context), status
    return render_template("cards/study.html", partial=partial, **context), status


@bp.get("/study/<int:deck_id>")
def study(deck_id: int):
    """Show the front of the next card."""
    card_id = request.args.get("card", type=parse_id)
    return _study_page(owned_or_404(Deck, deck_id), card_id=card_id)


@bp.get("/study/<int:deck_id>/answer")
def answer(deck_id: int):
    """Show a card's answer and the grade buttons, each with the interval it would give. Changes nothing."""
    deck = owned_or_404(Deck, deck_id)
    card_id = request.args.get("card", type=parse_id)
    if card_id is None:
        return redirect(url_for(".study", deck_id=deck.id))
    card = card_queries.card_in_deck(db.session, deck, card_id) or abort(404)
    now, settings = utcnow(), _settings()
    state = card_queries.card_state(db.session, current_user.id, card.id)
    scheduler = scheduling.make_scheduler(settings)
    intervals = scheduling.preview(scheduler, card_queries.fsrs_card(card.id, state, now), now)
    context = {
        "deck": deck,
        "card": card,
        "faces": faces(card.question.content, card.gap),
        "labels": {int(r): scheduling.interval_label(i) for r, i in intervals.items()},
        "form": _grade_fields(card, state),
        "state": state,
        "counts": card_queries.counts(db.session, current_user.id, deck, settings, now),
        "history": history_queries.card_history(db.session, current_user.id, card, settings, now),
        "timezone": settings.timezone,
        "now": now,
        **_undo_context(deck),
    }
    return _render("cards/_answer.html", context)


def _grade_fields(card: Card, state: CardState | None) -> dict:
    """The GradeForm's fields, written by the template as hidden inputs (building the form and calling
    WTForms' widget for each was a tenth of the page). The version is the one the card's front was shown
    at, not the card's version now: otherwise this page, shown again by the browser's Back button after a
    grade, would offer a fresh grade of a card already graded."""
    seen, shown = request.args.get("version", type=_version), request.args.get("shown", type=_epoch_ms)
    return {
        "card": card.id,
        "version": (state.version if state else 0) if seen is None or seen < 0 else seen,
        "token": secrets.token_urlsafe(18),
        "shown": "" if shown is None else shown,
    }


@bp.post("/study/<int:deck_id>/grade")
def grade(deck_id: int):
    """Record a grade (once, however often it is posted) and go on to the next card."""
    deck = owned_or_404(Deck, deck_id)
    form = GradeForm()
    if not form.validate():
        return _study_page(deck, error="The grade could not be read. Please grade the card again.", status=400)
    card = card_queries.card_in_deck(db.session, deck, form.card.data, live=False) or abort(404)
    now = utcnow()
    duration = now.timestamp() * 1000 - form.shown.data if form.shown.data else None
    try:
        card_ops.grade(
            db.session,
            _me(),
            card,
            form.rating.data,
            now,
            token=form.token.data,
            version=form.version.data,
            duration_ms=None if duration is None else int(duration),
        )
    except Refused as refused:
        db.session.rollback()
        if not isinstance(refused, card_ops.GradeAlreadyRecorded):  # else the other request recorded it
            return _study_page(deck, error=refused.message, status=refused.status)
    db.session.commit()  # expires the deck: the redirect names it by the URL's id, not by reloading it
    return redirect(url_for(".study", deck_id=deck_id, fragment=_fragment()), 303)


@bp.post("/study/<int:deck_id>/undo")
def undo(deck_id: int):
    """Take back the last grade: the card comes back as it was."""
    deck = owned_or_404(Deck, deck_id)
    form = UndoForm()
    if not form.validate():
        return _study_page(deck, error="There was nothing to undo.", status=400)
    review = db.session.get(Review, form.review.data)
    if review is None or review.user_id != current_user.id:  # already undone (posted twice), or not theirs:
        # one answer for both, so that undo cannot tell anyone which review ids exist
        return redirect(url_for(".study", deck_id=deck.id, fragment=_fragment()), 303)
    try:
        card = card_ops.undo(db.session, _me(), review)
    except Refused as refused:
        db.session.rollback()
        return _study_page(deck, error=refused.message, status=refused.status)
    card_id = card.id  # before the commit expires it
    db.session.commit()
    return redirect(url_for(".study", deck_id=deck_id, card=card_id, fragment=_fragment()), 303)


@bp.route("/settings/scheduler", methods=["GET", "POST"])
def settings():
    """Show and change the scheduler settings."""
    current = _settings()
    form = SettingsForm()
    if request.method == "GET":
        form.fill(current)
    elif all([form.validate_on_submit(), form.check(current)]):  # both run, so every problem shows at once
        card_ops.save_settings(db.session, _me(), form.settings(current), utcnow())
        db.session.commit()
        flash("Your scheduler settings are saved.", "success")
        return redirect(url_for(".settings"), 303)
    return _settings_page(form, current)


def _settings_page(form: SettingsForm, current: scheduling.Settings):
    reviews, days = card_queries.review_summary(db.session, current_user.id, current)
    row = db.session.get(SchedulerSettings, current_user.id)
    context = {
        "form": form,
        "reviews": reviews,
        "days": days,
        "can_optimise": reviews >= scheduling.MIN_REVIEWS_TO_OPTIMISE and days >= scheduling.MIN_DAYS_TO_OPTIMISE,
        "optimisation": row.optimisation if row else None,
        "optimised_at": row.optimised_at if row else None,
        "minimum": (scheduling.MIN_REVIEWS_TO_OPTIMISE, scheduling.MIN_DAYS_TO_OPTIMISE),
    }
    return render_template("cards/settings.html", **context), 422 if form.errors else 200


@bp.post("/settings/scheduler/optimise")
def optimise():
    """Fit the scheduler to the learner's own reviews; keep the result only if it predicts them better."""
    try:
        result = card_ops.optimise(db.session, _me(), utcnow())
    except Refused as refused:  # not enough reviews yet
        db.session.rollback()
        flash(f"Not optimised: {refused.message}.", "error")
        return redirect(url_for(".settings"), 303)
    db.session.commit()
    verdict = "Your new parameters are in use." if result.improved else "Your parameters were already as good."
    flash(f"Scheduler optimised on {result.reviews:,} reviews. {verdict}", "success")
    return redirect(url_for(".settings", _anchor="optimise"), 303)


@bp.get("/settings/scheduler/reviews.csv")
def export_reviews():
    """Download the learner's review log as CSV (py-fsrs's format)."""
    body = write_revlog(card_queries.logged_reviews(db.session, current_user.id))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="quizapp-reviews-{current_user.id}.csv"'},
    )


@bp.get("/settings/scheduler/retention")
def retention_help():
    """Compare desired retentions, simulated with the learner's parameters: minutes a day, cards remembered."""
    defaults = retention.Assumptions()
    assumptions = RetentionAssumptionsForm(request.args, deck_size=defaults.deck_size, new_per_day=defaults.new_per_day)
    if not assumptions.validate():
        return _retention_page(assumptions, None, 400)
    return _retention_page(assumptions, ChooseRetentionForm(formdata=None))


@bp.post("/settings/scheduler/retention")
def choose_retention():
    """Set the desired retention chosen on the comparison page, as the settings form would."""
    current, form = _settings(), ChooseRetentionForm()
    form.desired_retention.choices = _retention_choices(current)
    if not form.validate():
        return _retention_page(RetentionAssumptionsForm(request.form), form, 422)
    chosen = float(form.desired_retention.data)
    card_ops.save_settings(db.session, _me(), replace(current, desired_retention=chosen), utcnow())
    db.session.commit()
    flash(f"Your desired retention is now {retention.format_retention(chosen)}.", "success")
    return redirect(url_for(".settings", _anchor="desired_retention"), 303)


def _retention_choices(current: scheduling.Settings) -> list[str]:
    return [retention.format_retention(r) for r in retention.retentions_with(current.desired_retention)]


def _retention_page(assumptions: RetentionAssumptionsForm, form: ChooseRetentionForm | None, status: int = 200):
    """The comparison, when the assumptions could be read; else the assumptions form with its errors."""
    current = _settings()
    context = {"assumptions": assumptions, "form": form, "current": current, "simulation": None}
    if form is not None and not assumptions.errors:
        retentions = retention.retentions_with(current.desired_retention)
        simulation = retention.kept_simulation(current.parameters, retentions, assumptions.assumptions())
        own = tuple(current.parameters) != tuple(scheduling.Settings().parameters)
        context |= {"simulation": simulation, "own_parameters": own, "pictures": retention_charts(simulation, current)}
    return render_template("cards/retention.html", **context), status


@bp.app_context_processor
def _bank_titles() -> dict:
    return {"deck_title": deck_title}


def deck_title(deck: Deck, bank: Bank | None = None) -> str:
    return cards.deck_title((bank or deck.bank).title, deck.tags)


# Registered last, so that the access-matrix test removes each deck only after every other page has used it.
@bp.post("/decks/<int:deck_id>/delete")
def delete_deck(deck_id: int):
    """Remove a deck (the progress on its cards is kept)."""
    card_ops.delete_deck(db.session, owned_or_404(Deck, deck_id))
    db.session.commit()
    flash("The deck is removed. Your progress on its cards is kept.", "success")
    return redirect(url_for(".decks"), 303)
