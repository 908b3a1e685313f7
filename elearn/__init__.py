"""elearn: the network-leadership course service.

``create_app`` only wires parts together: settings, database, auth, errors, blueprints, CLI.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from elearn.config import load_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"),
                static_folder=str(PROJECT_ROOT / "static"), template_folder="web/templates")
    app.config.update(load_settings(app.instance_path, overrides=overrides))
    from elearn.security.converters import BoundedIntegerConverter
    app.url_map.converters["int"] = BoundedIntegerConverter  # before the first route
    app.config["TESTING"] = app.config.get("TESTING", app.config["ENV"] == "testing")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from elearn import access, api, auth, db, errors, i18n
    from elearn.web import nav

    db.init_app(app)
    auth.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    nav.init_app(app)
    errors.init_app(app)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(access.enforce_access)
    app.before_request(_protect_forms)
    app.after_request(_security_headers)

    _register_blueprints(app)
    api.init_app(app)
    from elearn.features import init_features
    init_features(app)

    from elearn.access import public
    public(app.view_functions["static"])
    access.check_all_routes_declared(app)

    from elearn.cli import register_cli
    register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from elearn import health
    from elearn.web import auth_views

    app.register_blueprint(health.bp)
    app.register_blueprint(auth_views.bp)


def _protect_forms():
    """CSRF check for every form post.  JSON clients (/api/, /xapi/) are exempt: every
    mutating /api/ call must say ``Content-Type: application/json`` (even with an empty body),
    which browsers cannot send cross-site without CORS consent, whatever the cookie's
    SameSite setting."""
    from flask import abort, current_app, request

    from elearn.access import is_api_request
    mutating = request.method in {"POST", "PUT", "PATCH", "DELETE"}
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "cross_site_form", False):
        return None  # e.g. an LTI launch: a signed token and a one-time state protect it
    if is_api_request():
        if mutating and request.path.startswith("/api/") and not request.is_json \
                and request.routing_exception is None:
            abort(415, description="Send the request as application/json, "
                                   "even when it has no body.")
        return None
    if mutating and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    return None


def _security_headers(response):
    """Defaults every page gets: no framing, no sniffing, a strict content policy.

    A feature may widen two sources for one response through ``g``: ``frame_ancestors``
    (LTI pages framed by a registered platform) and ``form_action`` (a form that posts
    back to that platform)."""
    from flask import g

    ancestors = g.get("frame_ancestors") or "'none'"
    form_action = g.get("form_action") or "'self'"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if ancestors == "'none'":
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"frame-ancestors {ancestors}; form-action {form_action}")
    return response
