"""Delivery health per LRS destination for the HR pages.

The queue figures (queued, oldest undelivered, delivered today, dead, paused and why) and
the resend action come from :mod:`elearn.xapi.queue`, the same code behind
``elearn xapi status`` and ``elearn xapi resend``, so HR and operators see one truth.  This
module adds what only the pages show: the dead-lettered statements with the LRS's answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearn.db import utcnow
from elearn.models import XapiDelivery, XapiStatement
from elearn.xapi import queue
from elearn.xapi.queue import DestinationStatus

DEAD_LIST_LIMIT = 200


@dataclass(frozen=True)
class DeadLetter:
    delivery_id: int
    statement_id: str
    verb_id: str
    course_slug: str
    stored_at: datetime
    attempts: int
    last_status: int | None
    last_error: str


@dataclass(frozen=True)
class DestinationHealth:
    status: DestinationStatus
    dead_letters: list[DeadLetter]

    @property
    def name(self) -> str:
        return self.status.name


def destination_health(session: Session, configured: list[str], *,
                       now: datetime | None = None) -> list[DestinationHealth]:
    """Every configured destination (and any removed one that still has rows), with up to
    ``DEAD_LIST_LIMIT`` dead-lettered statements each: three grouped queries in all."""
    now = now or utcnow()
    statuses = queue.status(session, configured, now)
    letters: dict[str, list[DeadLetter]] = {status.name: [] for status in statuses}
    numbered = (select(XapiDelivery.id,
                       func.row_number().over(partition_by=XapiDelivery.destination,
                                              order_by=XapiDelivery.id).label("n"))
                .where(XapiDelivery.state == "dead").subquery())
    rows = session.execute(
        select(XapiDelivery, XapiStatement)
        .join(XapiStatement, XapiStatement.id == XapiDelivery.statement_pk)
        .join(numbered, numbered.c.id == XapiDelivery.id)
        .where(numbered.c.n <= DEAD_LIST_LIMIT)
        .order_by(XapiDelivery.destination, XapiDelivery.id)).all()
    for delivery, statement in rows:
        letters.setdefault(delivery.destination, []).append(DeadLetter(
            delivery_id=delivery.id, statement_id=statement.statement_id,
            verb_id=statement.verb_id, course_slug=statement.course_slug,
            stored_at=statement.stored_at, attempts=delivery.attempts,
            last_status=delivery.last_status, last_error=delivery.last_error or ""))
    return [DestinationHealth(status, letters[status.name]) for status in statuses]


def destination_names(session: Session, configured: list[str]) -> list[str]:
    """Configured destinations plus removed ones that still have rows in the outbox."""
    rows = session.scalars(select(XapiDelivery.destination).distinct())
    return list(configured) + sorted(set(rows) - set(configured))


def dead_count(session: Session, destination: str) -> int:
    return session.scalar(select(func.count(XapiDelivery.id)).where(
        XapiDelivery.destination == destination, XapiDelivery.state == "dead")) or 0


def resend_dead(session: Session, destination: str) -> int:
    """Queue the destination's dead-lettered deliveries again (``elearn xapi resend
    --destination``); the delivery worker sends them on its next round."""
    moved = queue.resend(session, destination=destination, now=utcnow())
    session.flush()
    return moved
