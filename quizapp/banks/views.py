"""Public pages: the list of banks and each bank's questions."""

from __future__ import annotations

import json

from flask import Blueprint, abort, render_template

from ..extensions import db
from ..queries import banks as bank_queries

bp = Blueprint("banks", __name__)


@bp.get("/")
def index():
    """List the banks with their question counts, tags and review date."""
    banks = db.session.scalars(bank_queries.banks()).all()
    return render_template("banks/index.html", banks=banks, counts=bank_queries.type_counts(db.session))


@bp.get("/banks/<slug>")
def show(slug: str):
    """Show one bank and the prompts of its questions."""
    bank = db.session.scalars(bank_queries.bank_by_slug(slug)).first() or abort(404)
    questions = [(q, json.loads(q.data)) for q in db.session.scalars(bank_queries.current_questions(bank.id))]
    counts = bank_queries.type_counts(db.session, bank.id).get(bank.id, {})
    return render_template("banks/show.html", bank=bank, questions=questions, counts=counts)
