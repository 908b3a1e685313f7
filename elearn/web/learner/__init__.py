"""Learner pages: catalogue, dashboard, course overview, unit with quiz and reflections,
attempt results, completion and the learner's own reflections.

Views only parse, authorise and render; every learning rule (enrolment, draw, scoring,
progress, completion) lives in :mod:`elearn.services.learning`.
"""
from __future__ import annotations

from flask import Flask

from elearn.web.nav import register_nav


def init_app(app: Flask) -> None:
    """Register the learner blueprint, its navigation entries and the learner landing page."""
    from elearn.web.learner import views
    from elearn.web.learner.presenters import content_language, localised

    app.register_blueprint(views.bp)
    app.jinja_env.filters["localised"] = localised
    app.jinja_env.filters["content_language"] = content_language
    # A deployment may point learners elsewhere with ELEARN_ROLE_LANDING; keep its choice.
    app.config["ROLE_LANDING"].setdefault("learner", "learner.dashboard")
    register_nav(app, "learner.dashboard", "My learning", order=10)
    register_nav(app, "learner.catalogue", "Courses", order=20)
    register_nav(app, "learner.reflections", "My reflections", order=30)
