"""What privacy work itself has to remember: erasures (so an interrupted one can be resumed
and a repeated one recognised), the accountability log of who looked at or exported personal
data in bulk, and the accessibility feedback the service must answer within 14 days.

None of these tables holds the erased data.  An erasure keeps only a keyed digest of the
username it was asked for (HMAC with the deployment's secret key), which lets a second
``elearn privacy erase NAME`` answer "already erased" without storing the name itself.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from elearn.db import Base, utcnow


class Erasure(Base):
    """One account's erasure: ``completed_at`` is empty while it has not finished."""

    __tablename__ = "privacy_erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    username_digest: Mapped[str] = mapped_column(String(64), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    requested_via: Mapped[str] = mapped_column(String(20), default="cli")  # cli or admin page
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditEvent(Base):
    """Who exported, viewed, erased or purged personal data, and when.  ``details`` carries
    counts and filters, never the personal data itself."""

    __tablename__ = "privacy_audit_events"
    __table_args__ = (Index("ix_privacy_audit_events_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(50), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    actor_label: Mapped[str] = mapped_column(String(50), default="")  # "command line", "worker"
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AccessibilityFeedback(Base):
    """Feedback sent through the accessibility statement's form (Act 306/2019 § 15): it must
    be answered within 14 days of ``received_at``."""

    __tablename__ = "accessibility_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    page: Mapped[str] = mapped_column(String(500), default="")
    message: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(254), default="")
    language: Mapped[str] = mapped_column(String(5), default="fi")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


__all__ = ["AccessibilityFeedback", "AuditEvent", "Erasure"]
