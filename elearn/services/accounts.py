"""Account rules: creation, password checks and throttling of repeated failures."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from elearn.db import utcnow
from elearn.models.accounts import LoginFailure, Role, User, dummy_password_hash

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A rule about accounts was broken; ``field`` names the offending input."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def create_user(session: Session, *, username: str, password: str, role: Role | str,
                display_name: str = "", email: str | None = None,
                organisation_unit: str = "") -> User:
    username = username.strip()
    if not username:
        raise AccountError("username", "username must not be empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password", f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    try:
        role = Role(role)
    except ValueError:
        raise AccountError("role", f"unknown role {role!r}; expected one of "
                           + ", ".join(r.value for r in Role)) from None
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError("username", f"username {username!r} is taken")
    user = User(username=username, role=role, display_name=display_name or username,
                email=email, organisation_unit=organisation_unit)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


@dataclass
class LoginOutcome:
    user: User | None
    locked_for_seconds: int = 0


def authenticate(session: Session, username: str, password: str, remote_addr: str, *,
                 max_failures: int, lockout_seconds: int, device: str = "") -> LoginOutcome:
    """Check credentials unless this client's count of recent failures for the username is
    at ``max_failures``.

    ``device`` is the id of the browser's device token for this username ('' when it holds
    none; see elearn.security.throttle).  A browser with the token is counted on its own
    failures; every other client shares the account's whole count.  So guessing from
    anywhere slows to ``max_failures`` tries per ``lockout_seconds`` while the owner's known
    browsers keep working.  Every answer costs one password hash check, whether the account
    exists or not, so timing does not tell which usernames exist.  Failures older than the
    window are deleted as new ones are written; success clears the browser's own failures
    (all of them when it holds no token).
    """
    username = username.strip()
    now = utcnow()
    window_start = now - timedelta(seconds=lockout_seconds)
    counted = [LoginFailure.username == username, LoginFailure.at >= window_start]
    if device:
        counted.append(LoginFailure.device == device)
    recent, last = session.execute(
        select(func.count(LoginFailure.id), func.max(LoginFailure.at)).where(*counted)).one()
    if recent >= max_failures:
        if last.tzinfo is None:  # SQLite's MAX() loses the column type on some versions
            last = last.replace(tzinfo=timezone.utc)
        remaining = int((last + timedelta(seconds=lockout_seconds) - now).total_seconds())
        return LoginOutcome(None, max(remaining, 1))
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(dummy_password_hash(), password)  # the same work as a real check
        verified = False
    else:
        verified = user.check_password(password) and user.is_active
    if not verified:
        session.execute(delete(LoginFailure).where(LoginFailure.at < window_start))
        session.add(LoginFailure(username=username[:150], remote_addr=(remote_addr or "")[:64],
                                 device=device, at=now))
        session.flush()
        return LoginOutcome(None)
    cleared = [LoginFailure.username == username]
    if device:
        cleared.append(LoginFailure.device == device)
    session.execute(delete(LoginFailure).where(*cleared))
    return LoginOutcome(user)
