"""Public pages: the list of banks (also the home page of visitors) and each bank's questions."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..extensions import db
from ..queries import banks as bank_queries

bp = Blueprint("banks", __name__)


@bp.get("/banks")
def index():
    """List the banks with their question counts, tags and review date."""
    banks, counts = bank_queries.shown_banks(db.session)
    return render_template("banks/index.html", banks=banks, counts=counts)


@bp.get("/banks/<slug>")
def show(slug: str):
    """Show one bank and the prompts of its questions."""
    page = bank_queries.bank_page(db.session, slug) or abort(404)
    return render_template("banks/show.html", bank=page.bank, questions=page.questions, counts=page.counts)
