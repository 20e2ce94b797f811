"""The home page: for a learner, what is under way and what to do next; for a visitor, what this is and the banks."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..extensions import db
from ..models import utcnow
from ..queries import banks as bank_queries
from ..queries import home as home_queries
from .panels import forecast_sparkline

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Show a learner their home page, and a visitor what the site is, with the bank catalogue."""
    if not current_user.is_authenticated:
        banks, counts = bank_queries.shown_banks(db.session)
        return render_template("home/welcome.html", banks=banks, counts=counts)
    page = home_queries.home_page(db.session, current_user.id, utcnow())
    return render_template("home/index.html", page=page, forecast=forecast_sparkline(page.summary.forecast))
