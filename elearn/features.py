"""Feature registry: each feature package wires its blueprints, API and nav entries here.

Keeping the list in one place lets features be developed side by side without touching
``create_app``.
"""
from __future__ import annotations

from flask import Flask


def init_features(app: Flask) -> None:
    """Call ``init_app`` of every feature package (added as features land)."""
    for init in _feature_inits():
        init(app)


def _feature_inits():
    from elearn import content, lti
    from elearn.api import learner as learner_api
    from elearn.web import admin_views, hr_views, trainer_views
    from elearn.web import learner
    from elearn.web import quiz_rounds
    from elearn.xapi import outbox as xapi_outbox
    from elearn.xapi import feature as xapi_delivery
    from elearn import privacy, publishing, security

    return [content.init_app, xapi_outbox.init_app, learner.init_app, learner_api.init_app,
            hr_views.init_app, trainer_views.init_app, xapi_delivery.init_app,
            admin_views.init_app, privacy.init_app, lti.init_app, security.init_app,
            quiz_rounds.init_app, publishing.init_app]
