"""Privacy: a person's own data (export), erasure that reaches every LRS, retention, the
accountability log, and the public privacy notice and accessibility statement."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the privacy pages, ``/api/me/export``, the nav entry and ``elearn privacy``."""
    from elearn.api import register
    from elearn.privacy import api, cli, views
    from elearn.web.nav import register_nav

    app.register_blueprint(views.bp)
    register(api.blp)
    register_nav(app, "privacy.my_data", "My data", order=90)
    cli.register(app)
