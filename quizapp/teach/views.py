"""Teachers' pages: their home, the banks with their versions (uploading a bank in any format the app reads,
downloading one in any format it writes), item analysis of a bank, a bank's quiz or an assignment, and what
a class has forgotten."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user
from werkzeug.utils import secure_filename

from .. import operations
from ..access import require_role
from ..banks.views import QUESTIONS_PER_PAGE
from ..domain import formats
from ..domain.accounts import STAFF
from ..domain.banks import BankError
from ..domain.refusals import Refused
from ..extensions import db
from ..models import utcnow
from ..queries import banks as bank_queries
from ..queries import cards as card_queries
from ..queries import classes as class_queries
from ..queries import itemanalysis as analysis_queries
from ..queries import teaching as teaching_queries
from . import panels
from .forms import UploadForm

bp = Blueprint("teach", __name__, url_prefix="/teach")
require_role(bp, *STAFF)
CLASS_LINKS = (("classes.show", "The class"), ("classes.results", "Results"))  # (endpoint taking class_id, text)


def manage_page(form: UploadForm, status: int = 200, **context) -> tuple[str, int]:
    rows = db.session.execute(bank_queries.bank_summaries()).all()
    downloads = formats.writable()
    page = render_template(
        "teach/banks.html", form=form, rows=rows, downloads=downloads, today=utcnow().date(), **context
    )
    return page, status


@bp.get("/")
def index():
    """A teacher's home: their classes, what needs attention and the questions item analysis flags."""
    found = teaching_queries.home(db.session, current_user.id, current_user.role, utcnow(), QUESTIONS_PER_PAGE)
    return render_template(
        "teach/home.html",
        home=found,
        timezone=card_queries.timezone_of(db.session, current_user.id),
        flagged_count=teaching_queries.FLAGGED_ASSIGNMENTS,
        class_links=CLASS_LINKS,
    )


@bp.get("/banks")
def banks():
    """List the banks with their versions and question counts, with the upload form."""
    return manage_page(UploadForm())


@bp.post("/banks")
def upload():
    """Convert (if need be), validate and import an uploaded bank in one transaction; show every problem, or
    what changed and what the conversion left out."""
    form = UploadForm()
    if not form.validate_on_submit():
        return manage_page(form, 422)
    name = secure_filename(form.bank.data.filename or "") or "upload.yaml"
    try:
        done = operations.import_bank_file(
            db.session, name, form.bank.data.read(), utcnow(), form.source_format.data or None
        )
    except Refused as refused:
        if not isinstance(refused, BankError):
            raise
        db.session.rollback()
        return manage_page(UploadForm(formdata=None), 422, problems=refused.problems, filename=name)
    db.session.commit()
    return manage_page(UploadForm(formdata=None), result=done.result, imported=done, filename=name)


@bp.get("/banks/<slug>/export", defaults={"format_name": "yaml"})
@bp.get("/banks/<slug>/export/<format_name>")
def export(slug: str, format_name: str):
    """Download the current version of a bank in a format the app writes (what it cannot carry is left out);
    as YAML, a bank with pictures comes as a .zip with bank.yaml and media/."""
    found = formats.FORMATS.get(format_name)
    if found is None or found.write is None:
        abort(404)
    bank = db.session.scalars(bank_queries.bank_by_slug(slug)).first() or abort(404)
    package = bank_queries.bank_package(db.session, bank)
    if found.name == "yaml" and package.media:
        found = formats.FORMATS["zip"]
    exported = formats.export_bank(found.name, bank_queries.bank_export_data(db.session, bank), package.media)
    return Response(
        exported.content,
        mimetype=found.media_type,
        headers={"Content-Disposition": f'attachment; filename="{bank.slug}{found.suffix}"'},
    )


ID = "int(max=2147483647)"  # an id that fits the database's integer, or the page is not found


def kept_args() -> dict[str, str]:
    """The analysis page's choices, to carry over to its CSV download."""
    return {k: v for k in ("quiz", "attempts", "class") if (v := request.args.get(k))}


def analysis_page(analysis: analysis_queries.Analysis, csv_url: str, **context) -> str:
    return render_template(
        "teach/analysis.html",
        analysis=analysis,
        result=analysis.result,
        histogram=panels.histogram(analysis.result),
        facts=panels.quiz_facts(analysis.result.quiz),
        question_rows=panels.rows(analysis),
        glossary=panels.GLOSSARY,
        csv_url=csv_url,
        which=analysis_queries.WHICH,
        **context,
    )


def bank_analysis_of(slug: str) -> analysis_queries.Analysis:
    bank = analysis_queries.bank_by_slug(db.session, slug)
    scope = analysis_queries.bank_scope(db.session, bank, request.args.get("quiz"), request.args.get("attempts"))
    class_id = analysis_queries.class_id_of(request.args.get("class"))
    scope = analysis_queries.for_class(db.session, scope, class_id, current_user.id, current_user.role)
    return analysis_queries.kept_analysis(db.session, scope, QUESTIONS_PER_PAGE)


@bp.get("/banks/<slug>/analysis")
def bank_analysis(slug: str):
    """Item analysis of a bank, or one of its quizzes, over every learner or one class."""
    analysis = bank_analysis_of(slug)
    return analysis_page(
        analysis,
        url_for(".bank_analysis_csv", slug=slug, **kept_args()),
        quizzes=analysis_queries.bank_quizzes(db.session, analysis.scope.bank),
        classes=class_queries.classes_taught(db.session, current_user.id, current_user.role),
    )


@bp.get("/banks/<slug>/analysis.csv")
def bank_analysis_csv(slug: str):
    """Download the per-question table of a bank's item analysis."""
    return csv_response(bank_analysis_of(slug), f"{slug}-item-analysis.csv")


def assignment_analysis_of(assignment_id: int) -> analysis_queries.Analysis:
    assignment = analysis_queries.taught_assignment(db.session, assignment_id, current_user.id, current_user.role)
    scope = analysis_queries.assignment_scope(db.session, assignment, request.args.get("attempts"))
    return analysis_queries.kept_analysis(db.session, scope, QUESTIONS_PER_PAGE)


@bp.get(f"/assignments/<{ID}:assignment_id>/analysis")
def assignment_analysis(assignment_id: int):
    """Item analysis of the attempts at one assignment."""
    analysis = assignment_analysis_of(assignment_id)
    return analysis_page(analysis, url_for(".assignment_analysis_csv", assignment_id=assignment_id, **kept_args()))


@bp.get(f"/assignments/<{ID}:assignment_id>/analysis.csv")
def assignment_analysis_csv(assignment_id: int):
    """Download the per-question table of an assignment's item analysis."""
    return csv_response(assignment_analysis_of(assignment_id), f"assignment-{assignment_id}-item-analysis.csv")


def csv_response(analysis: analysis_queries.Analysis, filename: str) -> Response:
    return Response(
        panels.csv_download(analysis),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get(f"/classes/<{ID}:class_id>/forgotten")
def forgotten(class_id: int):
    """What a class has forgotten: its memory per topic and the questions it got wrong most lately."""
    klass = teaching_queries.taught_class(db.session, class_id, current_user.id, current_user.role)
    return render_template("teach/forgotten.html", found=teaching_queries.forgotten(db.session, klass, utcnow()))
