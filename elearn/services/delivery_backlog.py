"""The delivery backlog over time, per LRS destination, derived from the outbox itself.

No snapshots are kept: a delivery row knows when its statement was stored
(``XapiStatement.stored_at``) and when it reached the LRS (``XapiDelivery.delivered_at``), so
the backlog at any moment ``t`` is the number of deliveries whose statement was stored at or
before ``t`` and that were not delivered by ``t``.

Dead-lettered deliveries (state ``dead``) are left out of the whole series: the outbox does
not record *when* an LRS rejected a statement, so their past cannot be drawn truthfully, and
they are no longer waiting to be sent.  They are counted on their own in the delivery health
table.  A rejected statement that is resent becomes pending again and then counts from its
stored time, as if it had been waiting all along.

All points of all destinations come from one grouped query: one conditional count per point,
over only the rows that can count at any point (stored before the last point, not delivered
before the first), so the cost does not grow with the outbox's delivered history.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from elearn.models import XapiDelivery, XapiStatement


@dataclass(frozen=True)
class Span:
    """A choice on the page: ``points`` moments ``step`` apart, the last one being now."""

    key: str
    label: str  # message id, translated in the template
    step: timedelta
    points: int


SPANS = {
    "48h": Span("48h", "Last 48 hours, hourly", timedelta(hours=1), 49),
    "14d": Span("14d", "Last 14 days, daily", timedelta(days=1), 15),
}
DEFAULT_SPAN = "48h"


@dataclass(frozen=True)
class BacklogSeries:
    """``counts[destination][i]`` is the backlog at ``moments[i]`` (oldest first)."""

    moments: list[datetime]
    counts: dict[str, list[int]]

    def rows(self) -> list[tuple[datetime, list[int]]]:
        """The series as table rows: a moment and one figure per destination."""
        names = list(self.counts)
        return [(moment, [self.counts[name][index] for name in names])
                for index, moment in enumerate(self.moments)]


def moments(now: datetime, span: Span) -> list[datetime]:
    """``span.points`` moments ending at ``now``, oldest first."""
    return [now - span.step * (span.points - 1 - index) for index in range(span.points)]


def backlog_series(session: Session, destinations: list[str], *, now: datetime,
                   span: Span) -> BacklogSeries:
    """The backlog of every destination in ``destinations`` at each moment of ``span``
    (destinations without rows get zeros), in one query."""
    points = moments(now, span)
    first, last = points[0], points[-1]
    waiting = [func.sum(case((and_(XapiStatement.stored_at <= moment,
                                   or_(XapiDelivery.delivered_at.is_(None),
                                       XapiDelivery.delivered_at > moment)), 1), else_=0))
               for moment in points]
    query = (select(XapiDelivery.destination, *waiting)
             .join(XapiStatement, XapiStatement.id == XapiDelivery.statement_pk)
             .where(XapiDelivery.state != "dead", XapiStatement.stored_at <= last,
                    or_(XapiDelivery.delivered_at.is_(None), XapiDelivery.delivered_at > first))
             .group_by(XapiDelivery.destination))
    counts = {name: [0] * len(points) for name in destinations}
    for destination, *figures in session.execute(query):
        if destination in counts:
            counts[destination] = [int(figure or 0) for figure in figures]
    return BacklogSeries(moments=points, counts=counts)


__all__ = ["BacklogSeries", "DEFAULT_SPAN", "SPANS", "Span", "backlog_series", "moments"]
