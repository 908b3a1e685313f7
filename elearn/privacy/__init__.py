"""Privacy: a person's own data (export), erasure that reaches every LRS, retention, the
accountability log, and the public privacy notice and accessibility statement."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Check the operator's notice texts (production refuses to start without them), then
    register the privacy pages, ``/api/me/export``, the nav entries and ``elearn privacy``."""
    from elearn.api import register
    from elearn.privacy import admin_views, api, cli, notice_views, views
    from elearn.privacy.notices import notices_for
    from elearn.privacy.retention import Retention
    from elearn.privacy.schedule import every_hours
    from elearn.web.nav import register_nav

    app.extensions["elearn.notices"] = notices_for(app.config)
    app.extensions["elearn.retention"] = Retention.from_config(app.config)
    every_hours(app.config)  # a bad purge interval stops start-up, not the worker later
    app.register_blueprint(views.bp)
    app.register_blueprint(notice_views.bp)
    app.register_blueprint(admin_views.bp)
    register(api.blp)
    register_nav(app, "privacy.my_data", "My data", order=90, place="tools")
    # The accessibility feedback list is linked from the privacy page with its open count.
    register_nav(app, "privacy_admin.overview", "Privacy", order=85)
    cli.register(app)
