"""Operator views and actions on the delivery queue: status per destination, resending
dead-lettered statements, resuming a paused destination.

Kept apart from the worker so the CLI (and any HR page) can read the same figures the
operator sees without importing the delivery machinery.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from elearn.models.xapi import XapiDelivery, XapiDestinationState, XapiStatement
from elearn.xapi.delivery import destination_state

HELSINKI = ZoneInfo("Europe/Helsinki")


@dataclass(frozen=True)
class DestinationStatus:
    """What ``elearn xapi status`` shows for one destination."""

    name: str
    configured: bool
    queued: int
    oldest_queued_at: datetime | None
    delivered: int
    delivered_today: int
    dead: int
    paused_at: datetime | None
    paused_reason: str | None
    backoff_until: datetime | None
    consecutive_failures: int
    last_success_at: datetime | None

    def oldest_age(self, now: datetime) -> timedelta | None:
        return None if self.oldest_queued_at is None else now - self.oldest_queued_at

    def as_dict(self, now: datetime) -> dict:
        age = self.oldest_age(now)
        return {
            "name": self.name, "configured": self.configured, "queued": self.queued,
            "oldest_queued_age_seconds": None if age is None else round(age.total_seconds(), 1),
            "delivered": self.delivered, "delivered_today": self.delivered_today,
            "dead": self.dead,
            "paused_at": _iso(self.paused_at), "paused_reason": self.paused_reason,
            "backoff_until": _iso(self.backoff_until),
            "consecutive_failures": self.consecutive_failures,
            "last_success_at": _iso(self.last_success_at),
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def start_of_day(now: datetime) -> datetime:
    """Midnight of ``now``'s day in Finland (the service's users' "today"), in UTC."""
    local = now.astimezone(HELSINKI)
    return datetime.combine(local.date(), time.min, HELSINKI).astimezone(timezone.utc)


def status(session: Session, configured: list[str], now: datetime) -> list[DestinationStatus]:
    """Figures for every configured destination, plus any unconfigured name that still has
    rows (a destination removed from the settings keeps its queue until resent or removed).
    "Today" is the Finnish calendar day."""
    today_start = start_of_day(now)
    counts: dict[tuple[str, str], int] = {
        (row.destination, row.state): row.n for row in session.execute(
            select(XapiDelivery.destination, XapiDelivery.state,
                   func.count().label("n")).group_by(XapiDelivery.destination,
                                                     XapiDelivery.state))}
    today = dict(session.execute(
        select(XapiDelivery.destination, func.count())
        .where(XapiDelivery.state == "delivered", XapiDelivery.delivered_at >= today_start)
        .group_by(XapiDelivery.destination)).all())
    oldest = dict(session.execute(
        select(XapiDelivery.destination, func.min(XapiStatement.stored_at))
        .join(XapiStatement, XapiStatement.id == XapiDelivery.statement_pk)
        .where(XapiDelivery.state == "pending")
        .group_by(XapiDelivery.destination)).all())
    states = {state.destination: state for state in session.scalars(select(XapiDestinationState))}
    names = list(configured) + sorted({name for name, _ in counts} - set(configured))
    found = []
    for name in names:
        state = states.get(name)
        oldest_at = oldest.get(name)
        found.append(DestinationStatus(
            name=name, configured=name in configured,
            queued=counts.get((name, "pending"), 0), oldest_queued_at=oldest_at,
            delivered=counts.get((name, "delivered"), 0), delivered_today=today.get(name, 0),
            dead=counts.get((name, "dead"), 0),
            paused_at=state.paused_at if state else None,
            paused_reason=state.paused_reason if state else None,
            backoff_until=state.backoff_until if state else None,
            consecutive_failures=state.consecutive_failures if state else 0,
            last_success_at=state.last_success_at if state else None))
    return found


def resend(session: Session, *, statement_ids: list[str] | None = None,
           destination: str | None = None, since: datetime | None = None,
           now: datetime) -> int:
    """Put dead-lettered deliveries back in the queue; returns how many.

    Filters combine: ``statement_ids`` (xAPI ids), ``destination``, ``since`` (statements
    stored at or after).  No filter at all means every dead-lettered delivery.
    """
    chosen = select(XapiDelivery.id).where(XapiDelivery.state == "dead")
    if destination:
        chosen = chosen.where(XapiDelivery.destination == destination)
    if statement_ids or since is not None:
        statements = select(XapiStatement.id)
        if statement_ids:
            statements = statements.where(XapiStatement.statement_id.in_(statement_ids))
        if since is not None:
            statements = statements.where(XapiStatement.stored_at >= since)
        chosen = chosen.where(XapiDelivery.statement_pk.in_(statements))
    result = session.execute(
        update(XapiDelivery).where(XapiDelivery.id.in_(chosen.scalar_subquery()))
        .values(state="pending", attempts=0, next_attempt_at=now, claimed_until=None,
                last_status=None, last_error=None)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def resume(session: Session, name: str, *, now: datetime) -> bool:
    """Clear a destination's pause and backoff so the worker tries it at once; returns
    whether it had been paused."""
    # Rows waiting for their own retry time are due now too.  Delivery rows are updated
    # before the state row, the order the worker uses, so the two never deadlock.
    session.execute(update(XapiDelivery)
                    .where(XapiDelivery.destination == name, XapiDelivery.state == "pending",
                           XapiDelivery.next_attempt_at > now)
                    .values(next_attempt_at=now)
                    .execution_options(synchronize_session=False))
    state = destination_state(session, name)
    was_paused = state.paused_at is not None
    state.paused_at = None
    state.paused_reason = None
    state.backoff_until = None
    state.consecutive_failures = 0
    return was_paused
