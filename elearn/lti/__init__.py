"""LTI 1.3 Advantage tool: elearn launched from Moodle/eOppiva (docs/lms.md).

Parts, one purpose each: ``models`` (platforms, keys, identities, links, one-time states),
``keys`` (the tool's signing keys), ``platform_keys`` (platforms' JWKS, cached),
``platforms`` and ``registration`` (manual and dynamic registration), ``login`` (OIDC login
initiation), ``validation`` (every check of a launch), ``launch`` (account linking, role
mapping, enrolment, links), ``deep_linking``, ``framing`` (cookies and frame-ancestors),
``views`` and ``admin`` (pages), ``cli`` (``elearn lti``).
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the tool's endpoints, the admin page, framing rules and ``elearn lti``."""
    from elearn.lti import admin, advantage, cli, framing, views

    framing.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin.bp)
    app.cli.add_command(cli.lti_group)
    advantage.init_app(app)  # grade passback, rosters (LTI Advantage services)
