"""Delivery health per LRS destination, read from the xAPI outbox for the HR pages.

Figures: queue depth (pending deliveries), age of the oldest undelivered statement,
deliveries today (Finnish calendar day), the dead-lettered deliveries with the LRS's answer,
and whether the destination is paused (and why).  A fixed number of grouped queries serves
every destination at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from elearn.db import utcnow
from elearn.models import XapiDelivery, XapiDestinationState, XapiStatement

HELSINKI = ZoneInfo("Europe/Helsinki")
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


@dataclass
class DestinationHealth:
    name: str
    configured: bool
    pending: int = 0
    dead: int = 0
    delivered_today: int = 0
    oldest_undelivered_at: datetime | None = None
    paused_at: datetime | None = None
    paused_reason: str | None = None
    backoff_until: datetime | None = None
    last_success_at: datetime | None = None
    dead_letters: list[DeadLetter] = field(default_factory=list)

    def oldest_age(self, now: datetime) -> timedelta | None:
        if self.oldest_undelivered_at is None:
            return None
        return max(now - self.oldest_undelivered_at, timedelta(0))


def start_of_today(now: datetime) -> datetime:
    local = now.astimezone(HELSINKI)
    return datetime.combine(local.date(), time.min, HELSINKI).astimezone(timezone.utc)


def destination_health(session: Session, configured: list[str], *,
                       now: datetime | None = None) -> list[DestinationHealth]:
    """Health of every configured destination, plus any that still has rows in the outbox
    after being removed from the configuration (so nothing queued is hidden)."""
    now = now or utcnow()
    today = start_of_today(now)
    counts = session.execute(
        select(XapiDelivery.destination,
               func.sum(case((XapiDelivery.state == "pending", 1), else_=0)),
               func.sum(case((XapiDelivery.state == "dead", 1), else_=0)),
               func.sum(case(((XapiDelivery.state == "delivered")
                              & (XapiDelivery.delivered_at >= today), 1), else_=0)))
        .group_by(XapiDelivery.destination)).all()
    oldest = dict(session.execute(
        select(XapiDelivery.destination, func.min(XapiStatement.stored_at))
        .join(XapiStatement, XapiStatement.id == XapiDelivery.statement_pk)
        .where(XapiDelivery.state == "pending")
        .group_by(XapiDelivery.destination)).all())
    states = {s.destination: s for s in session.scalars(select(XapiDestinationState))}
    names = list(configured) + sorted({row[0] for row in counts} - set(configured))
    found = {name: DestinationHealth(name=name, configured=name in configured) for name in names}
    for name, pending, dead, delivered_today in counts:
        health = found[name]
        health.pending, health.dead = int(pending or 0), int(dead or 0)
        health.delivered_today = int(delivered_today or 0)
    for name, stored_at in oldest.items():
        if stored_at is not None and stored_at.tzinfo is None:
            stored_at = stored_at.replace(tzinfo=timezone.utc)
        found[name].oldest_undelivered_at = stored_at
    for name, state in states.items():
        if name in found:
            health = found[name]
            health.paused_at, health.paused_reason = state.paused_at, state.paused_reason
            health.backoff_until, health.last_success_at = state.backoff_until, state.last_success_at
    dead_rows = session.execute(
        select(XapiDelivery, XapiStatement)
        .join(XapiStatement, XapiStatement.id == XapiDelivery.statement_pk)
        .where(XapiDelivery.state == "dead")
        .order_by(XapiDelivery.destination, XapiDelivery.id)).all()
    for delivery, statement in dead_rows:
        health = found.get(delivery.destination)
        if health is None or len(health.dead_letters) >= DEAD_LIST_LIMIT:
            continue
        health.dead_letters.append(DeadLetter(
            delivery_id=delivery.id, statement_id=statement.statement_id,
            verb_id=statement.verb_id, course_slug=statement.course_slug,
            stored_at=statement.stored_at, attempts=delivery.attempts,
            last_status=delivery.last_status, last_error=delivery.last_error or ""))
    return list(found.values())


def dead_count(session: Session, destination: str) -> int:
    return session.scalar(select(func.count(XapiDelivery.id)).where(
        XapiDelivery.destination == destination, XapiDelivery.state == "dead")) or 0


def resend_dead(session: Session, destination: str) -> int:
    """Move the destination's dead-lettered deliveries back to pending, due now, with a
    fresh attempt count; the delivery worker sends them on its next round.  Returns how
    many were moved."""
    result = session.execute(
        update(XapiDelivery)
        .where(XapiDelivery.destination == destination, XapiDelivery.state == "dead")
        .values(state="pending", attempts=0, next_attempt_at=utcnow(), claimed_until=None)
        .execution_options(synchronize_session=False))
    session.flush()
    return int(result.rowcount or 0)
