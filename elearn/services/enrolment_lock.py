"""One writer per enrolment at a time.

Every action that changes a learner's records (opening a unit, starting or submitting a quiz
attempt, saving a reflection) first *touches* its enrolment row with an UPDATE.  On PostgreSQL
that takes the row lock; on SQLite it takes the database write lock (the driver begins the
transaction right before the first write, so no stale snapshot is held).  A second request for
the same enrolment waits until the first commits, then reads what the first wrote.  This keeps
the attempt limit and the "published once" rule of completion events true when a learner
submits from two tabs at once, without any in-process locking (it holds across web workers
and machines).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from elearn.db import utcnow
from elearn.models.learning import Enrolment

_KEY = "elearn.locked_enrolments"


def lock_enrolment(session: Session, enrolment: Enrolment, now: datetime | None = None) -> None:
    """Serialise writers of ``enrolment`` until the end of the current transaction and
    record the activity time.  Pending changes are flushed first, then every loaded object is
    expired so later reads see what a concurrent writer committed meanwhile.  Cheap to call
    again within the same transaction (no second round trip)."""
    transaction = session.get_transaction()
    locked = session.info.setdefault(_KEY, {})
    if transaction is not None and locked.get(enrolment.id) is transaction:
        return
    enrolment_id = enrolment.id
    session.flush()
    session.execute(update(Enrolment).where(Enrolment.id == enrolment_id)
                    .values(last_activity_at=now or utcnow())
                    .execution_options(synchronize_session=False))
    session.expire_all()
    locked[enrolment_id] = session.get_transaction()
