"""Account rules: creation, password checks and throttling of repeated failures."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from elearn.db import utcnow
from elearn.models.accounts import LoginFailure, Role, User

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
                 max_failures: int, lockout_seconds: int) -> LoginOutcome:
    """Check credentials unless the username is locked after ``max_failures`` recent failures.

    A locked username is refused even with the right password until the window passes, so
    guessing cannot continue at full speed.  Success clears the username's failures.
    """
    username = username.strip()
    now = utcnow()
    window_start = now - timedelta(seconds=lockout_seconds)
    recent = session.execute(
        select(func.count(LoginFailure.id), func.max(LoginFailure.at))
        .where(LoginFailure.username == username, LoginFailure.at >= window_start)
    ).one()
    if recent[0] >= max_failures:
        last = recent[1]
        if last.tzinfo is None:
            from datetime import timezone
            last = last.replace(tzinfo=timezone.utc)
        remaining = int((last + timedelta(seconds=lockout_seconds) - now).total_seconds())
        return LoginOutcome(None, max(remaining, 1))
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active or not user.check_password(password):
        session.add(LoginFailure(username=username, remote_addr=remote_addr or "", at=now))
        session.flush()
        return LoginOutcome(None)
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    return LoginOutcome(user)
