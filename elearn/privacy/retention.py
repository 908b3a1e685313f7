"""Storage limitation (GDPR art. 5(1)(e)): how long each kind of personal data is kept, and
the purge that applies it.

Each setting is a number of days, ``0`` meaning "no time limit" (kept until erasure):

* ``PRIVACY_RETAIN_REFLECTIONS_DAYS`` – reflections with every saved text, counted from the last activity in the
  enrolment they belong to;
* ``PRIVACY_RETAIN_ATTEMPTS_DAYS`` – quiz attempts with their answers, counted the same way
  (unit progress, best scores and completion stay: they are the completion record);
* ``PRIVACY_RETAIN_LOGIN_RECORDS_DAYS`` – failed sign-ins, counted from when they happened;
* ``PRIVACY_RETAIN_STATEMENTS_DAYS`` – statements in elearn's own outbox that every LRS has
  received (none pending or refused), counted from when they were stored.  The LRSs keep
  their copies; HR's pulls from ``/xapi/statements`` no longer see them.

The purge is one transaction: it counts what is due, deletes it unless it is a dry run, and
writes the counts to the accountability log, so ``--dry-run`` shows exactly what a real run
would remove at that moment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from elearn.config import SettingError
from elearn.db import utcnow
from elearn.models import (AttemptAnswer, Enrolment, LoginFailure, QuizAttempt, Reflection,
                           ReflectionRevision, XapiDelivery, XapiStatement)
from elearn.privacy import audit

CHUNK = 1000
SETTINGS = {
    "reflections": "PRIVACY_RETAIN_REFLECTIONS_DAYS",
    "quiz_attempts": "PRIVACY_RETAIN_ATTEMPTS_DAYS",
    "login_records": "PRIVACY_RETAIN_LOGIN_RECORDS_DAYS",
    "statements": "PRIVACY_RETAIN_STATEMENTS_DAYS",
}


@dataclass(frozen=True)
class Retention:
    """Days per kind of data; 0 = no limit."""

    days: dict[str, int]

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Retention:
        days = {}
        for kind, name in SETTINGS.items():
            value = config.get(name, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise SettingError(f"ELEARN_{name}: expected a whole number of days, 0 for "
                                   "no limit")
            days[kind] = value
        return cls(days)


@dataclass
class PurgeReport:
    """What is (or was) due per kind: how many rows and the oldest reference time."""

    dry_run: bool
    now: datetime
    due: dict[str, int] = field(default_factory=dict)
    oldest: dict[str, datetime | None] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "due": dict(self.due), "limits": dict(self.limits)}


def _cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def purge(session: Session, retention: Retention, *, dry_run: bool, actor_label: str,
          actor_id: int | None = None, now: datetime | None = None) -> PurgeReport:
    """Apply ``retention`` (flushes; the caller commits).  Always writes an audit entry."""
    now = now or utcnow()
    report = PurgeReport(dry_run=dry_run, now=now, limits=dict(retention.days))
    days = retention.days

    if days["reflections"]:
        stale = select(Enrolment.id).where(
            Enrolment.last_activity_at < _cutoff(now, days["reflections"]))
        where = Reflection.enrolment_id.in_(stale)
        report.due["reflections"] = session.scalar(select(func.count(Reflection.id)).where(where))
        report.oldest["reflections"] = session.scalar(
            select(func.min(Enrolment.last_activity_at)).join(
                Reflection, Reflection.enrolment_id == Enrolment.id).where(where))
        if not dry_run:
            session.execute(delete(ReflectionRevision).where(ReflectionRevision.reflection_id.in_(
                select(Reflection.id).where(where))))
            session.execute(delete(Reflection).where(where))

    if days["quiz_attempts"]:
        stale = select(Enrolment.id).where(
            Enrolment.last_activity_at < _cutoff(now, days["quiz_attempts"]))
        where = QuizAttempt.enrolment_id.in_(stale)
        report.due["quiz_attempts"] = session.scalar(
            select(func.count(QuizAttempt.id)).where(where))
        report.oldest["quiz_attempts"] = session.scalar(
            select(func.min(QuizAttempt.started_at)).where(where))
        if not dry_run:
            session.execute(delete(AttemptAnswer).where(
                AttemptAnswer.attempt_id.in_(select(QuizAttempt.id).where(where))))
            session.execute(delete(QuizAttempt).where(where))

    if days["login_records"]:
        where = LoginFailure.at < _cutoff(now, days["login_records"])
        report.due["login_records"] = session.scalar(
            select(func.count(LoginFailure.id)).where(where))
        report.oldest["login_records"] = session.scalar(select(func.min(LoginFailure.at))
                                                        .where(where))
        if not dry_run:
            session.execute(delete(LoginFailure).where(where))

    if days["statements"]:
        unfinished = exists().where(XapiDelivery.statement_pk == XapiStatement.id,
                                    XapiDelivery.state != "delivered")
        where = (XapiStatement.stored_at < _cutoff(now, days["statements"])) & ~unfinished
        report.due["statements"] = session.scalar(
            select(func.count(XapiStatement.id)).where(where))
        report.oldest["statements"] = session.scalar(select(func.min(XapiStatement.stored_at))
                                                     .where(where))
        if not dry_run:
            ids = list(session.scalars(select(XapiStatement.id).where(where)))
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                session.execute(delete(XapiDelivery).where(XapiDelivery.statement_pk.in_(chunk)))
                session.execute(delete(XapiStatement).where(XapiStatement.id.in_(chunk)))

    audit.record(session, "purge", actor_id=actor_id, actor_label=actor_label,
                 details=report.as_dict())
    session.flush()
    return report


__all__ = ["PurgeReport", "Retention", "SETTINGS", "purge"]
