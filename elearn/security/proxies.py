"""The client's address and scheme behind reverse proxies, trusted only when configured.

Throttling by address (elearn.security.throttle) and the audit trail need the real client
address.  Behind a reverse proxy the connection comes from the proxy; the client's address
is in ``X-Forwarded-For``, which anyone can also send directly.  So the headers are believed
only for the number of proxies the operator names in ``ELEARN_TRUSTED_PROXIES`` (werkzeug's
``ProxyFix`` takes that many entries from the right of ``X-Forwarded-For`` and
``X-Forwarded-Proto``); with the default 0 they are ignored.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    count = app.config["TRUSTED_PROXIES"]
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
