"""/api/courses: the catalogue, one course with the learner's unit statuses, and one unit
(content, the questions of the current quiz attempt, reflection prompts).

Taking courses is for the learner role only: trainers, HR and admins administer the service
and use a learner account to try a course as learners see it.  Reading a unit counts as
opening it (first open: UnitOpened) and starts a quiz attempt with its random draw when none
is open.
"""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from elearn.access import roles
from elearn.api.learning_schemas import (LanguageQuerySchema, QuestionSchema, UnitStatusSchema,
                                         language_of, unit_status_data)
from elearn.db import get_session
from elearn.models import Role
from elearn.services import learning
from elearn.services.course_structure import structure_of
from elearn.services.i18n_text import text_in

blp = Blueprint("courses_api", __name__, url_prefix="/api/courses",
                description="Courses and units as the signed-in learner sees them")


class EnrolmentBriefSchema(Schema):
    id = fields.Integer()
    registration = fields.String()
    version = fields.Integer()
    enrolled_at = fields.AwareDateTime()
    progress = fields.Float(metadata={"description": "Share of units complete, 0–1"})
    completed_at = fields.AwareDateTime(allow_none=True)
    passed_at = fields.AwareDateTime(allow_none=True)
    score = fields.Float(allow_none=True)


class CourseSummarySchema(Schema):
    slug = fields.String()
    version = fields.Integer(metadata={"description": "The version the learner sees: pinned "
                                                     "by the enrolment, else the newest"})
    title = fields.String()
    description = fields.String()
    mastery_score = fields.Float()
    unit_count = fields.Integer()
    enrolment = fields.Nested(EnrolmentBriefSchema, allow_none=True)
    newer_version = fields.Integer(allow_none=True, metadata={
        "description": "Number of a newer published version when the learner's enrolment is "
                       "completed; POST …/enrolment then starts it (null otherwise)"})


class UnitSummarySchema(Schema):
    key = fields.String()
    position = fields.Integer()
    title = fields.String()
    estimated_minutes = fields.Integer()
    status = fields.Nested(UnitStatusSchema, allow_none=True,
                           metadata={"description": "null when not enrolled"})


class SourceSchema(Schema):
    id = fields.String()
    title = fields.String()
    url = fields.String(allow_none=True)


class CourseDetailSchema(CourseSummarySchema):
    units = fields.List(fields.Nested(UnitSummarySchema))
    sources = fields.List(fields.Nested(SourceSchema))
    resume_unit_key = fields.String(allow_none=True)
    next_unit_key = fields.String(allow_none=True)


class QuizSchema(Schema):
    attempt_id = fields.Integer(allow_none=True,
                                metadata={"description": "Submit answers with this id; null "
                                                         "when the quiz is locked"})
    attempt_number = fields.Integer(allow_none=True)
    pass_mark = fields.Float()
    max_attempts = fields.Integer(metadata={"description": "0: unlimited"})
    attempts_used = fields.Integer()
    attempts_left = fields.Integer(allow_none=True)
    best_score = fields.Float(allow_none=True)
    passed = fields.Boolean()
    locked = fields.Boolean(metadata={"description": "No attempts left in this round"})
    next_round_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "Locked without a pass: when a new round of "
                                                  "max_attempts attempts opens"})
    questions = fields.List(fields.Nested(QuestionSchema))


class ReflectionPromptSchema(Schema):
    key = fields.String()
    prompt = fields.String()
    min_length = fields.Integer()
    written = fields.Boolean()
    updated_at = fields.AwareDateTime(allow_none=True)


class UnitDetailSchema(Schema):
    course_slug = fields.String()
    key = fields.String()
    position = fields.Integer()
    language = fields.String()
    title = fields.String()
    objectives = fields.List(fields.String())
    estimated_minutes = fields.Integer()
    sources = fields.List(fields.Nested(SourceSchema))
    content_html = fields.String(metadata={"description": "Sanitised HTML"})
    previous_unit_key = fields.String(allow_none=True)
    next_unit_key = fields.String(allow_none=True)
    quiz = fields.Nested(QuizSchema)
    reflections = fields.List(fields.Nested(ReflectionPromptSchema))
    status = fields.Nested(UnitStatusSchema)


def _enrolment_brief(enrolment) -> dict | None:
    if enrolment is None:
        return None
    return {"id": enrolment.id, "registration": enrolment.registration,
            "version": enrolment.version.number, "enrolled_at": enrolment.enrolled_at,
            "progress": enrolment.progress, "completed_at": enrolment.completed_at,
            "passed_at": enrolment.passed_at, "score": enrolment.score}


def _summary(session, version, enrolment, language: str, newest=None) -> dict:
    newer = (learning.newer_version_for(session, enrolment, newest)
             if enrolment is not None else None)
    return {"slug": version.course.slug, "version": version.number,
            "newer_version": newer.number if newer is not None else None,
            "title": text_in(version.title, language),
            "description": text_in(version.description, language),
            "mastery_score": version.mastery_score,
            "unit_count": len(structure_of(session, version).units),
            "enrolment": _enrolment_brief(enrolment)}


def _sources(version, ids: list | None = None, language: str = "fi") -> list[dict]:
    rows = []
    for source in version.sources or []:
        if ids is not None and source.get("id") not in ids:
            continue
        rows.append({"id": source.get("id"), "title": text_in(source.get("title"), language),
                     "url": source.get("url")})
    return rows


@blp.get("")
@blp.arguments(LanguageQuerySchema, location="query")
@blp.response(200, CourseSummarySchema(many=True))
@roles(Role.LEARNER)
def list_courses(query):
    """The catalogue: every course in the version the learner sees, with their enrolment."""
    session = get_session()
    language = language_of(query)
    return [_summary(session, enrolment.version if enrolment else newest, enrolment,
                     language, newest)
            for newest, enrolment in learning.catalogue_of(session, current_user)]


@blp.get("/<slug>")
@blp.arguments(LanguageQuerySchema, location="query")
@blp.response(200, CourseDetailSchema)
@roles(Role.LEARNER)
def get_course(query, slug):
    """One course: its units with titles and, when enrolled, the learner's status in each."""
    session = get_session()
    language = language_of(query)
    enrolment = learning.enrolment_for(session, current_user, slug)
    version = enrolment.version if enrolment else learning.latest_version(session, slug)
    data = _summary(session, version, enrolment, language)
    progress = learning.progress_of(session, enrolment) if enrolment else None
    statuses = {s.unit_id: s for s in progress.units} if progress else {}
    data["units"] = [{"key": unit.unit_key, "position": unit.position,
                      "title": text_in(unit.title, language),
                      "estimated_minutes": unit.estimated_minutes,
                      "status": unit_status_data(statuses[unit.id])
                      if unit.id in statuses else None}
                     for unit in version.units]
    data["sources"] = _sources(version, language=language)
    data["resume_unit_key"] = progress.resume_unit_key if progress else None
    data["next_unit_key"] = progress.next_unit_key if progress else None
    return data


@blp.get("/<slug>/units/<unit_key>")
@blp.arguments(LanguageQuerySchema, location="query")
@blp.response(200, UnitDetailSchema)
@blp.alt_response(409, description="Not enrolled (code not_enrolled)")
@blp.alt_response(404, description="No such course or unit")
@roles(Role.LEARNER)
def get_unit(query, slug, unit_key):
    """Open a unit: its rendered content, the questions of the current quiz attempt (without
    correct answers) and the reflection prompts.  Counts as opening the unit and starts a quiz
    attempt (with its random draw) when none is open."""
    session = get_session()
    language = language_of(query)
    enrolment = learning.require_enrolment(session, current_user, slug)
    unit = learning.open_unit(session, enrolment, unit_key)
    try:
        attempt = learning.current_attempt(session, enrolment, unit)
    except learning.QuizLocked:
        attempt = None
    status = learning.quiz_status(session, enrolment, unit)  # after a new round may open
    questions = ([learning.present_question(q, language, attempt)
                  for q in learning.attempt_questions(session, attempt)] if attempt else [])
    written = learning.reflections_in_unit(session, enrolment, unit)
    previous_unit, next_unit = structure_of(session, enrolment.version).neighbours(unit.id)
    progress = learning.progress_of(session, enrolment)
    unit_status = next(s for s in progress.units if s.unit_id == unit.id)
    return {
        "course_slug": slug, "key": unit.unit_key, "position": unit.position,
        "language": language, "title": text_in(unit.title, language),
        "objectives": list(text_in(unit.objectives, language) or []),
        "estimated_minutes": unit.estimated_minutes,
        "sources": _sources(enrolment.version, list(unit.sources or []), language),
        "content_html": text_in(unit.content_html, language),
        "previous_unit_key": previous_unit.unit_key if previous_unit else None,
        "next_unit_key": next_unit.unit_key if next_unit else None,
        "quiz": {"attempt_id": attempt.id if attempt else None,
                 "attempt_number": attempt.number if attempt else None,
                 "pass_mark": status.pass_mark, "max_attempts": status.max_attempts,
                 "attempts_used": status.attempts_used, "attempts_left": status.attempts_left,
                 "best_score": status.best_score, "passed": status.passed,
                 "locked": status.locked, "next_round_at": status.next_round_at,
                 "questions": questions},
        "reflections": [{"key": task.task_key, "prompt": text_in(task.prompt, language),
                         "min_length": task.min_length, "written": task.task_key in written,
                         "updated_at": written[task.task_key].updated_at
                         if task.task_key in written else None}
                        for task in unit.reflection_tasks],
        "status": unit_status_data(unit_status),
    }
