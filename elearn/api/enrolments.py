"""/api/courses/<slug>/enrolment and /api/enrolments: enrolling (xAPI: registered) and the
learner's enrolments."""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from elearn.access import roles
from elearn.db import get_session
from elearn.models import Role
from elearn.services import learning
from elearn.services.course_structure import structure_of
from elearn.services.i18n_text import text_in
from elearn.api.learning_schemas import LanguageQuerySchema, language_of

blp = Blueprint("enrolments_api", __name__, url_prefix="/api",
                description="Enrolment: a learner on one pinned course version")


class EnrolmentSchema(Schema):
    id = fields.Integer()
    registration = fields.String(metadata={"description": "xAPI context registration (UUID)"})
    course_slug = fields.String()
    course_title = fields.String()
    version = fields.Integer(metadata={"description": "Pinned course version"})
    enrolled_at = fields.AwareDateTime()
    last_activity_at = fields.AwareDateTime()
    last_unit_key = fields.String(allow_none=True)
    progress = fields.Float(metadata={"description": "Share of units complete, 0–1"})
    completed_at = fields.AwareDateTime(allow_none=True)
    score = fields.Float(allow_none=True)
    passed_at = fields.AwareDateTime(allow_none=True)
    current = fields.Boolean(metadata={"description": "The enrolment the course pages use"})
    newer_version = fields.Integer(allow_none=True, metadata={
        "description": "Number of a newer published version when this enrolment is completed "
                       "and current; POST …/enrolment then starts it (null otherwise)"})


def enrolment_data(session, enrolment, language: str, current: bool, newest=None) -> dict:
    """``newest``: the course's newest version when the caller has read it already."""
    version = enrolment.version
    newer = learning.newer_version_for(session, enrolment, newest) if current else None
    last = structure_of(session, version).unit(enrolment.last_unit_id)
    last_unit = last.unit_key if last is not None else None
    return {"id": enrolment.id, "registration": enrolment.registration,
            "course_slug": version.course.slug, "course_title": text_in(version.title, language),
            "version": version.number, "enrolled_at": enrolment.enrolled_at,
            "last_activity_at": enrolment.last_activity_at, "last_unit_key": last_unit,
            "progress": enrolment.progress, "completed_at": enrolment.completed_at,
            "score": enrolment.score, "passed_at": enrolment.passed_at, "current": current,
            "newer_version": newer.number if newer is not None else None}


@blp.post("/courses/<slug>/enrolment")
@blp.arguments(LanguageQuerySchema, location="query")
@blp.response(201, EnrolmentSchema,
              description="Enrolled now: first enrolment, or the newest version after "
                          "completing an older one")
@blp.alt_response(200, schema=EnrolmentSchema,
                  description="Already enrolled (idempotent): unfinished, or completed with no "
                              "newer version")
@blp.alt_response(404, description="No such course")
@roles(Role.LEARNER)
def enrol(query, slug):
    """Enrol in the newest version of a course.  Idempotent: an unfinished enrolment (on the
    version pinned then) is returned with 200, as is a completed one when no newer version
    exists; when the current enrolment is completed and a newer version was published, a new
    enrolment on the newest version is made (the completed one stays) and returned with 201."""
    session = get_session()
    before = learning.enrolment_for(session, current_user, slug)
    enrolment = learning.enrol(session, current_user, slug)
    created = before is None or before.id != enrolment.id
    return enrolment_data(session, enrolment, language_of(query), True), \
        201 if created else 200


@blp.get("/enrolments")
@blp.arguments(LanguageQuerySchema, location="query")
@blp.response(200, EnrolmentSchema(many=True))
@roles(Role.LEARNER)
def list_enrolments(query):
    """The learner's enrolments, newest first (finished ones included)."""
    session = get_session()
    language = language_of(query)
    current = learning.current_enrolments(session, current_user)
    # A completed current enrolment says whether a newer version can be started: read the
    # newest versions once for all courses, and only when one is needed.
    newest = ({v.course_id: v for v in learning.latest_versions(session)}
              if any(e.completed_at is not None for e in current) else {})
    current_ids = {e.id for e in current}
    return [enrolment_data(session, enrolment, language, enrolment.id in current_ids,
                           newest.get(enrolment.version.course_id))
            for enrolment in learning.enrolments_of(session, current_user)]
