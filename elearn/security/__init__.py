"""Hardening against hostile input: the request edge, limits, headers, proxies and throttling.

Each module guards one thing; ``init_app`` wires them.  The ``int`` URL converter is set in
``create_app`` itself, since it must be in place before the first route is added.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from elearn.security import headers, input_guard, proxies, throttle
    input_guard.init_app(app)
    throttle.init_app(app)
    headers.init_app(app)
    proxies.init_app(app)
