"""Wires the delivery and read side of xAPI into the app: the ``/xapi/`` read API (with CORS
for the configured origins) and the
``elearn xapi`` command group (the outbox side registers itself in ``elearn.xapi.outbox``)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from elearn.xapi import cors, read_api
    from elearn.xapi.cli import xapi_group

    app.register_blueprint(read_api.bp)
    cors.init_app(app)
    if "xapi" not in app.cli.commands:
        app.cli.add_command(xapi_group)
