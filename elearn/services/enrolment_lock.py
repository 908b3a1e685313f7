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
from elearn.models.accounts import User
from elearn.models.courses import Course, CourseVersion, Question, ReflectionTask, Unit
from elearn.models.learning import Enrolment

# Loaded objects that stay as they are when the lock is taken: published course content never
# changes, and the signed-in account is the request's own.  Everything else (the learner's
# records, and any other feature's rows) is expired, so it is read again after the lock.
_UNCHANGING = (Course, CourseVersion, Unit, Question, ReflectionTask, User)

_KEY = "elearn.locked_enrolments"
_KEPT = "elearn.unchanging_objects"


def lock_enrolment(session: Session, enrolment: Enrolment, now: datetime | None = None) -> None:
    """Serialise writers of ``enrolment`` until the end of the current transaction and
    record the activity time.  Pending changes are flushed first, then every loaded object
    but the course content and the account (:data:`_UNCHANGING`) is expired so later reads
    see what a concurrent writer committed meanwhile.  Cheap to call again within the same
    transaction (no second round trip)."""
    transaction = session.get_transaction()
    locked = session.info.setdefault(_KEY, {})
    if transaction is not None and locked.get(enrolment.id) is transaction:
        return
    enrolment_id = enrolment.id
    session.flush()
    session.execute(update(Enrolment).where(Enrolment.id == enrolment_id)
                    .values(last_activity_at=now or utcnow())
                    .execution_options(synchronize_session=False))
    kept = []
    for instance in list(session.identity_map.values()):
        if isinstance(instance, _UNCHANGING):
            kept.append(instance)
        else:
            session.expire(instance)
    # The identity map holds objects weakly: once an expired enrolment no longer refers to
    # its version and course, nothing would, and they would be read again.
    session.info[_KEPT] = kept
    locked[enrolment_id] = session.get_transaction()
