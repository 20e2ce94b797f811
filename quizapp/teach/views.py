"""Teachers' pages: the banks with their versions, uploading a bank (checked, previewed, then published or
discarded), the progress of long work, and downloading a bank as YAML."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.utils import secure_filename

from .. import jobs
from ..access import acting_user, owned_or_404, require_role
from ..banks.views import page_number
from ..domain.accounts import STAFF
from ..domain.banks import BankError, export_yaml
from ..extensions import db
from ..models import Job, utcnow
from ..operations import imports as import_operations
from ..queries import banks as bank_queries
from ..queries import imports as import_queries
from .forms import UploadForm

bp = Blueprint("teach", __name__, url_prefix="/teach")
require_role(bp, *STAFF)

QUESTIONS_PER_PAGE = 20
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}", re.ASCII)


def manage_page(form: UploadForm, status: int = 200, **context) -> tuple[str, int]:
    now = utcnow()
    rows = db.session.execute(bank_queries.bank_summaries()).all()
    waiting = db.session.scalars(import_queries.waiting_uploads(current_user.id, now)).all()
    return render_template(
        "teach/index.html", form=form, rows=rows, waiting=waiting, today=now.date(), **context
    ), status


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
    """List the banks with their versions and question counts, with the upload form."""
    return manage_page(UploadForm())


@bp.post("/banks")
def upload():
    """Check an uploaded bank and keep it for its preview (a large file is checked by the worker)."""
    form = UploadForm()
    if not form.validate_on_submit():
        return manage_page(form, 422)
    source = form.bank.data.read()
    name = secure_filename(form.bank.data.filename or "") or "upload.yaml"
    if len(source) > current_app.config["IMPORT_JOB_BYTES"]:
        job_id = import_operations.queue_stage(db.session, acting_user(), name, source, utcnow()).id
        db.session.commit()
        jobs.enqueue(job_id)
        return redirect(url_for("teach.job", job_id=job_id), 303)
    try:
        token = import_operations.stage_import(db.session, acting_user(), name, source, utcnow()).token
    except BankError as refused:
        db.session.rollback()
        return manage_page(UploadForm(formdata=None), 422, problems=refused.problems, filename=name)
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


@bp.get("/banks/<slug>/export")
def export(slug: str):
    """Download the current version of a bank as YAML."""
    bank = db.session.scalars(bank_queries.bank_by_slug(slug)).first() or abort(404)
    return Response(
        export_yaml(bank_queries.bank_export_data(db.session, bank)),
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{bank.slug}.yaml"'},
    )
