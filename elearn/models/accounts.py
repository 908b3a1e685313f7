"""Accounts, roles and login throttling records."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, Index, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from elearn.db import Base, utcnow


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
    organisation_unit: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda r: [m.value for m in r],
             validate_strings=True))
    password_hash: Mapped[str] = mapped_column(String(255))
    opaque_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_opaque_id)
    preferred_language: Mapped[str | None] = mapped_column(String(5), default=None)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.is_active_account

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


class LoginFailure(Base):
    """One failed login; recent rows for a username lock it out for a while.

    Kept in the database (not process memory) so the limit holds across web workers.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


