"""The read API's consistency point: a ``stored`` time up to which every statement is
committed and visible, and below which no statement can ever appear later.

Statements are written in the learner's transaction, and transactions commit out of the order
in which their rows were written.  If ``stored`` were simply "when the row was written", a
poller asking for ``since`` = the newest ``stored`` it has seen could step over a statement
written a moment earlier by a transaction that commits a moment later, and never see it.

So ``stored_at`` is the database's own clock read as the row is written
(:class:`elearn.db.db_clock`), and each answer is cut at a point that no open transaction can
still write below:

* PostgreSQL: the earliest start of any transaction open in this database
  (``pg_stat_activity.xact_start``), or the clock if none is open.  A row's ``stored_at`` is
  never earlier than its own transaction's start, and a transaction that starts later writes
  later still.  The rows are read by a later statement, which (READ COMMITTED) sees every
  transaction that had committed by then.  The database role the service reads with must see
  the sessions that write statements (the same role, or one granted ``pg_read_all_stats``).
* SQLite: the clock read while this request holds the database's write lock (there is only one
  writer at a time), taken before its first read of statements, so that read's snapshot
  already holds every earlier writer's rows.

The answer serves only rows stored before the cut, and names the millisecond before the cut as
``X-Experience-API-Consistent-Through``: every statement stored at or before it has been
served or will be by the same query, and any statement stored later is stored after it.
A long open transaction holds the point back (statements wait, none is lost).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

MILLISECOND = timedelta(milliseconds=1)

_POSTGRESQL = text("""
    SELECT least(clock_timestamp(), min(xact_start))
    FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND xact_start IS NOT NULL""")


def floor_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)


def consistent_through(session: Session) -> datetime:
    """The newest ``stored`` (millisecond precision) this answer can vouch for: rows with
    ``stored_at`` before ``consistent_through(...) + 1 ms`` are all committed and visible to
    ``session``'s next read, and no row stored at or before it can be committed later."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_stat_clear_snapshot()"))
        cut = session.scalar(_POSTGRESQL)
    elif dialect == "sqlite":
        cut = _sqlite_cut(session)
    else:  # pragma: no cover - create_app accepts only these two
        raise RuntimeError(f"unsupported database backend {dialect!r}")
    cut = cut.astimezone(timezone.utc) if cut.tzinfo else cut.replace(tzinfo=timezone.utc)
    return floor_ms(cut) - MILLISECOND


def _sqlite_cut(session: Session) -> datetime:
    """The clock under the write lock.  A connection already inside a transaction holds the
    lock (the driver opens one only for a write); otherwise ``BEGIN IMMEDIATE`` waits until
    the current writer commits.  Either way the lock is kept until the request ends, so the
    statements read next come from a snapshot taken after every earlier writer committed."""
    connection = session.connection()
    dbapi = connection.connection.dbapi_connection
    if not dbapi.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    raw = connection.exec_driver_sql(
        "SELECT strftime('%Y-%m-%d %H:%M:%f000', 'now')").scalar_one()
    return datetime.fromisoformat(raw).replace(tzinfo=timezone.utc)


__all__ = ["MILLISECOND", "consistent_through", "floor_ms"]
