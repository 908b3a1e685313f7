"""The learner JSON API feature: courses and units, enrolment, quiz attempts, reflections and
progress (one module per resource), all for the learner role."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the learner API blueprints (documented in /api/openapi.json)."""
    from elearn.api import attempts, courses, enrolments, progress, reflections, register

    for module in (courses, enrolments, attempts, reflections, progress):
        register(module.blp)
