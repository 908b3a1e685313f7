"""A trainer opens a new round of quiz attempts for one learner at once.

The learner is named by username and the quiz by course and unit, as a learner or HR would
name them when asking for help; the outcome says whether a round was opened and why not.
Trainers see no answers or scores of the learner here — only whether the quiz is locked.
Used by the trainer page and ``elearn quiz new-round``.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.errors import APIError
from elearn.models.accounts import User
from elearn.services.enrolment_lock import lock_enrolment
from elearn.services.learning import enrolment_for, unit_of
from elearn.services.quiz import open_new_round, quiz_status


class Outcome(enum.Enum):
    OPENED = "opened"
    NO_SUCH_LEARNER = "no_such_learner"
    NOT_ENROLLED = "not_enrolled"
    NO_SUCH_UNIT = "no_such_unit"
    NOT_LOCKED = "not_locked"  # attempts left, no limit, or the quiz was passed


def new_round_for(session: Session, username: str, course_slug: str, unit_key: str,
                  now: datetime) -> Outcome:
    """Open a new round of attempts at ``unit_key`` for ``username``'s current enrolment in
    ``course_slug`` when they used up the round without passing.  Flushes only."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        return Outcome.NO_SUCH_LEARNER
    enrolment = enrolment_for(session, user, course_slug.strip())
    if enrolment is None:
        return Outcome.NOT_ENROLLED
    try:
        unit = unit_of(session, enrolment, unit_key.strip())
    except APIError:
        return Outcome.NO_SUCH_UNIT
    lock_enrolment(session, enrolment, now)
    status = quiz_status(session, enrolment, unit)
    if not status.locked or status.passed:
        return Outcome.NOT_LOCKED
    return Outcome.OPENED if open_new_round(session, enrolment, unit, now) else Outcome.NOT_LOCKED
