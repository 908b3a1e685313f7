"""The retention purge, run by the delivery worker (``elearn xapi worker``, and so by
``elearn serve``) so that storage limitation holds without the operator adding a cron entry.

When a purge is due is read from the accountability log, not from a timer in memory: the
worker purges when the last purge that deleted (not a dry run), by anyone — the command
line, this worker or another machine's — is older than ``PRIVACY_PURGE_EVERY_HOURS``
(default 24; ``0`` = the worker never purges, for operators who run ``elearn privacy purge``
from cron).  A restarted worker therefore does not purge again at once, and several workers
purge about once per interval between them (if two start the same purge together, the second
finds nothing left: the purge deletes only what is due).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from elearn.config import SettingError
from elearn.db import Database, utcnow
from elearn.privacy.models import AuditEvent
from elearn.privacy.retention import PurgeReport, Retention, purge

log = logging.getLogger(__name__)

ACTOR_LABEL = "worker"
CHECK_SECONDS = 300.0  # how often the worker looks whether a purge is due
RECENT_PURGES = 50  # dry runs between two real purges are not expected to exceed this


def every_hours(config: dict) -> int:
    """``PRIVACY_PURGE_EVERY_HOURS`` checked: a whole number of hours, 0 for never."""
    value = config.get("PRIVACY_PURGE_EVERY_HOURS", 24)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SettingError("ELEARN_PRIVACY_PURGE_EVERY_HOURS: expected a whole number of "
                           "hours, 0 for never")
    return value


def last_purge(session: Session) -> datetime | None:
    """When personal data was last purged for real (dry runs do not count)."""
    entries = session.execute(select(AuditEvent.at, AuditEvent.details)
                              .where(AuditEvent.action == "purge")
                              .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                              .limit(RECENT_PURGES))
    return next((at for at, details in entries if not (details or {}).get("dry_run")), None)


class PurgeSchedule:
    """Purges when due, checking every ``check_seconds`` until stopped."""

    def __init__(self, app: Flask, *, check_seconds: float = CHECK_SECONDS,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db: Database = app.extensions["elearn.db"]
        self.retention = Retention.from_config(app.config)
        self.interval = timedelta(hours=every_hours(app.config))
        self.check_seconds = check_seconds
        self.clock = clock
        self.purges = 0
        self._stop = threading.Event()

    @property
    def enabled(self) -> bool:
        return bool(self.interval)

    def stop(self) -> None:
        self._stop.set()

    def run_due(self) -> PurgeReport | None:
        """Purge (one transaction) if the last real purge is older than the interval; the
        report, or None when nothing was due."""
        now = self.clock()
        with self.db.session_scope() as session:
            last = last_purge(session)
            if last is not None and now - last < self.interval:
                return None
            report = purge(session, self.retention, dry_run=False, actor_label=ACTOR_LABEL,
                           now=now)
        self.purges += 1
        deleted = ", ".join(f"{kind} {n}" for kind, n in sorted(report.due.items())) or "nothing"
        log.info("privacy purge by the worker: deleted %s", deleted)
        return report

    def run(self) -> None:
        """Until stopped: purge when due.  A database error is logged and tried again at the
        next check; it never stops the worker."""
        if not self.enabled:
            return
        while not self._stop.is_set():
            try:
                self.run_due()
            except DBAPIError as exc:
                log.error("privacy purge: database error, trying again in %.0f s: %s",
                          self.check_seconds,
                          type(exc.orig).__name__ if exc.orig is not None else exc)
            self._stop.wait(self.check_seconds)


__all__ = ["PurgeSchedule", "every_hours", "last_purge"]
