"""Sign-in throttling that slows guessing without letting strangers lock the owner out.

Two limits, each aimed at one way of guessing:

- **per address** (Flask-Limiter, ``ELEARN_LOGIN_ADDRESS_LIMIT``, default 30 failures per 10
  minutes): one address trying a few passwords on every account.  Only failed sign-ins
  count (``deduct_when``), so a busy office behind one address is not slowed by its
  successful sign-ins.  The count lives in ``ELEARN_RATELIMIT_STORAGE_URI`` (default
  ``memory://``: per web worker process).
- **per account** (database rows, ``ELEARN_LOGIN_MAX_FAILURES`` within
  ``ELEARN_LOGIN_LOCKOUT_SECONDS``, elearn.services.accounts): many addresses trying one
  account.  A lock on an account would let anyone lock its owner out, so browsers are told
  apart by a *device token*: a signed cookie naming the account, given to a browser when it
  signs in.  A browser holding the account's token is counted on its own (its failures
  only), and is exempt from the per-address limit for that account; everyone else shares the
  account's count.  Strangers' guesses therefore stop at a few per lockout window while the
  owner keeps signing in from the browsers they used before.  (An owner on a new browser
  during an attack waits out the window, or signs in through the LMS.)

The client address comes from the connection, or from trusted proxy headers when
``ELEARN_TRUSTED_PROXIES`` says how many proxies stand in front (elearn.security.proxies).
"""
from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer

DEVICE_COOKIE = "elearn_device"
DEVICE_MAX_AGE = 180 * 24 * 3600

limiter = Limiter(key_func=get_remote_address)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="elearn.login-device")


def device_of(username: str) -> str:
    """The id of this browser's device token for ``username``, or '' when it has none."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return ""
    try:
        held = _serializer().loads(raw, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return ""
    if not isinstance(held, dict) or held.get("u") != username.strip():
        return ""
    return str(held.get("d", ""))


def remember_device(response: Response, username: str) -> Response:
    """Give the browser a device token for ``username`` after it signed in."""
    token = _serializer().dumps({"u": username.strip(), "d": secrets.token_hex(16)})
    response.set_cookie(DEVICE_COOKIE, token, max_age=DEVICE_MAX_AGE, httponly=True,
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
                        samesite="Lax", path="/login")
    return response


def _owner_browser() -> bool:
    """Exempt from the per-address limit: a browser signing in to the account it holds."""
    return bool(device_of(request.form.get("username", "")))


def _failed(response: Response) -> bool:
    return response.status_code == 401


def limit_failed_logins(on_breach: Callable[[RequestLimit], Response]) -> Callable:
    """Decorator for the sign-in view: the per-address limit on failed sign-ins.

    ``on_breach`` renders the answer (429) when the address is over its limit.
    """
    return limiter.limit(lambda: current_app.config["LOGIN_ADDRESS_LIMIT"], methods=["POST"],
                         deduct_when=_failed, exempt_when=_owner_browser, on_breach=on_breach)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
