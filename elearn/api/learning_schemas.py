"""Schemas shared by the learner API resources (courses, attempts, reflections, progress).

Texts are returned in one language: the ``lang`` query argument (fi, sv, en) or else the
interface language of the request (account preference, browser, service default).
"""
from __future__ import annotations

import functools

from marshmallow import Schema, fields, validate

from elearn.i18n import current_language
from elearn.services.i18n_text import LANGUAGES


class LanguageQuerySchema(Schema):
    lang = fields.String(validate=validate.OneOf(LANGUAGES),
                         metadata={"description": "Language of texts: fi, sv or en "
                                                  "(default: the interface language)"})


def language_of(query: dict) -> str:
    """The language asked for in ``query`` or the interface language of the request."""
    return query.get("lang") or current_language()


class UnitStatusSchema(Schema):
    """The learner's standing in one unit."""

    viewed = fields.Boolean()
    quiz_passed = fields.Boolean()
    best_score = fields.Float(allow_none=True, metadata={"description": "Best scaled score 0–1"})
    attempts_used = fields.Integer(metadata={"description": "In the current round"})
    attempts_left = fields.Integer(allow_none=True, metadata={"description": "null: unlimited"})
    max_attempts = fields.Integer(metadata={"description": "0: unlimited; per round"})
    next_round_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "Round used up without a pass: when a new "
                                                  "round opens"})
    reflections_done = fields.Integer()
    reflections_total = fields.Integer()
    complete = fields.Boolean()
    completed_at = fields.AwareDateTime(allow_none=True)


class ProgressSchema(Schema):
    """A learner's progress in one enrolment (services.progress.CourseProgress)."""

    enrolment_id = fields.Integer()
    registration = fields.String(metadata={"description": "xAPI context registration"})
    course_slug = fields.String()
    version_number = fields.Integer()
    title = fields.String()
    progress = fields.Float(metadata={"description": "Share of units complete, 0–1"})
    units_complete = fields.Integer()
    completed_at = fields.AwareDateTime(allow_none=True)
    score = fields.Float(allow_none=True,
                         metadata={"description": "Mean of the best quiz scores, 0–1"})
    mastery_score = fields.Float(metadata={"description": "At most the lowest unit pass mark: "
                                                          "a passed course always reaches it"})
    passed = fields.Boolean(metadata={"description": "Complete: every unit's quiz passed"})
    passed_at = fields.AwareDateTime(allow_none=True)
    resume_unit_key = fields.String(allow_none=True,
                                    metadata={"description": "Unit last opened (or the first)"})
    next_unit_key = fields.String(allow_none=True,
                                  metadata={"description": "First unit not complete"})
    units = fields.List(fields.Nested(lambda: UnitProgressSchema()))


class UnitProgressSchema(UnitStatusSchema):
    unit_key = fields.String()
    position = fields.Integer()
    title = fields.String()


class OptionSchema(Schema):
    id = fields.String()
    text = fields.String()


class QuestionSchema(Schema):
    """A question as shown: never includes correct answers or feedback.  Serialises the
    dicts of ``learning.present_question``; keys a type lacks are left out."""

    def get_attribute(self, obj, attr, default):
        # A dict without "items" must not fall back to the dict.items method.
        return obj.get(attr, default) if isinstance(obj, dict) else \
            super().get_attribute(obj, attr, default)

    key = fields.String()
    type = fields.String(metadata={"description": "single_choice, multiple_choice, true_false, "
                                                  "matching or ordering"})
    points = fields.Float()
    prompt = fields.String()
    choices = fields.List(fields.Nested(OptionSchema),
                          metadata={"description": "single/multiple choice; answer with the id "
                                                   "(single) or a list of ids (multiple)"})
    sources = fields.List(fields.Nested(OptionSchema),
                          metadata={"description": "matching; answer {source id: target id}"})
    targets = fields.List(fields.Nested(OptionSchema), metadata={"description": "matching"})
    items = fields.List(fields.Nested(OptionSchema),
                        metadata={"description": "ordering (shuffled); answer with every item "
                                                 "id in order"})


class AttemptSummarySchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    started_at = fields.AwareDateTime()
    submitted_at = fields.AwareDateTime(allow_none=True)
    score_raw = fields.Float(allow_none=True)
    score_max = fields.Float(allow_none=True)
    score_scaled = fields.Float(allow_none=True)
    passed = fields.Boolean(allow_none=True)


class ChoiceFeedbackSchema(Schema):
    id = fields.String()
    text = fields.String()
    feedback = fields.String()


class QuestionFeedbackSchema(Schema):
    key = fields.String()
    type = fields.String()
    prompt = fields.String()
    response = fields.Raw(metadata={"description": "The learner's answer as scored"})
    correct = fields.Boolean()
    points = fields.Float()
    max_points = fields.Float()
    feedback = fields.String(metadata={"description": "Why the answer is right or not"})
    choice_feedback = fields.List(fields.Nested(ChoiceFeedbackSchema),
                                  metadata={"description": "Feedback of the chosen choices"})


class AttemptFeedbackSchema(Schema):
    attempt_id = fields.Integer()
    unit_key = fields.String()
    number = fields.Integer()
    submitted_at = fields.AwareDateTime(allow_none=True)
    score_raw = fields.Float()
    score_max = fields.Float()
    score_scaled = fields.Float()
    passed = fields.Boolean()
    pass_mark = fields.Float()
    questions = fields.List(fields.Nested(QuestionFeedbackSchema))


@functools.cache
def field_names(schema: type[Schema]) -> tuple[str, ...]:
    """The field names of ``schema``, from one instance made per process (building a
    marshmallow schema is far slower than reading the attributes it names)."""
    return tuple(schema().fields)


def unit_status_data(status) -> dict:
    """UnitStatus (services.progress) as plain data for :class:`UnitStatusSchema`."""
    return {name: getattr(status, name) for name in field_names(UnitStatusSchema)}


def progress_data(progress, language: str) -> dict:
    """CourseProgress (services.progress) as plain data for :class:`ProgressSchema`, titles
    in ``language``."""
    from elearn.services.i18n_text import text_in

    data = {name: getattr(progress, name) for name in field_names(ProgressSchema)
            if name not in {"title", "units"}}
    data["title"] = text_in(progress.title, language)
    data["units"] = [dict(unit_status_data(unit), unit_key=unit.unit_key,
                          position=unit.position, title=text_in(unit.title, language))
                     for unit in progress.units]
    return data
