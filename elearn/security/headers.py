"""Response headers that keep personal pages out of caches and the browser on https.

- ``Cache-Control: no-store`` on every response given to a signed-in user (static files
  and responses a view declared ``public``, such as course images, aside): whatever a signed-in page shows may be personal (a dashboard, reflections, the HR
  report, the accounts list), and a rule by sign-in state cannot forget a new page the way a
  list of pages would.  ``Vary: Cookie`` tells shared caches the same.
- ``Strict-Transport-Security`` when ``ELEARN_PUBLIC_URL`` is https, for
  ``ELEARN_HSTS_MAX_AGE`` seconds (0 leaves it out), so browsers never again try plain http.

The framing policy (``frame-ancestors``) and the other defaults stay in ``create_app``'s
security headers; this module adds to them and never replaces them.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_login import current_user


def _signed_in() -> bool:
    return bool(current_user) and current_user.is_authenticated


def add_headers(response: Response) -> Response:
    config = current_app.config
    if config["PUBLIC_URL"].startswith("https://") and config["HSTS_MAX_AGE"] > 0:
        response.headers.setdefault("Strict-Transport-Security",
                                    f"max-age={config['HSTS_MAX_AGE']}")
    declared = response.headers.get("Cache-Control", "")
    if request.endpoint != "static" and "public" not in declared \
            and "no-store" not in declared and _signed_in():
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
