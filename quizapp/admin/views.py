"""Administrators' pages: the users, their roles, disabling and enabling accounts, and the audit log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from .. import operations
from ..access import acting_user, require_role
from ..domain.accounts import Role
from ..domain.audit import action_label
from ..extensions import db
from ..models import User, utcnow
from ..queries import accounts as account_queries
from ..queries.audit import audit_entries
from ..queries.paging import paginate_rows
from .forms import AuditFilterForm, RoleForm, SearchForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
require_role(bp, Role.ADMIN)
PER_PAGE = 50


def user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def user_page(user: User, form: RoleForm | None = None, error: str | None = None, status: int = 200):
    form = form or RoleForm(formdata=None, role=user.role)
    return render_template("admin/user.html", user=user, form=form, error=error), status


@bp.get("/users")
def users():
    """List users, newest first, with a search."""
    search = SearchForm(request.args)
    page = db.paginate(account_queries.users((search.q.data or "").strip()), per_page=PER_PAGE, max_per_page=PER_PAGE)
    return render_template("admin/users.html", page=page, search=search)


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    """Show one user with their role and status."""
    return user_page(user_or_404(user_id))


@bp.post("/users/<int:user_id>/role")
def set_role(user_id: int):
    """Give a user another role."""
    user, form = user_or_404(user_id), RoleForm()
    if not form.validate_on_submit():
        return user_page(user, form, status=422)
    try:
        operations.set_role(db.session, user, form.role.data, acting=acting_user(), now=utcnow())
    except operations.Refused as error:
        db.session.rollback()
        return user_page(user, form, error.message, 422)
    db.session.commit()
    flash(f"{user.login} is now a {user.role}.", "success")
    return redirect(url_for("admin.user", user_id=user.id), 303)


@bp.post("/users/<int:user_id>/disable")
def disable(user_id: int):
    """Disable an account: it cannot log in, and its sessions end now."""
    user = user_or_404(user_id)
    try:
        operations.disable_user(db.session, user, utcnow(), acting=acting_user())
    except operations.Refused as error:
        db.session.rollback()
        return user_page(user, error=error.message, status=422)
    db.session.commit()
    flash(f"{user.login} is disabled and logged out everywhere.", "success")
    return redirect(url_for("admin.user", user_id=user.id), 303)


@bp.post("/users/<int:user_id>/enable")
def enable(user_id: int):
    """Let a disabled account log in again."""
    user = user_or_404(user_id)
    operations.enable_user(db.session, user, utcnow(), acting=acting_user())
    db.session.commit()
    flash(f"{user.login} can log in again.", "success")
    return redirect(url_for("admin.user", user_id=user.id), 303)


@bp.get("/audit")
def audit():
    """The audit log, newest first, filtered by action, actor, target and days."""
    form = AuditFilterForm(request.args)
    if not form.validate():
        return render_template("admin/audit.html", form=form, page=None, label=action_label), 422
    number = request.args.get("page", 1, type=int)
    page = paginate_rows(db.session, audit_entries(form.wanted()), number, PER_PAGE) or abort(404)
    return render_template("admin/audit.html", form=form, page=page, label=action_label)
