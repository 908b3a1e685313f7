"""``GET /api/me/export``: the signed-in person's own data as JSON (any role: trainers, HR and
admins have personal data here too).  Each export is written to the accountability log."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields

from elearn.access import roles
from elearn.api.learning_schemas import LanguageQuerySchema, language_of
from elearn.db import get_session
from elearn.privacy import audit
from elearn.privacy.export import export_of

blp = Blueprint("privacy_api", __name__, url_prefix="/api/me",
                description="The signed-in person's own data (GDPR access and portability)")


class ExportQuerySchema(LanguageQuerySchema):
    download = fields.Boolean(load_default=False,
                              metadata={"description": "true: as an attachment (my-data.json)"})


@blp.after_request
def _private(response):
    """Personal data is never kept by shared caches or the browser's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.get("/export")
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, description="account, enrolments (units, attempts with answers, "
              "reflections), statements with each LRS's delivery state, and records: every "
              "stored row about the person, per table")
@roles()
def export(query):
    """Everything elearn holds about the signed-in person."""
    session = get_session()
    # Recorded first, so the export shows its own entry in the accountability log.
    audit.record(session, "export", actor_id=current_user.id, subject_id=current_user.id,
                 details={"format": "json"})
    document = export_of(session, current_user, language_of(query))
    response = jsonify(document)
    if query["download"]:
        response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response
