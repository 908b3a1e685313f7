"""The grade-passback outbox: scores for a platform's gradebook and each platform's health.

An :class:`LtiScore` row is written in the transaction of the learner's action that changed
the score (like an xAPI statement), with its body serialised once, so every retry sends the
same bytes.  A *lane* is one learner on one resource link (one line item): rows of a lane are
sent strictly in order, each only after every older row of the lane is resolved, and their
timestamps grow within the lane, so a retried old score can never overwrite a newer one in
the gradebook.  ``claimed_until`` is a lease, as in the xAPI outbox: a worker that dies loses
its claim when the lease expires.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.db import Base, utcnow
from elearn.lti.models import LtiResourceLink

SCORE_STATES = ("pending", "delivered", "dead")


class LtiScore(Base):
    """One score of one learner for one resource link's line item, queued for the platform."""

    __tablename__ = "lti_scores"
    __table_args__ = (
        Index("ix_lti_scores_due", "next_attempt_at", "id",
              sqlite_where=text("state = 'pending'"),
              postgresql_where=text("state = 'pending'")),
        Index("ix_lti_scores_lane", "resource_link_id", "lti_user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    resource_link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_links.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    lti_user_id: Mapped[str] = mapped_column(String(255))  # the platform's ``sub``
    scope: Mapped[str] = mapped_column(String(20))  # "course" or "unit"
    payload: Mapped[str] = mapped_column(Text)  # the score document, sent byte-identical
    timestamp: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    last_status: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)

    resource_link: Mapped[LtiResourceLink] = relationship()


class LtiPlatformHealth(Base):
    """Passback health of one platform: backing off after its token or score endpoint failed
    (down, slow, 5xx, a refused token request), and when it last took a score."""

    __tablename__ = "lti_platform_health"

    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), primary_key=True)
    backoff_until: Mapped[datetime | None] = mapped_column(default=None)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)


__all__ = ["LtiPlatformHealth", "LtiScore", "SCORE_STATES"]
