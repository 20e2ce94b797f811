"""A learner's statistics: what they studied and how well they remember it, filtered by deck or bank, by topic
and by period. Reads only: a GET form, no transaction that writes."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..access import require_role
from ..domain.stats import ENOUGH_EVIDENCE
from ..extensions import db
from ..models import utcnow
from ..queries import cards as card_queries
from ..queries import stats as stats_queries
from .forms import FilterForm
from .panels import panels, percent, share

bp = Blueprint("stats", __name__)
require_role(bp)  # every learner, teacher and admin has their own statistics; visitors log in first


@bp.get("/stats")
def index():
    """Show the learner's statistics for the deck or bank, topic and period chosen."""
    known = stats_queries.choices(db.session, current_user.id)
    form = FilterForm(known, request.args)
    if not form.validate():
        return render_template("stats/index.html", form=form, result=None), 400
    settings = card_queries.settings_of(db.session, current_user.id)
    result = stats_queries.statistics(
        db.session, current_user.id, settings, utcnow(), form.chosen_scope(), form.chosen_period(), known
    )
    return render_template("stats/index.html", form=form, result=result, panels=panels(result), settings=settings)


@bp.context_processor
def _helpers() -> dict:
    return {"percent": percent, "share": share, "enough": ENOUGH_EVIDENCE}
