"""Teachers' pages: their home, the banks with their versions (uploading a bank in any format the app reads —
checked, previewed, then published or discarded — and downloading one in any format it writes), the progress
of long work, item analysis of a bank, a bank's quiz or an assignment, and what a class has forgotten."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.utils import secure_filename

from .. import jobs
from ..access import acting_user, owned_or_404, require_role
from ..banks.views import QUESTIONS_PER_PAGE, page_number
from ..domain import formats
from ..domain.accounts import STAFF
from ..domain.banks import BankError
from ..extensions import db
from ..models import Job, utcnow
from ..operations import imports as import_operations
from ..queries import banks as bank_queries
from ..queries import cards as card_queries
from ..queries import classes as class_queries
from ..queries import imports as import_queries
from ..queries import itemanalysis as analysis_queries
from ..queries import teaching as teaching_queries
from . import panels
from .forms import UploadForm

bp = Blueprint("teach", __name__, url_prefix="/teach")
require_role(bp, *STAFF)
CLASS_LINKS = (("classes.show", "The class"), ("classes.results", "Results"))  # (endpoint taking class_id, text)


TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}", re.ASCII)


def manage_page(form: UploadForm, status: int = 200, **context) -> tuple[str, int]:
    now = utcnow()
    rows = db.session.execute(bank_queries.bank_summaries()).all()
    waiting = db.session.scalars(import_queries.waiting_uploads(current_user.id, now)).all()
    downloads = formats.downloads()
    page = render_template(
        "teach/banks.html", form=form, rows=rows, waiting=waiting, downloads=downloads, today=now.date(), **context
    )
    return page, status


def checked_token(token: str) -> str:
    """A staged upload's token as URLs carry it; anything else is a page not found."""
    if not TOKEN_RE.fullmatch(token):
        abort(404)
    return token


def large(staged) -> bool:
    config = current_app.config
    return import_operations.runs_as_job(staged, config["IMPORT_JOB_BYTES"], config["IMPORT_JOB_THRESHOLD"])


@bp.get("/")
def index():
    """A teacher's home: their classes, what needs attention and the questions item analysis flags."""
    found = teaching_queries.home(db.session, current_user.id, current_user.role, utcnow(), QUESTIONS_PER_PAGE)
    jobs.keep_analyses(computed=found.computed)
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
    """Check an uploaded bank (converting it first if it is in another format) and keep it for its preview (a
    large file is checked by the worker)."""
    form = UploadForm()
    if not form.validate_on_submit():
        return manage_page(form, 422)
    source = form.bank.data.read()
    name = secure_filename(form.bank.data.filename or "") or "upload.yaml"
    source_format = form.source_format.data or None
    if len(source) > current_app.config["IMPORT_JOB_BYTES"]:
        job_id = import_operations.queue_stage(db.session, acting_user(), name, source, utcnow(), source_format).id
        db.session.commit()
        jobs.enqueue(job_id)
        return redirect(url_for("teach.job", job_id=job_id), 303)
    try:
        staged = import_operations.stage_import(db.session, acting_user(), name, source, utcnow(), source_format)
    except BankError as refused:
        db.session.rollback()
        return manage_page(UploadForm(formdata=None), 422, problems=refused.problems, filename=name)
    token = staged.token
    db.session.commit()
    return redirect(url_for("teach.staged", token=token), 303)


@bp.get("/imports/<token>")
def staged(token: str):
    """Preview an upload: every question with its answer, and what publishing it would change."""
    found = import_operations.staged_for(db.session, current_user.id, checked_token(token))
    if found.report is None:
        abort(404)
    show = request.args.get("show")
    if show is not None and show not in import_queries.Show.__members__.values():
        abort(404)
    shown = import_queries.Show(show) if show else None
    preview = import_queries.preview(db.session, found, shown, page_number(), QUESTIONS_PER_PAGE) or abort(404)
    return render_template("teach/preview.html", staged=found, preview=preview, now=utcnow())


@bp.post("/imports/<token>/publish")
def publish(token: str):
    """Publish a previewed upload (a large one by the worker); a stale preview is refused (409)."""
    user, now = acting_user(), utcnow()
    found = import_operations.staged_for(db.session, user.id, checked_token(token))
    if large(found):
        job_id = import_operations.queue_publish(db.session, user, token, now).id
        db.session.commit()
        jobs.enqueue(job_id)
        return redirect(url_for("teach.job", job_id=job_id), 303)
    result = import_operations.publish_staged(db.session, user.id, token, now)
    db.session.commit()
    return manage_page(UploadForm(formdata=None), result=result, filename=found.filename)


@bp.post("/imports/<token>/discard")
def discard(token: str):
    """Forget an upload without publishing it."""
    name = import_operations.discard_staged(db.session, acting_user().id, checked_token(token))
    db.session.commit()
    return manage_page(UploadForm(formdata=None), discarded=name)


@bp.get("/jobs/<int(min=1, max=2147483647):job_id>")
def job(job_id: int):
    """A background job's progress, then its outcome: it refreshes itself, with or without JavaScript."""
    return render_template("teach/job.html", job=owned_or_404(Job, job_id))


@bp.get("/jobs/<int(min=1, max=2147483647):job_id>.json")
def job_status(job_id: int):
    """A background job's progress, for the page's script."""
    found = owned_or_404(Job, job_id)
    return {"status": found.status, "progress": found.progress, "total": found.total, "step": found.step}


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
    analysis = analysis_queries.kept_analysis(db.session, scope, QUESTIONS_PER_PAGE)
    jobs.keep_analyses(computed=[analysis.fresh])  # for every worker, if computed here
    return analysis


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
    analysis = analysis_queries.kept_analysis(db.session, scope, QUESTIONS_PER_PAGE)
    jobs.keep_analyses(computed=[analysis.fresh])  # for every worker, if computed here
    return analysis


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
