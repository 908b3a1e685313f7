"""Accounts, roles and login throttling records."""
from __future__ import annotations

import enum
import functools
import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, Index, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from elearn.db import Base, utcnow



@functools.cache
def dummy_password_hash() -> str:
    """Checked when there is no real hash to check, so a missing account or password costs
    the same time as a wrong password and timing does not tell which usernames exist."""
    return generate_password_hash("no-account-has-this-password")


class Role(str, enum.Enum):
    """What an account may do.  Each route declares the roles it admits."""

    LEARNER = "learner"
    TRAINER = "trainer"
    HR = "hr"
    ADMIN = "admin"


def new_opaque_id() -> str:
    """A random identifier that says nothing about the person (used as the xAPI actor name)."""
    return uuid.uuid4().hex


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    organisation_unit: Mapped[str] = mapped_column(String(200), default="", index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda r: [m.value for m in r],
             validate_strings=True))
    # None: no password of its own (signs in through the LMS or sets one through a link)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    opaque_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_opaque_id)
    preferred_language: Mapped[str | None] = mapped_column(String(5), default=None)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Raised to end every session of the account (logout, erasure); sessions carry the value
    # they began with and stop working once it differs (elearn.auth).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            check_password_hash(dummy_password_hash(), password)  # the same time either way
            return False
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.is_active_account

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


class LoginFailure(Base):
    """One failed login; recent rows for a username slow further guesses for a while.

    Kept in the database (not process memory) so the limit holds across web workers.
    ``device`` is the browser's device token when it had one for this username (a browser
    that signed in as this account before): its failures are counted apart, so strangers'
    guesses cannot lock the owner's own browser out.  Rows older than the lockout window are
    deleted as new failures arrive.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_at", "username", "at"),
                      Index("ix_login_failures_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    device: Mapped[str] = mapped_column(String(64), default="", server_default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


