"""/api/me/progress: the signed-in learner's progress in each course they are enrolled in."""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint

from elearn.access import roles
from elearn.api.learning_schemas import (LanguageQuerySchema, ProgressSchema, language_of,
                                         progress_data)
from elearn.db import get_session
from elearn.models import Role
from elearn.services import learning

blp = Blueprint("progress_api", __name__, url_prefix="/api/me/progress",
                description="The signed-in learner's progress")


@blp.get("")
@blp.arguments(LanguageQuerySchema, location="query")
@blp.response(200, ProgressSchema(many=True))
@roles(Role.LEARNER)
def my_progress(query):
    """Progress in every course the learner is enrolled in (the current enrolment of each):
    units viewed, quizzes passed, best scores, attempts left, reflections written, share
    complete, completion, score and pass state, and where to continue."""
    session = get_session()
    language = language_of(query)
    current = learning.current_enrolments(session, current_user)
    return [progress_data(progress, language)
            for progress in learning.progress_of_each(session, current)]
