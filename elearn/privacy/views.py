"""Privacy pages: the person's own data as a readable document (``/learn/my-data``).

Views only parse, authorise and render; the export is built by :mod:`elearn.privacy.export`.
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template
from flask_login import current_user

from elearn.access import roles
from elearn.db import get_session
from elearn.i18n import current_language, fmt_datetime
from elearn.privacy import audit
from elearn.privacy.export import export_of

bp = Blueprint("privacy", __name__, template_folder="templates")


@bp.after_request
def _private(response):
    """Personal data is never kept by shared caches or the browser's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_filter("iso_datetime")
def iso_datetime(value: str | None) -> str:
    """An ISO 8601 time from an export, formatted for the reader's language."""
    return fmt_datetime(datetime.fromisoformat(value)) if value else ""


@bp.get("/learn/my-data")
@roles()
def my_data():
    """Everything about the signed-in person as a readable document, with the JSON link."""
    session = get_session()
    # Recorded first, so the export shows its own entry in the accountability log.
    audit.record(session, "export", actor_id=current_user.id, subject_id=current_user.id,
                 details={"format": "html"})
    document = export_of(session, current_user, current_language())
    return render_template("privacy/my_data.html", data=document)
