"""The accountability log (GDPR article 5(2)): who exported, viewed, erased or purged personal
data, and when.  Rows are written in the session of the action they record, so an action
that rolls back leaves no entry and one that commits always has one.  Entries name people by
account id only and carry counts and filters, never the data itself; an erased account shows
as its tombstone."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from elearn.db import utcnow
from elearn.privacy.models import AuditEvent

log = logging.getLogger("elearn.audit")

ACTIONS = ("export", "erasure", "purge", "hr_report_download", "account_view",
           "accessibility_feedback_view", "course_publish", "learners_move")


def record(session: Session, action: str, *, actor_id: int | None = None,
           actor_label: str = "", subject_id: int | None = None,
           details: dict[str, Any] | None = None) -> AuditEvent:
    """Add one entry (flushes; the caller commits)."""
    event = AuditEvent(at=utcnow(), action=action, actor_id=actor_id, actor_label=actor_label,
                       subject_id=subject_id, details=details or {})
    session.add(event)
    session.flush()
    log.info("privacy %s by %s on %s", action, actor_id or actor_label or "-", subject_id or "-")
    return event


def plain_filters(args: dict[str, Any]) -> dict[str, Any]:
    """Report filters as JSON-ready text (dates as ISO 8601), empty ones left out."""
    return {key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in sorted(args.items()) if value not in (None, "")}


__all__ = ["ACTIONS", "plain_filters", "record"]
