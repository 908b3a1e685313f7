"""Signing in and out: flask-login sessions that the server can end, plus a safe ``next`` check.

Sessions are signed cookies, so on their own a copied cookie would work until it expires,
whatever the user did.  Three checks on every request that loads the user make a session
endable on the server:

- **generation**: each account has ``session_generation``; a session remembers the value it
  began with.  :func:`end_sessions` raises the account's value (logout, erasure, a
  deactivated account), and every session begun before stops working on every device, a
  copied cookie included.  One integer per account, no session table to clean up.
- **idle lifetime** (``ELEARN_SESSION_IDLE_MINUTES``): the session records when it was last
  used (refreshed at most once a minute so most responses set no cookie); a session unused
  for longer ends.
- **absolute lifetime** (``ELEARN_SESSION_MAX_HOURS``): a session ends this long after
  sign-in however busy it is.

Every way of signing in (the login form, an LMS launch) goes through :func:`start_session`,
so each session carries these marks from its first response.
"""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Flask, current_app, session
from flask_login import LoginManager, login_user, logout_user
from sqlalchemy import update
from sqlalchemy.orm import Session

from elearn.db import get_session
from elearn.models.accounts import User

login_manager = LoginManager()

GENERATION_KEY = "_gen"
SIGNED_IN_KEY = "_signed_in"
SEEN_KEY = "_seen"
SEEN_REFRESH_SECONDS = 60


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        user = get_session().get(User, int(user_id))
    except ValueError:
        return None
    if user is None or not _session_is_current(user):
        _forget_session()
        return None
    return user


def _session_is_current(user: User) -> bool:
    """Whether the session cookie's marks admit it: same generation, within both lifetimes."""
    now = int(time.time())
    generation = session.get(GENERATION_KEY)
    signed_in = session.get(SIGNED_IN_KEY)
    seen = session.get(SEEN_KEY)
    if not (isinstance(generation, int) and isinstance(signed_in, int)
            and isinstance(seen, int)):
        return False
    if generation != user.session_generation or not user.is_active:
        return False
    config = current_app.config
    if now - signed_in > config["SESSION_MAX_HOURS"] * 3600:
        return False
    if now - seen > config["SESSION_IDLE_MINUTES"] * 60:
        return False
    if now - seen >= SEEN_REFRESH_SECONDS:
        session[SEEN_KEY] = now
    return True


def _forget_session() -> None:
    """Drop an ended session's marks (the language choice stays)."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def start_session(user: User) -> None:
    """Sign ``user`` in on this browser: a fresh session (no fixation) marked for the checks."""
    language = session.get("language")
    session.clear()
    login_user(user)
    now = int(time.time())
    session[GENERATION_KEY] = user.session_generation
    session[SIGNED_IN_KEY] = now
    session[SEEN_KEY] = now
    if language:
        session["language"] = language


def end_sessions(db_session: Session, user: User) -> None:
    """End every session of ``user`` on every device from the next request on; flushes only.

    Logout and erasure call this; the caller's request or unit of work commits.
    """
    db_session.execute(update(User).where(User.id == user.id)
                       .values(session_generation=User.session_generation + 1)
                       .execution_options(synchronize_session=False))
    db_session.flush()
    if user in db_session:
        db_session.refresh(user, ["session_generation"])


def sign_out(db_session: Session, user: User) -> None:
    """Logout: end the user's sessions everywhere and clear this browser's session."""
    end_sessions(db_session, user)
    logout_user()
    _forget_session()


def safe_next(target: str | None) -> str | None:
    """Accept only same-site relative paths, so ``next`` cannot send a user elsewhere."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
