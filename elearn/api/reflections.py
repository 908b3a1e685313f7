"""Reflections: the learner's private texts.  Every endpoint works only on the signed-in
learner's own reflections (the learner role only; other roles get 403, other learners 404):
there is no way to name somebody else's reflection, and ids of other learners' reflections
answer 404 like ids that do not exist."""
from __future__ import annotations

from flask import Response
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from elearn.access import roles
from elearn.api.learning_schemas import LanguageQuerySchema, language_of
from elearn.db import get_session
from elearn.errors import APIError
from elearn.models import Role
from elearn.services import learning
from elearn.services.i18n_text import text_in
from elearn.services.reflections import REFLECTION_MAX_LENGTH

blp = Blueprint("reflections_api", __name__, url_prefix="/api",
                description="The signed-in learner's own reflections (private to them)")


class ReflectionSchema(Schema):
    id = fields.Integer()
    course_slug = fields.String()
    unit_key = fields.String()
    task_key = fields.String()
    prompt = fields.String()
    min_length = fields.Integer()
    text = fields.String()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ReflectionBodySchema(Schema):
    text = fields.String(required=True, validate=validate.Length(max=REFLECTION_MAX_LENGTH),
                         metadata={"description": "The reflection: at least the task's own "
                                   "min_length characters after trimming (see the task's "
                                   "min_length in the unit view), at most "
                                   f"{REFLECTION_MAX_LENGTH}"})


class ExportRowSchema(Schema):
    id = fields.Integer()
    course = fields.String()
    course_title = fields.String()
    version = fields.Integer()
    unit = fields.String()
    unit_title = fields.String()
    task = fields.String()
    prompt = fields.String()
    text = fields.String()
    created_at = fields.String()
    updated_at = fields.String()


class ExportSchema(Schema):
    reflections = fields.List(fields.Nested(ExportRowSchema))


class ExportQuerySchema(LanguageQuerySchema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "markdown")),
                           metadata={"description": "json (default) or markdown (a download)"})


@blp.after_request
def _private(response):
    """Reflections are private: never kept by shared caches or the browser's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def reflection_data(reflection, language: str) -> dict:
    task = reflection.task
    unit = task.unit
    return {"id": reflection.id, "course_slug": unit.version.course.slug,
            "unit_key": unit.unit_key, "task_key": task.task_key,
            "prompt": text_in(task.prompt, language), "min_length": task.min_length,
            "text": reflection.text, "created_at": reflection.created_at,
            "updated_at": reflection.updated_at}


def _path(session, slug: str, unit_key: str, *, reading: bool):
    """Enrolment and unit of the path.  Reading without an enrolment is 404 (there is no
    reflection of this learner there); writing without one is 409 not_enrolled."""
    enrolment = learning.enrolment_for(session, current_user, slug)
    if enrolment is None:
        if reading:
            raise APIError(404, "No such reflection.", code="reflection_not_found")
        enrolment = learning.require_enrolment(session, current_user, slug)
    return enrolment, learning.unit_of(session, enrolment, unit_key)


@blp.get("/courses/<slug>/units/<unit_key>/reflections/<task_key>")
@blp.arguments(LanguageQuerySchema, location="query")
@blp.response(200, ReflectionSchema)
@blp.alt_response(404, description="Not written yet, or no such task")
@roles(Role.LEARNER)
def get_reflection(query, slug, unit_key, task_key):
    """The signed-in learner's reflection on a task (404 until written)."""
    session = get_session()
    enrolment, unit = _path(session, slug, unit_key, reading=True)
    reflection = learning.reflection_for(session, enrolment, unit, task_key)
    if reflection is None:
        raise APIError(404, "No reflection written yet.", code="reflection_not_found")
    return reflection_data(reflection, language_of(query))


@blp.put("/courses/<slug>/units/<unit_key>/reflections/<task_key>")
@blp.arguments(ReflectionBodySchema)
@blp.arguments(LanguageQuerySchema, location="query")
@blp.response(200, ReflectionSchema)
@blp.alt_response(422, description="Too short or too long; details.fields names text")
@blp.alt_response(409, description="Not enrolled (not_enrolled)")
@roles(Role.LEARNER)
def put_reflection(body, query, slug, unit_key, task_key):
    """Write or edit the signed-in learner's reflection on a task."""
    session = get_session()
    enrolment, unit = _path(session, slug, unit_key, reading=False)
    reflection = learning.save_reflection(session, enrolment, unit, task_key, body["text"])
    return reflection_data(reflection, language_of(query))


@blp.get("/reflections/<int:reflection_id>")
@blp.arguments(LanguageQuerySchema, location="query")
@blp.response(200, ReflectionSchema)
@blp.alt_response(404, description="No such reflection of the signed-in learner")
@roles(Role.LEARNER)
def get_reflection_by_id(query, reflection_id):
    """One of the signed-in learner's reflections by id (404 for anyone else's)."""
    session = get_session()
    own = [r for r in learning.reflections_of(session, current_user) if r.id == reflection_id]
    if not own:
        raise APIError(404, "No such reflection.", code="reflection_not_found")
    return reflection_data(own[0], language_of(query))


@blp.get("/me/reflections")
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, ExportSchema,
              description="JSON; with format=markdown the same as a text/markdown download "
                          "(reflections.md)")
@roles(Role.LEARNER)
def export_reflections(query):
    """All the signed-in learner's reflections: JSON, or with ``format=markdown`` a Markdown
    document to download and keep."""
    session = get_session()
    language = language_of(query)
    if query["format"] == "markdown":
        text = learning.reflections_markdown(session, current_user, language)
        return Response(text, mimetype="text/markdown",
                        headers={"Content-Disposition":
                                 'attachment; filename="reflections.md"'})
    return {"reflections": learning.reflections_export(session, current_user, language)}
