"""CORS for the read API, so browser-based report tools on other origins can call ``/xapi/``.

Only origins listed in ``ELEARN_XAPI_CORS_ORIGINS`` (comma-separated, e.g.
``https://reports.example.fi,https://bi.example.fi``) get CORS headers, on answers and on
preflights; none are listed by default, and any other origin gets no CORS headers at all, so
its page cannot read the answer.  The client sends its HTTP Basic credentials in the
``Authorization`` header itself; cookies are never admitted (no
``Access-Control-Allow-Credentials``), so a signed-in user's session cannot be used from
another origin.  Flask-Cors does the header work; this module only reads and checks the
setting.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask_cors import CORS

from elearn.config import SettingError

# Headers a report tool reads from the answers (besides the CORS-safelisted ones).
EXPOSED = ["X-Experience-API-Version", "X-Experience-API-Consistent-Through", "Last-Modified"]
ALLOWED_HEADERS = ["Authorization", "X-Experience-API-Version", "Content-Type",
                   "Accept-Language"]


def parse_origins(raw: str | list[str]) -> list[str]:
    """The origins of the setting, each ``scheme://host[:port]``; a malformed one is refused
    at start-up."""
    items = raw if isinstance(raw, list) else raw.split(",")
    origins = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.hostname \
                or parts.path not in ("", "/") or parts.query or parts.fragment \
                or parts.username or parts.password:
            raise SettingError(f"ELEARN_XAPI_CORS_ORIGINS: {item!r} is not an origin "
                               "(scheme://host[:port])")
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return origins


def init_app(app: Flask) -> None:
    origins = parse_origins(app.config.get("XAPI_CORS_ORIGINS", ""))
    if not origins:
        return
    CORS(app, resources={r"/xapi/.*": {"origins": origins}}, methods=["GET", "HEAD", "POST"],
         allow_headers=ALLOWED_HEADERS, expose_headers=EXPOSED, supports_credentials=False,
         max_age=600, vary_header=True)
