"""Working inside the platform's iframe: the session cookie and the framing policy.

Moodle shows an External tool in an iframe on its own site, so for the browser every
request to elearn from there is cross-site.  Two things follow:

* The session cookie must be ``SameSite=None; Secure`` or the browser drops it in the frame
  (``LTI_CROSS_SITE_COOKIES``: ``auto`` = when the public URL is https).  It is also
  ``Partitioned`` (CHIPS): browsers that block third-party cookies (Chrome in incognito or with
  third-party cookies blocked, as the test suite's Chromium does) still keep a partitioned
  cookie, stored apart for each top-level site, so the session lives inside the platform's
  frame without becoming a cross-site tracking cookie; browsers that do not know the
  attribute ignore it.  Where the cookie is refused all the same, the landing page offers a
  new window (``views.landing``).  Forms keep their
  CSRF tokens, and JSON endpoints still demand ``application/json``, which a cross-site
  page cannot send without CORS consent.
* Pages forbid framing by default (``frame-ancestors 'none'``).  After a launch the session
  remembers the launching platform's origin, and pages a launched person reaches (learner,
  trainer and admin pages, the LTI pages) allow framing by that origin only.  Launch, landing,
  deep-linking and registration responses name their platform's origin themselves.
"""
from __future__ import annotations

from flask import Flask, g, request, session

from elearn.config import SettingError

SESSION_KEY = "lti_frame_origin"
FRAMEABLE_PREFIXES = ("/lti/", "/learn/", "/trainer/", "/admin/")


def allow_framing_by(origin: str | None) -> None:
    """Let this response be framed by ``origin`` (and by elearn itself)."""
    if origin:
        g.frame_ancestors = f"'self' {origin}"


def allow_form_posts_to(origin: str) -> None:
    g.form_action = f"'self' {origin}"


def remember_platform(origin: str) -> None:
    """After a launch: later pages of this session may be framed by ``origin``."""
    session[SESSION_KEY] = origin


def _frame_for_launched_sessions() -> None:
    if request.path.startswith(FRAMEABLE_PREFIXES):
        allow_framing_by(session.get(SESSION_KEY))


def cross_site_cookies(app: Flask) -> bool:
    raw = str(app.config.get("LTI_CROSS_SITE_COOKIES", "auto")).strip().lower()
    if raw == "auto":
        return app.config["PUBLIC_URL"].startswith("https://")
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingError("ELEARN_LTI_CROSS_SITE_COOKIES: expected auto, true or false")


def init_app(app: Flask) -> None:
    if cross_site_cookies(app):
        app.config["SESSION_COOKIE_SAMESITE"] = "None"
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["SESSION_COOKIE_PARTITIONED"] = True
    app.before_request(_frame_for_launched_sessions)
