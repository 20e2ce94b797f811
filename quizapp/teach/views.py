"""Teachers' pages: the banks with their versions, uploading a bank, downloading one as YAML."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from werkzeug.utils import secure_filename

from .. import operations
from ..access import require_role
from ..domain.accounts import STAFF
from ..domain.banks import BankError
from ..domain.packages import write_zip
from ..domain.refusals import Refused
from ..extensions import db
from ..models import utcnow
from ..queries import banks as bank_queries
from .forms import UploadForm, read_upload

bp = Blueprint("teach", __name__, url_prefix="/teach")
require_role(bp, *STAFF)


def manage_page(form: UploadForm, status: int = 200, **context) -> tuple[str, int]:
    rows = db.session.execute(bank_queries.bank_summaries()).all()
    return render_template("teach/index.html", form=form, rows=rows, today=utcnow().date(), **context), status


@bp.get("/")
def index():
    """List the banks with their versions and question counts, with the upload form."""
    return manage_page(UploadForm())


@bp.post("/banks")
def upload():
    """Validate an uploaded bank and import it in one transaction; show every problem, or what changed."""
    form = UploadForm()
    if not form.validate_on_submit():
        return manage_page(form, 422)
    name = secure_filename(form.bank.data.filename or "") or "upload.yaml"
    try:
        package = read_upload(form.bank.data.read(), name)
        result = operations.import_package(db.session, package, utcnow())
    except Refused as refused:
        if not isinstance(refused, BankError):
            raise
        db.session.rollback()
        return manage_page(UploadForm(formdata=None), 422, problems=refused.problems, filename=name)
    db.session.commit()
    return manage_page(UploadForm(formdata=None), result=result, filename=name)


@bp.get("/banks/<slug>/export")
def export(slug: str):
    """Download the current version of a bank: YAML, or a .zip with bank.yaml and media/ if it has images."""
    bank = db.session.scalars(bank_queries.bank_by_slug(slug)).first() or abort(404)
    package = bank_queries.bank_package(db.session, bank)
    if package.media:
        body, mimetype, name = write_zip(package, bank.slug), "application/zip", f"{bank.slug}.zip"
    else:
        body, mimetype, name = package.yaml_text, "application/yaml", f"{bank.slug}.yaml"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
