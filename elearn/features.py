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
    from elearn import content

    return [content.init_app]
