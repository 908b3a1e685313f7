"""Session login with flask-login, plus a safe ``next`` redirect check."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask_login import LoginManager

from elearn.db import get_session
from elearn.models.accounts import User

login_manager = LoginManager()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        return get_session().get(User, int(user_id))
    except ValueError:
        return None


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
