"""Quiz attempts: submit answers (scored on the server), list a quiz's attempts, read one
attempt with feedback.  Only the learner who made an attempt can see it."""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from elearn.access import roles
from elearn.api.learning_schemas import (AttemptFeedbackSchema, AttemptSummarySchema,
                                         LanguageQuerySchema, UnitStatusSchema, field_names,
                                         language_of, unit_status_data)
from elearn.db import get_session
from elearn.models import Role
from elearn.security.converters import MAX_ID
from elearn.services import learning

blp = Blueprint("attempts_api", __name__, url_prefix="/api",
                description="Quiz attempts of the signed-in learner")


class SubmitAttemptSchema(Schema):
    attempt_id = fields.Integer(required=True, strict=True,
                                validate=validate.Range(min=1, max=MAX_ID),
                                metadata={"description": "quiz.attempt_id of the unit view"})
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True),
                          required=True,
                          metadata={"description": "{question key: answer}; every question of "
                                    "the attempt.  single_choice: choice id; multiple_choice: "
                                    "list of choice ids; true_false: true/false; matching: "
                                    "{source id: target id}; ordering: list of item ids"})


class SubmittedAttemptSchema(AttemptFeedbackSchema):
    unit_status = fields.Nested(UnitStatusSchema)
    course_progress = fields.Float(metadata={"description": "Share of units complete, 0–1"})
    course_completed = fields.Boolean()
    course_passed = fields.Boolean()


def _feedback_data(feedback) -> dict:
    data = {name: getattr(feedback, name) for name in field_names(AttemptFeedbackSchema)
            if name != "questions"}
    data["questions"] = [vars(q) for q in feedback.questions]
    return data


def _unit(session, slug: str, unit_key: str):
    enrolment = learning.require_enrolment(session, current_user, slug)
    return enrolment, learning.unit_of(session, enrolment, unit_key)


@blp.post("/courses/<slug>/units/<unit_key>/attempts")
@blp.arguments(SubmitAttemptSchema)
@blp.arguments(LanguageQuerySchema, location="query")
@blp.response(201, SubmittedAttemptSchema)
@blp.alt_response(409, description="Already submitted (attempt_already_submitted), no "
                                   "attempts left (attempts_exhausted) or not enrolled")
@blp.alt_response(422, description="Invalid answers; details.fields names answers.<key>")
@roles(Role.LEARNER)
def submit(body, query, slug, unit_key):
    """Submit the answers of the open attempt; returns the score, pass/fail and per-question
    feedback in the requested language, with the unit's and course's new state."""
    session = get_session()
    enrolment, unit = _unit(session, slug, unit_key)
    attempt = learning.submit_attempt(session, enrolment, unit, body["attempt_id"],
                                      body["answers"])
    data = _feedback_data(learning.attempt_feedback(session, attempt, language_of(query)))
    progress = learning.progress_of(session, enrolment)
    data["unit_status"] = unit_status_data(next(s for s in progress.units
                                                if s.unit_id == unit.id))
    data["course_progress"] = progress.progress
    data["course_completed"] = progress.completed_at is not None
    data["course_passed"] = progress.passed
    return data


@blp.get("/courses/<slug>/units/<unit_key>/attempts")
@blp.response(200, AttemptSummarySchema(many=True))
@roles(Role.LEARNER)
def list_attempts(slug, unit_key):
    """The learner's submitted attempts of this unit's quiz, oldest first."""
    session = get_session()
    enrolment, unit = _unit(session, slug, unit_key)
    return learning.attempts_of(session, enrolment, unit)


@blp.get("/attempts/<int:attempt_id>")
@blp.arguments(LanguageQuerySchema, location="query")
@blp.response(200, AttemptFeedbackSchema)
@blp.alt_response(404, description="No such attempt of the signed-in learner")
@roles(Role.LEARNER)
def get_attempt(query, attempt_id):
    """One submitted attempt of the signed-in learner with its feedback (404 for others')."""
    session = get_session()
    attempt = learning.attempt_of_user(session, current_user, attempt_id)
    return _feedback_data(learning.attempt_feedback(session, attempt, language_of(query)))
