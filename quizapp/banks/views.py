"""Public pages: the list of banks (also the home page of visitors), each bank's questions, and searching banks
and questions."""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request

from ..domain import formats
from ..domain.freshness import overdue
from ..domain.quizzes import AttemptMode
from ..domain.search import MAX_QUERY_WORDS, checked_tag, parse_query
from ..extensions import db
from ..models import utcnow
from ..queries import banks as bank_queries
from ..queries import quizzes as quiz_queries
from ..queries import search as search_queries
from ..queries.paging import paginate_rows
from .forms import SearchForm

bp = Blueprint("banks", __name__)
QUESTIONS_PER_PAGE = 20
RESULTS_PER_PAGE = 20
# A bank without quizzes of its own offers a practice quiz built from it.
# Staff see download links for every format the app writes (downloads hold the answers: staff only).
BANK_PAGE = {"quick_quiz": {"count": 10, "mode": AttemptMode.PRACTICE.value}, "downloads": formats.downloads()}
SEARCH_PAGE = {"bank_page_size": QUESTIONS_PER_PAGE, "max_words": MAX_QUERY_WORDS}
PAGE_RE = re.compile(r"[1-9][0-9]{0,5}", re.ASCII)


def page_number() -> int:
    """The ``page`` of the query string (1 without one); anything but a page number is a page not found."""
    text = request.args.get("page", "1")
    if not PAGE_RE.fullmatch(text):
        abort(404)
    return int(text)


@bp.get("/banks")
def index():
    """List the banks with their question counts, tags and review date."""
    banks, counts = bank_queries.shown_banks(db.session)
    return render_template("banks/index.html", banks=banks, counts=counts)


@bp.get("/banks/<slug>")
def show(slug: str):
    """Show one bank, a page of its questions (only those with ``tag``, if given), and what to do with it."""
    tag = checked_tag(request.args.get("tag"))
    versions = bank_queries.bank_versions(db.session)  # read once for both kept values
    listing = bank_queries.bank_listing(db.session, slug, page_number(), QUESTIONS_PER_PAGE, tag, versions)
    if listing is None:
        abort(404)
    quizzes, can_build = quiz_queries.bank_quizzes(db.session, slug, versions)
    stale = overdue([listing.bank], utcnow().date())
    return render_template(
        "banks/show.html",
        listing=listing,
        bank=listing.bank,
        quizzes=quizzes,
        can_build=can_build,
        overdue=stale,
        **BANK_PAGE,
    )


@bp.get("/search")
def search():
    """Find banks and questions by the words of their text, optionally only questions with one tag."""
    versions = bank_queries.bank_versions(db.session)  # read once for every kept value
    form = SearchForm(request.args).offer(search_queries.search_tags(db.session, versions))
    if not form.validate():
        return render_template("banks/search.html", form=form), 400
    query, tag = parse_query(form.q.data), form.tag.data or None
    if not query and tag is None:
        return render_template("banks/search.html", form=form, empty=bool((form.q.data or "").strip()))
    statement = search_queries.question_hits(db.session, query.words, tag)
    page = paginate_rows(db.session, statement, page_number(), RESULTS_PER_PAGE) or abort(404)
    banks = search_queries.matching_banks(db.session, query.words, versions) if tag is None and page.page == 1 else []
    groups = search_queries.grouped(page.items)
    return render_template(
        "banks/search.html", form=form, query=query, tag=tag, page=page, banks=banks, groups=groups, **SEARCH_PAGE
    )
