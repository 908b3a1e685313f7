"""Liveness and readiness probes for load balancers and operators."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from elearn.access import public
from elearn.db import get_db
from elearn.migrate import current_revisions, head_revisions

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    """The process answers; says nothing about its dependencies."""
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz():
    """Ready when the database answers and its schema is at the newest migration."""
    engine = get_db().engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = current_revisions(engine)
    except Exception as exc:  # any driver error means "not ready", reported, not raised
        return jsonify(status="unavailable", database="unreachable",
                       detail=type(exc).__name__), 503
    heads = head_revisions(engine.url.render_as_string(hide_password=False))
    if current != heads:
        return jsonify(status="unavailable", database="reachable", migrations="behind",
                       current=sorted(current), expected=sorted(heads)), 503
    return jsonify(status="ready", database="reachable", migrations="current")
