"""LMS pages for HR and trainers: rosters of linked LMS courses (who has not started) and the
grade-passback queue (resending scores a platform refused).  Views only parse, authorise and
render; the roster and queue logic lives in :mod:`elearn.lti.roster` and
:mod:`elearn.lti.passback_queue`."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from elearn.access import roles
from elearn.db import get_session, utcnow
from elearn.i18n import gettext as _
from elearn.i18n import ngettext
from elearn.lti import passback_queue
from elearn.lti.roster import STATUSES, linked_contexts, roster_of
from elearn.models import Role

bp = Blueprint("lti_hr", __name__, url_prefix="/hr/lms", template_folder="templates")
ROSTER_ROLES = (Role.HR, Role.ADMIN, Role.TRAINER)
STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress",
                 "completed": "Completed", "passed": "Passed"}


class ResendForm(FlaskForm):
    """Only the CSRF token: the platform is in the URL."""


@bp.get("/rosters")
@roles(*ROSTER_ROLES)
def rosters():
    """The LMS courses elearn is linked into."""
    return render_template("lti_hr/rosters.html", contexts=linked_contexts(get_session()))


@bp.get("/rosters/<int:link_id>")
@roles(*ROSTER_ROLES)
def roster(link_id: int):
    """One LMS course's members with their status; ``status`` filters (e.g. not_started)."""
    status = request.args.get("status") or None
    status_error = None
    if status is not None and status not in STATUSES:
        status_error = _("Choose one of the listed statuses.")
        status = None
    view = roster_of(get_session(), link_id)
    if view is None:
        abort(404)
    rows = [row for row in view.rows if status is None or row.status == status]
    return render_template("lti_hr/roster.html", view=view, rows=rows, status=status,
                           statuses=STATUSES, status_labels=STATUS_LABELS,
                           status_error=status_error), (422 if status_error else 200)


@bp.post("/passback/<int:platform_id>/resend")
@roles(Role.HR, Role.ADMIN)
def resend(platform_id: int):
    """Queue the platform's dead-lettered scores again."""
    if not ResendForm().validate_on_submit():
        abort(400)
    moved = passback_queue.resend(get_session(), now=utcnow(), platform_id=platform_id)
    flash(ngettext("%(count)s refused score is queued again.",
                   "%(count)s refused scores are queued again.", moved, count=moved), "info")
    return redirect(url_for("hr.delivery") + "#lms-passback")


def passback_section(session) -> dict:
    """What /hr/delivery shows of grade passback (see hr/delivery.html)."""
    return {"platforms": passback_queue.status(session, utcnow(), with_dead=True),
            "form": ResendForm()}


def init_app(app: Flask) -> None:
    from elearn.web.nav import register_nav

    app.register_blueprint(bp)
    register_nav(app, "lti_hr.rosters", "LMS rosters", order=57)
