"""Teachers' pages: the banks with their versions, uploading a bank (in any format the app reads), downloading
one in any format it writes."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from werkzeug.utils import secure_filename

from .. import operations
from ..access import require_role
from ..domain import formats
from ..domain.accounts import STAFF
from ..domain.banks import BankError
from ..domain.refusals import Refused
from ..extensions import db
from ..models import utcnow
from ..queries import banks as bank_queries
from .forms import UploadForm

bp = Blueprint("teach", __name__, url_prefix="/teach")
require_role(bp, *STAFF)


def manage_page(form: UploadForm, status: int = 200, **context) -> tuple[str, int]:
    rows = db.session.execute(bank_queries.bank_summaries()).all()
    downloads = formats.writable()
    page = render_template(
        "teach/index.html", form=form, rows=rows, downloads=downloads, today=utcnow().date(), **context
    )
    return page, status


@bp.get("/")
def index():
    """List the banks with their versions and question counts, with the upload form."""
    return manage_page(UploadForm())


@bp.post("/banks")
def upload():
    """Convert (if need be), validate and import an uploaded bank in one transaction; show every problem, or
    what changed and what the conversion left out."""
    form = UploadForm()
    if not form.validate_on_submit():
        return manage_page(form, 422)
    source = form.bank.data.read()
    name = secure_filename(form.bank.data.filename or "") or "upload.yaml"
    try:
        done = operations.import_bank_file(db.session, name, source, utcnow(), form.source_format.data or None)
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
    """Download the current version of a bank in a format the app writes (what it cannot carry is left out)."""
    found = formats.FORMATS.get(format_name)
    if found is None or found.write is None:
        abort(404)
    bank = db.session.scalars(bank_queries.bank_by_slug(slug)).first() or abort(404)
    exported = formats.export_bank(found.name, bank_queries.bank_export_data(db.session, bank))
    return Response(
        exported.content,
        mimetype=found.media_type,
        headers={"Content-Disposition": f'attachment; filename="{bank.slug}{found.suffix}"'},
    )
