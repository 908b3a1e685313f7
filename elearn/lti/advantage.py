"""LTI Advantage services of the tool, wired into the app: grade passback (the events
subscriber that writes scores, and ``elearn lti status|resend``), the roster pages (NRPS).

The delivery worker picks the passback up by itself (:func:`passback_worker`), so
``elearn xapi worker`` and ``elearn serve`` send scores without further setup.
"""
from __future__ import annotations

from flask import Flask

EXTENSION = "elearn.lti.advantage"


def init_app(app: Flask) -> None:
    from elearn.lti import hr_views, passback, passback_cli

    passback.init_app(app)
    passback_cli.register_cli(app)
    hr_views.init_app(app)
    app.extensions[EXTENSION] = True


def passback_worker(app: Flask):
    """The passback worker for ``app``, or None when LTI is not wired in."""
    if not app.extensions.get(EXTENSION):
        return None
    from elearn.lti.delivery import PassbackWorker
    return PassbackWorker(app)
