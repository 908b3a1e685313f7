"""Admin privacy pages (``/admin/privacy``): erase an account after a confirmation that shows
what will go, the erasures done, and the accountability log of who exported, viewed or
erased personal data.

The erasure runs in the request's one transaction (start and completion together), so a
failed request erases nothing and can simply be sent again; the command line
(``elearn privacy erase``) runs the same two steps as separate units of work.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from elearn.access import roles
from elearn.db import get_session
from elearn.i18n import gettext as _
from elearn.models import Role, User
from elearn.privacy import audit, feedback
from elearn.privacy.erasure import (ErasureError, complete_erasure, erasure_preview,
                                    find_erasure, start_erasure)
from elearn.privacy.models import AuditEvent, Erasure

bp = Blueprint("privacy_admin", __name__, url_prefix="/admin/privacy",
               template_folder="templates")
admin_only = roles(Role.ADMIN)
AUDIT_PAGE = 100


def _names(session, ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


@bp.get("")
@admin_only
def overview():
    """The erasure form, the erasures done and the newest accountability entries."""
    session = get_session()
    action = request.args.get("action", "")
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE)
    if action in audit.ACTIONS:
        query = query.where(AuditEvent.action == action)
    events = session.scalars(query).all()
    erasures = session.scalars(select(Erasure).order_by(Erasure.id.desc()).limit(50)).all()
    names = _names(session, [e.actor_id for e in events] + [e.subject_id for e in events]
                   + [e.user_id for e in erasures] + [e.requested_by_id for e in erasures])
    total = session.scalar(select(func.count(AuditEvent.id)))
    return render_template("privacy/admin.html", events=events, erasures=erasures,
                           open_feedback=len(feedback.open_items(session)),
                           names=names, actions=audit.ACTIONS, action=action, total=total,
                           username=request.args.get("username", ""), errors={})


def _problem(username: str, message: str, status: int = 422):
    session = get_session()
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())
                             .limit(AUDIT_PAGE)).all()
    erasures = session.scalars(select(Erasure).order_by(Erasure.id.desc()).limit(50)).all()
    names = _names(session, [e.actor_id for e in events] + [e.subject_id for e in events]
                   + [e.user_id for e in erasures] + [e.requested_by_id for e in erasures])
    return render_template("privacy/admin.html", events=events, erasures=erasures, names=names,
                           open_feedback=len(feedback.open_items(session)),
                           actions=audit.ACTIONS, action="", total=len(events),
                           username=username, errors={"username": message}), status


@bp.post("/erase")
@admin_only
def confirm_erasure():
    """Step one: show whose data will go and what, and ask for the username again."""
    session = get_session()
    username = request.form.get("username", "").strip()
    if not username:
        return _problem(username, _("Enter the username of the account to erase."))
    user, erasure = find_erasure(session, username)
    if user is None and erasure is None:
        return _problem(username, _("No account is named %(username)s.", username=username))
    if user is None:
        return _problem(username, _("%(username)s was already erased on %(date)s.",
                                    username=username,
                                    date=erasure.completed_at.strftime("%Y-%m-%d")), 409)
    if user.id == current_user.id:
        return _problem(username, _("You cannot erase your own account."))
    audit.record(session, "account_view", actor_id=current_user.id, subject_id=user.id,
                 details={"page": "erasure confirmation"})
    return render_template("privacy/erase_confirm.html", user=user,
                           preview=erasure_preview(session, user), errors={})


@bp.post("/erase/confirm")
@admin_only
def erase():
    """Step two: erase, when the typed username matches the one confirmed."""
    session = get_session()
    username = request.form.get("username", "").strip()
    typed = request.form.get("confirm", "").strip()
    user, erasure = find_erasure(session, username)
    if user is None:
        return _problem(username, _("No account is named %(username)s.", username=username))
    if typed != username:
        return render_template(
            "privacy/erase_confirm.html", user=user, preview=erasure_preview(session, user),
            errors={"confirm": _("Type the username exactly as shown to confirm.")}), 422
    admin = session.get(User, current_user.id)
    try:
        user, erasure, _created = start_erasure(session, username, requested_by=admin,
                                                via="admin")
    except ErasureError:
        return _problem(username, _("You cannot erase your own account."))
    complete_erasure(session, user, erasure, requested_by=admin, via="admin")
    flash(_("%(username)s was erased (erasure %(id)s). Voiding statements leave with the next "
            "delivery run.", username=username, id=erasure.id), "info")
    return redirect(url_for("privacy_admin.overview"))


@bp.get("/feedback")
@admin_only
def feedback_list():
    """Open accessibility feedback with the days left of the 14, then recent answered."""
    from elearn.privacy import feedback
    session = get_session()
    items = feedback.open_items(session)
    answered = feedback.answered_items(session)
    names = _names(session, [i.answered_by_id for i in answered])
    return render_template("privacy/feedback_admin.html", items=items, answered=answered,
                           names=names, days_left=feedback.days_left,
                           answer_by=feedback.answer_by)


@bp.post("/feedback/<int:item_id>/answered")
@admin_only
def feedback_answered(item_id: int):
    """Mark one feedback item answered (the answer itself goes by e-mail or phone)."""
    from flask import abort

    from elearn.privacy import feedback
    from elearn.privacy.models import AccessibilityFeedback
    session = get_session()
    item = session.get(AccessibilityFeedback, item_id)
    if item is None:
        abort(404)
    feedback.mark_answered(session, item, current_user.id)
    flash(_("Feedback %(id)s marked answered.", id=item.id), "info")
    return redirect(url_for("privacy_admin.feedback_list"))
