"""/api/analytics: quiz analytics of one course version for trainers (aggregates only).

Figures backed by fewer than 5 distinct learners are ``null`` and named in the object's
``suppressed`` list, exactly as the pages show "fewer than 5 learners".
"""
from __future__ import annotations

from flask import abort
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from elearn.access import roles
from elearn.db import get_session
from elearn.models import Role
from elearn.services import analytics

blp = Blueprint("analytics_api", __name__, url_prefix="/api/analytics",
                description="Quiz analytics for trainers (roles trainer and admin)")

SUPPRESSED_DOC = ("Names of the figures withheld because fewer than 5 distinct learners "
                  "back them; those figures are null.")


class DistributionEntrySchema(Schema):
    key = fields.String(metadata={"description": "choice id, pair id, true/false, or "
                                                 "correct/incorrect (ordering)"})
    label = fields.Dict(keys=fields.String(), values=fields.String())
    count = fields.Integer()
    share = fields.Float()


class QuestionStatsSchema(Schema):
    key = fields.String()
    type = fields.String()
    position = fields.Integer()
    prompt = fields.Dict(keys=fields.String(), values=fields.String())
    attempts = fields.Integer(allow_none=True)
    first_attempt_correct_share = fields.Float(allow_none=True)
    distribution_kind = fields.String(metadata={"description": "choices, pairs_correct "
                                                               "(matching) or ordering"})
    distribution = fields.List(fields.Nested(DistributionEntrySchema), allow_none=True)
    most_common_wrong = fields.Dict(keys=fields.String(), values=fields.String(),
                                    allow_none=True)
    most_common_wrong_response = fields.Raw(allow_none=True)
    most_common_wrong_count = fields.Integer(allow_none=True)
    suppressed = fields.List(fields.String(), metadata={"description": SUPPRESSED_DOC})


class QuizStatsSchema(Schema):
    unit_key = fields.String()
    position = fields.Integer()
    title = fields.Dict(keys=fields.String(), values=fields.String())
    pass_rate = fields.Float(allow_none=True)
    mean_attempts_to_pass = fields.Float(allow_none=True)
    questions = fields.List(fields.Nested(QuestionStatsSchema))
    suppressed = fields.List(fields.String(), metadata={"description": SUPPRESSED_DOC})


class VersionStatsSchema(Schema):
    course = fields.String()
    version = fields.Integer()
    title = fields.Dict(keys=fields.String(), values=fields.String())
    min_learners = fields.Integer()
    quizzes = fields.List(fields.Nested(QuizStatsSchema))


@blp.get("/courses/<slug>/versions/<int:number>")
@blp.response(200, VersionStatsSchema)
@roles(Role.TRAINER, Role.ADMIN)
def version_analytics(slug: str, number: int):
    """Per quiz and question of one course version: attempts, first-attempt success, answer
    distribution, most common wrong answer, pass rate, mean attempts to pass."""
    session = get_session()
    version = analytics.find_version(session, slug, number)
    if version is None:
        abort(404, description=f"No version {number} of course {slug!r}.")
    return analytics.version_stats(session, version)
