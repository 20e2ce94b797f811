"""Class pages. Teachers (and admins, who see every class) make classes, set work and read the results;
learners join by code or link, see their assigned work and leave.

Every page needs an account. A teacher's page of a class answers 404 to anyone who neither teaches it nor is
an admin, so class ids reveal nothing; a learner's page of a class answers 404 once they have left or been
removed. Refusals a view does not catch become the error page with their status and message, after the
transaction is rolled back.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from wtforms import SelectChoice

from ..access import acting_user, require_role, role_required
from ..domain.accounts import STAFF
from ..domain.assignments import (
    COUNTING_LABELS,
    FEEDBACK_LABELS,
    STANDING_LABELS,
    Counting,
    Feedback,
    Grant,
    Standing,
    from_local,
    shown_join_code,
    to_local,
)
from ..domain.refusals import Refused
from ..extensions import db
from ..models import Assignment, Class, utcnow
from ..operations import classes as operations
from ..queries import classes as queries
from ..queries import quizzes as quiz_queries
from .exports import ExportRequest, export_csv
from .forms import (
    AssignmentForm,
    ClassForm,
    CodeForm,
    ConfirmForm,
    DeleteClassForm,
    ExtensionForm,
    JoinForm,
    TeacherForm,
    TermsForm,
)
from .grid import table as written

bp = Blueprint("classes", __name__, url_prefix="/classes")
MAX_ID = 2**31 - 1  # ids fit a 32-bit integer column on every database


@bp.url_value_preprocessor
def _ids_in_range(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """An id in the address that no row can have is a 404, before the database is asked."""
    if values and any(isinstance(v, int) and not 1 <= v <= MAX_ID for v in values.values()):
        abort(404)


require_role(bp)
staff_only = role_required(*STAFF)


def form_id(text: str | None) -> int:
    """An id posted in a form, or 0 (no row has it) when it is not a number in range."""
    value = int(text) if text and text.isdigit() and len(text) <= 10 else 0
    return value if value <= MAX_ID else 0


def taught(class_id: int) -> Class:
    """The class if the current user teaches it or is an admin; 404 otherwise."""
    klass = db.session.get(Class, class_id)
    if klass is None or not queries.teaches(db.session, class_id, current_user.id, current_user.role):
        abort(404)
    return klass


def assignment_of(klass: Class, assignment_id: int):
    return queries.assignment_in(db.session, klass.id, assignment_id) or abort(404)


def form_refused(form: Any, refused: Refused) -> None:
    """Show a refusal on its form: under the field it names, or at the top."""
    db.session.rollback()
    field = getattr(form, refused.field, None) if refused.field else None
    (field.errors if field is not None else form.form_errors).append(refused.message)  # type: ignore[union-attr]


@bp.get("/")
def index():
    """My classes: the ones a learner is in with their work, the ones a teacher teaches (every class for an admin)."""
    if current_user.has_role(*STAFF):
        taught_classes = queries.classes_taught(db.session, current_user.id, current_user.role)
        return render_template("classes/index_teacher.html", classes=taught_classes)
    work = queries.assigned_work(db.session, current_user.id)
    classes = queries.classes_learning(db.session, current_user.id)
    zone = queries.zone_of(db.session, current_user.id)
    return render_template("classes/index.html", classes=classes, work=work, zone=zone, now=utcnow(), join=JoinForm())


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    """Make a class: name, description and time zone; it gets a join code at once."""
    form = ClassForm()
    if form.validate_on_submit():
        data = form.data
        try:
            klass = operations.create_class(
                db.session, acting_user(), data["name"], data["description"], data["time_zone"], utcnow()
            )
        except Refused as refused:
            form_refused(form, refused)
        else:
            class_id = klass.id
            db.session.commit()
            flash("Class made. Give your learners its join code or link.", "success")
            return redirect(url_for("classes.show", class_id=class_id), 303)
    return render_template("classes/new.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/join", methods=["GET", "POST"])
def join():
    """Join a class by its code (GET shows the form, prefilled from a join link's ``code``)."""
    form = JoinForm(formdata=request.form if request.method == "POST" else None, code=request.args.get("code", ""))
    if request.method == "POST" and form.validate():
        try:
            klass = operations.join_class(db.session, acting_user(), form.code.data, utcnow())
        except Refused as refused:
            form_refused(form, refused)
            return render_template("classes/join.html", form=form), refused.status
        class_id, name = klass.id, klass.name
        db.session.commit()
        flash(f"You joined “{name}”.", "success")
        return redirect(url_for("classes.show", class_id=class_id), 303)
    return render_template("classes/join.html", form=form), 422 if request.method == "POST" else 200


@bp.get("/join/<code>")
def join_link(code: str):
    """A join link: name the class and ask to confirm (a link never changes anything by itself)."""
    klass = operations.class_for_code(db.session, code, utcnow())
    form = JoinForm(formdata=None, code=klass.join_code)
    return render_template("classes/join.html", form=form, klass=klass)


@bp.get("/<int:class_id>")
def show(class_id: int):
    """A class: for its teachers, members, join code and assignments; for a learner in it, their work."""
    klass = db.session.get(Class, class_id) or abort(404)
    now = utcnow()
    if queries.teaches(db.session, class_id, current_user.id, current_user.role):
        return render_template(
            "classes/show_teacher.html",
            klass=klass,
            members=queries.members(db.session, class_id),
            assignments=queries.assignments_of(db.session, class_id),
            code=shown_join_code(klass.join_code) if klass.join_code else None,
            code_form=CodeForm(formdata=None),
            teacher_form=TeacherForm(formdata=None),
            now=now,
        )
    if queries.learns_in(db.session, class_id, current_user.id) is None:
        abort(404)
    work = queries.learner_page(db.session, class_id, current_user.id)
    zone = queries.zone_of(db.session, current_user.id)
    return render_template("classes/show.html", klass=klass, work=work, zone=zone, now=now)


@bp.post("/<int:class_id>/code")
@staff_only
def code(class_id: int):
    """Make a new join code (valid for some days, or until changed), or switch joining by code off."""
    klass = taught(class_id)
    form = CodeForm()
    if not form.validate():
        abort(400)
    days = int(form.valid_days.data) if (form.valid_days.data or "").isdigit() else None
    operations.set_join_code(db.session, klass, form.action.data, days, utcnow())
    db.session.commit()
    flash("New join code made." if form.action.data == "rotate" else "Joining by code is off.", "success")
    return redirect(url_for("classes.show", class_id=class_id), 303)


@bp.post("/<int:class_id>/teachers")
@staff_only
def add_teacher(class_id: int):
    """Add a co-teacher by the email address or username of their teacher or admin account."""
    klass = taught(class_id)
    form = TeacherForm()
    if not form.validate():
        flash("Enter the email address or username of a teacher or admin.", "error")
        return redirect(url_for("classes.show", class_id=class_id), 303)
    user = operations.add_teacher(db.session, klass, form.login.data, utcnow())
    login = user.login
    db.session.commit()
    flash(f"{login} now teaches this class.", "success")
    return redirect(url_for("classes.show", class_id=class_id), 303)


@bp.route("/<int:class_id>/assignments/new", methods=["GET", "POST"])
@staff_only
def new_assignment(class_id: int):
    """Set a bank's quiz or a built quiz, with its open and due dates, attempts, counting, feedback and lateness."""
    klass = taught(class_id)
    form = AssignmentForm().offer(quiz_queries.catalogue(db.session))
    if form.validate_on_submit():
        try:
            assignment = operations.create_assignment(
                db.session, acting_user(), klass, assignment_input(form, klass.time_zone), utcnow()
            )
        except Refused as refused:
            form_refused(form, refused)
        else:
            assignment_id = assignment.id
            db.session.commit()
            flash("Assignment set.", "success")
            return redirect(url_for("classes.assignment", class_id=class_id, assignment_id=assignment_id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("classes/new_assignment.html", form=form, klass=klass), status


def assignment_input(form: AssignmentForm, zone: str) -> operations.AssignmentInput:
    """What the form asks for, its dates read in the class's time zone."""
    data = form.data
    bank, _, quiz = (data["quiz"] or "").partition("/")
    return operations.AssignmentInput(
        **vars(terms_input(form, zone)),
        bank=bank or None,
        quiz=quiz or None,
        banks=tuple(data["banks"] or ()),
        tags=tuple(data["tags"] or ()),
        count=data["count"] or 10,
        mode=data["mode"],
        time_limit_minutes=data["time_limit"],
    )


@bp.get("/<int:class_id>/assignments/<int:assignment_id>")
def assignment(class_id: int, assignment_id: int):
    """An assignment: for its teachers, every learner's standing and the extension form; for a learner, their
    terms, attempts and the button that starts one."""
    klass = db.session.get(Class, class_id) or abort(404)
    if queries.teaches(db.session, class_id, current_user.id, current_user.role):
        return assignment_page(klass, assignment_of(klass, assignment_id), ExtensionForm(formdata=None))
    if queries.learns_in(db.session, class_id, current_user.id) is None:
        abort(404)
    found = assignment_of(klass, assignment_id)
    work = next(w for w in queries.learner_page(db.session, class_id, current_user.id) if w.assignment.id == found.id)
    zone = queries.zone_of(db.session, current_user.id)
    return render_template("classes/assignment.html", klass=klass, w=work, zone=zone, now=utcnow())


def assignment_page(klass: Class, found: Any, form: ExtensionForm, status: int = 200) -> tuple[str, int]:
    grid = queries.grid(db.session, klass.id, work=[found], per_page=None)
    rows = [(r.learner, r.cells[0]) for r in grid.rows]
    form.user_id.choices = [SelectChoice(str(m.user_id), m.login) for m, _ in rows if m.active]
    extensions = queries.extensions_of(db.session, found.id)
    return render_template(
        "classes/assignment_teacher.html",
        klass=klass,
        a=found,
        rows=rows,
        totals=grid.column_totals[0],
        form=form,
        extensions=extensions,
        now=utcnow(),
    ), status


@bp.post("/<int:class_id>/assignments/<int:assignment_id>/start")
def start(class_id: int, assignment_id: int):
    """Start an attempt at an assignment (or carry on with the one in progress), within its terms."""
    klass = db.session.get(Class, class_id) or abort(404)
    found = assignment_of(klass, assignment_id)
    try:
        attempt = operations.start_assignment(db.session, acting_user(), found, utcnow())
    except Refused as refused:
        if refused.status == 404:
            raise
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("classes.assignment", class_id=class_id, assignment_id=assignment_id), 303)
    attempt_id = attempt.id
    db.session.commit()
    return redirect(url_for("quiz.resume", attempt_id=attempt_id), 303)


@bp.post("/<int:class_id>/assignments/<int:assignment_id>/extensions")
@staff_only
def extend(class_id: int, assignment_id: int):
    """Grant a learner a later due date, more time, extra attempts, or excuse them."""
    klass = taught(class_id)
    found = assignment_of(klass, assignment_id)
    form = ExtensionForm()
    if form.validate():
        data = form.data
        due = from_local(data["due_at"], klass.time_zone) if data["due_at"] else None
        grant = Grant(due, data["extra_minutes"] or 0, data["extra_attempts"] or 0, bool(data["excused"]))
        user_id = form_id(data["user_id"])
        try:
            operations.grant_extension(db.session, acting_user(), klass, found, user_id, grant, utcnow())
        except Refused as refused:
            form_refused(form, refused)
            return assignment_page(klass, found, form, refused.status)
        db.session.commit()
        flash("Extension granted.", "success")
        return redirect(url_for("classes.assignment", class_id=class_id, assignment_id=assignment_id), 303)
    return assignment_page(klass, found, form, 422)


@bp.get("/<int:class_id>/results")
@staff_only
def results(class_id: int):
    """The results grid: learners by assignments, each cell a standing and the score that counts, sortable, a
    page of learners at a time."""
    klass = taught(class_id)
    work = queries.assignments_of(db.session, class_id)
    wanted = ExportRequest.read(request.args, work, csv=False)
    grid = queries.grid(db.session, class_id, wanted.sort, wanted.descending, work, wanted.page)
    return render_template("classes/results.html", klass=klass, grid=grid, table=written(class_id, grid))


@bp.get("/<int:class_id>/export")
@staff_only
def export(class_id: int):
    """Download the grid (a row per learner) or every response (a row per answer) as CSV; the responses are
    streamed as they are read, after the download is recorded in the audit log and committed."""
    klass = taught(class_id)
    wanted = ExportRequest.read(request.args, queries.assignments_of(db.session, class_id), csv=True)
    body, filename = export_csv(db.session, klass, wanted)
    operations.record_export(db.session, acting_user(), klass, wanted.table, utcnow())
    db.session.commit()
    sent = body if isinstance(body, str) else stream_with_context(body)
    return Response(sent, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/<int:class_id>/learners/<int:user_id>")
@staff_only
def learner(class_id: int, user_id: int):
    """One learner's standing and attempts across the class's assignments."""
    klass = taught(class_id)
    member = next((m for m in queries.members(db.session, class_id) if m.user_id == user_id), None)
    if member is None or member.role != "learner":
        abort(404)
    work = queries.learner_page(db.session, class_id, user_id)
    return render_template("classes/learner.html", klass=klass, member=member, work=work, zone=klass.time_zone)


@bp.get("/<int:class_id>/attempts/<int:attempt_id>")
@staff_only
def review(class_id: int, attempt_id: int):
    """A learner's assigned attempt, question by question, for the class's teachers."""
    klass = taught(class_id)
    attempt = queries.attempt_in_class(db.session, class_id, attempt_id) or abort(404)
    if attempt.in_progress or attempt.discarded:
        abort(404)
    results = quiz_queries.results(db.session, attempt)
    login = queries.login_of(db.session, attempt.user_id)
    found = db.session.get(Assignment, attempt.assignment_id)
    return render_template(
        "classes/review.html", klass=klass, a=found, results=results, login=login, zone=klass.time_zone
    )


# Registered after the pages above, so that the access-matrix test removes and lets go of its learners last.
@bp.post("/<int:class_id>/members/<int:user_id>/remove")
@staff_only
def remove(class_id: int, user_id: int):
    """Remove a learner or co-teacher: they no longer see the class, and their results stay with it."""
    klass = taught(class_id)
    operations.remove_member(db.session, acting_user(), klass, user_id, utcnow())
    db.session.commit()
    flash("Removed from the class. Their results stay in its results.", "success")
    return redirect(url_for("classes.show", class_id=class_id), 303)


@bp.post("/<int:class_id>/leave")
def leave(class_id: int):
    """Leave a class one learns in."""
    klass = operations.leave_class(db.session, acting_user(), class_id, utcnow())
    name = klass.name
    db.session.commit()
    flash(f"You left “{name}”.", "success")
    return redirect(url_for("classes.index"), 303)


# Changing and deleting come last, so that the access-matrix test checks every page above before a row here
# could change what they show (a bare POST, as the test sends, changes and deletes nothing).
@bp.route("/<int:class_id>/edit", methods=["GET", "POST"])
@staff_only
def edit_class(class_id: int):
    """Change a class's name, description and time zone."""
    klass = taught(class_id)
    form = ClassForm(obj=klass if request.method == "GET" else None)
    if form.validate_on_submit():
        data = form.data
        try:
            operations.edit_class(
                db.session, acting_user(), klass, data["name"], data["description"], data["time_zone"], utcnow()
            )
        except Refused as refused:
            form_refused(form, refused)
        else:
            db.session.commit()
            flash("Class saved.", "success")
            return redirect(url_for("classes.show", class_id=class_id), 303)
    return render_template("classes/edit.html", form=form, klass=klass), 422 if request.method == "POST" else 200


@bp.route("/<int:class_id>/delete", methods=["GET", "POST"])
@staff_only
def delete_class(class_id: int):
    """Say what goes with a class, and delete it once its name is typed; learners keep their attempts."""
    klass = taught(class_id)
    form = DeleteClassForm()
    if form.validate_on_submit():
        if " ".join(form.name.data.split()).casefold() == klass.name.casefold():
            name = klass.name
            operations.delete_class(db.session, acting_user(), klass, utcnow())
            db.session.commit()
            flash(f"“{name}” deleted. Its learners keep the attempts they took, in their own history.", "success")
            return redirect(url_for("classes.index"), 303)
        form.name.errors.append(f"Type the class's name, “{klass.name}”, to confirm: what you typed differs.")
    footprint = queries.class_footprint(db.session, class_id)
    status = 422 if request.method == "POST" else 200
    return render_template("classes/delete.html", form=form, klass=klass, footprint=footprint), status


def terms_data(found: Assignment, zone: str) -> dict[str, Any]:
    """An assignment's title and terms as the form shows them, its dates on the class's clock."""
    return {
        "title": found.title,
        "opens_at": to_local(found.opens_at, zone).replace(tzinfo=None),
        "due_at": to_local(found.due_at, zone).replace(tzinfo=None),
        "attempts": found.attempts_allowed,
        "counting": found.counting,
        "feedback": found.feedback,
        "late_accepted": found.late_accepted,
    }


def terms_input(form: TermsForm | AssignmentForm, zone: str) -> operations.TermsInput:
    """The terms the form asks for (both forms have them), its dates read in the class's time zone."""
    data = form.data
    return operations.TermsInput(
        title=data["title"] or "",
        opens_at=from_local(data["opens_at"], zone),
        due_at=from_local(data["due_at"], zone),
        attempts_allowed=data["attempts"],
        counting=data["counting"],
        feedback=data["feedback"],
        late_accepted=bool(data["late_accepted"]),
    )


@bp.route("/<int:class_id>/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@staff_only
def edit_assignment(class_id: int, assignment_id: int):
    """Change an assignment's title, dates, attempts, counting, feedback and lateness; never its quiz."""
    klass = taught(class_id)
    found = assignment_of(klass, assignment_id)
    form = TermsForm(data=terms_data(found, klass.time_zone) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            operations.edit_assignment(
                db.session, acting_user(), klass, found, terms_input(form, klass.time_zone), utcnow()
            )
        except Refused as refused:
            form_refused(form, refused)
        else:
            db.session.commit()
            flash("Assignment saved.", "success")
            return redirect(url_for("classes.assignment", class_id=class_id, assignment_id=assignment_id), 303)
    footprint = queries.assignment_footprint(db.session, found.id)
    status = 422 if request.method == "POST" else 200
    banks = queries.bank_titles(db.session, found)
    return render_template(
        "classes/edit_assignment.html", form=form, klass=klass, a=found, footprint=footprint, banks=banks
    ), status


@bp.route("/<int:class_id>/assignments/<int:assignment_id>/delete", methods=["GET", "POST"])
@staff_only
def delete_assignment(class_id: int, assignment_id: int):
    """Say how many attempts an assignment has and what becomes of them, and delete it once confirmed."""
    klass = taught(class_id)
    found = assignment_of(klass, assignment_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        title = found.title
        operations.delete_assignment(db.session, acting_user(), klass, found, utcnow())
        db.session.commit()
        flash(f"“{title}” deleted. Its attempts stay in each learner's own history.", "success")
        return redirect(url_for("classes.show", class_id=class_id), 303)
    footprint = queries.assignment_footprint(db.session, found.id)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "classes/delete_assignment.html", form=form, klass=klass, a=found, footprint=footprint
    ), status


@bp.app_template_global()
def standing_label(standing: str) -> str:
    return STANDING_LABELS[Standing(standing)]


@bp.app_template_global()
def counting_label(counting: str) -> str:
    return COUNTING_LABELS[Counting(counting)]


@bp.app_template_global()
def feedback_label(feedback: str) -> str:
    return FEEDBACK_LABELS[Feedback(feedback)]
