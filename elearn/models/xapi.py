"""The xAPI outbox: statements serialised once, their delivery to each LRS, per-destination
health, and the credentials HR uses on the read API.

A statement row is written in the same transaction as the learner's action that caused it;
``payload`` is the exact JSON sent to every LRS on every retry (byte-identical), so an LRS
that already stored it answers 409/204 instead of creating a duplicate.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.db import Base, db_clock, utcnow

DELIVERY_STATES = ("pending", "delivered", "dead")


class XapiStatement(Base):
    """One statement as stored in the outbox.  The read API serves them in the order of
    ``stored_at`` (then ``id``); ``statement_id`` is the deterministic xAPI id."""

    __tablename__ = "xapi_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    payload: Mapped[str] = mapped_column(Text)
    verb_id: Mapped[str] = mapped_column(String(200), index=True)
    activity_id: Mapped[str] = mapped_column(String(500), index=True)
    registration: Mapped[str | None] = mapped_column(String(36), index=True, default=None)
    actor_key: Mapped[str] = mapped_column(String(200), index=True)
    course_slug: Mapped[str] = mapped_column(String(100), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"), default=None)
    timestamp: Mapped[datetime]
    # Set by the database as the row is written (see elearn.xapi.consistency).
    stored_at: Mapped[datetime] = mapped_column(index=True, default=db_clock())
    context_activity_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)

    deliveries: Mapped[list[XapiDelivery]] = relationship(back_populates="statement")


class XapiDelivery(Base):
    """The delivery of one statement to one destination (``pending``, ``delivered`` or
    ``dead``).  ``claimed_until`` is a lease: a worker that dies loses its claim when it
    expires, and another worker picks the row up.

    ``ix_xapi_deliveries_due`` matches the worker's claim (one destination's pending rows,
    due ones only, longest due first): it holds only pending rows, so it stays as small as the
    backlog however many rows were delivered, and the claim reads its batch off the front of
    it instead of sorting the whole backlog.
    The claim spells ``state = 'pending'`` as a literal so both databases can prove that the
    partial index applies."""

    __tablename__ = "xapi_deliveries"
    __table_args__ = (
        UniqueConstraint("statement_pk", "destination"),
        Index("ix_xapi_deliveries_due", "destination", "next_attempt_at", "id",
              sqlite_where=text("state = 'pending'"),
              postgresql_where=text("state = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_pk: Mapped[int] = mapped_column(ForeignKey("xapi_statements.id"))
    destination: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    last_status: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)

    statement: Mapped[XapiStatement] = relationship(back_populates="deliveries")


class XapiDestinationState(Base):
    """Health of one destination: paused on 401/403 until an operator resumes it, backing
    off after transient failures."""

    __tablename__ = "xapi_destination_states"

    destination: Mapped[str] = mapped_column(String(100), primary_key=True)
    paused_at: Mapped[datetime | None] = mapped_column(default=None)
    paused_reason: Mapped[str | None] = mapped_column(Text, default=None)
    backoff_until: Mapped[datetime | None] = mapped_column(default=None)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)


class XapiClient(Base):
    """HTTP Basic credentials for the xAPI read API; only a hash of the secret is kept."""

    __tablename__ = "xapi_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)


__all__ = ["DELIVERY_STATES", "XapiClient", "XapiDelivery", "XapiDestinationState",
           "XapiStatement"]
