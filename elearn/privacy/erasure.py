"""Erasure (GDPR article 17): what elearn keeps about a person is deleted or replaced by a
tombstone, and every LRS that received statements about them is sent voiding statements.

An erasure is two units of work:

1. **start** – an :class:`~elearn.privacy.models.Erasure` row is committed for the account,
   naming who asked.  From here on the erasure is on record and will be finished.
2. **complete** – in one transaction: publish :class:`~elearn.events.PersonErased` (the xAPI
   outbox voids what the LRSs have and drops what they do not; other subscribers do their
   part), delete the reflections and, unless anonymous completion records are kept, every
   learning record; delete login records and every other row that points at the account;
   replace the account's identifying fields with a tombstone; end the person's sessions;
   mark the erasure complete and write the accountability entry.

If the second step is interrupted, its transaction rolls back whole, so nothing is ever half
erased: running the erasure again finds the started row and completes it.  Running it after
it completed finds no account by that name any more, but the erasure row keeps a keyed
digest of the username (HMAC with the secret key), so the answer is "already erased" rather
than "unknown".  Nothing else about the erased data is kept.

Voiding statements leave through the outbox like every statement, so an LRS that is down
receives them later, and the worker retries them as it retries everything.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from elearn import events
from elearn.auth import end_sessions
from elearn.db import Base, utcnow
from elearn.models import (AttemptAnswer, CourseVersion, Enrolment, LoginFailure, QuizAttempt,
                           Reflection, ReflectionRevision, UnitProgress, User)
from elearn.privacy import audit
from elearn.privacy.models import AccessibilityFeedback, AuditEvent, Erasure
from elearn.privacy.records import personal_row_ids

# Kept when ``PRIVACY_KEEP_ANONYMOUS_COMPLETIONS`` is on: the enrolment (course, version,
# dates, progress, score) and its choice answers, under the tombstone – nothing anyone wrote.
AGGREGATE_TABLES = ("enrolments", "unit_progress", "quiz_attempts", "attempt_answers")
# Rows that record the erasure and other privacy work itself; they hold no erased data.
ACCOUNTABILITY_TABLES = {AuditEvent.__tablename__, Erasure.__tablename__}
# The organisation's work that merely names who did it: on erasure the link to the person is
# cleared and the row kept (a colleague's course draft is not the erased person's data).
DETACHED_COLUMNS = {("publishing_drafts", "uploaded_by_id")}
TOMBSTONE_PREFIX = "erased-"


class ErasureError(Exception):
    """The erasure cannot be done as asked; the message says why in one line."""


@dataclass(frozen=True)
class ErasureOutcome:
    """``state`` is ``erased``, ``resumed`` (an interrupted erasure was completed) or
    ``already_erased`` (nothing to do)."""

    state: str
    erasure_id: int
    started_at: datetime
    completed_at: datetime | None
    counts: dict[str, Any]


def username_digest(username: str, secret_key: str | None = None) -> str:
    """Keyed digest of a username: recognises a repeated request without keeping the name."""
    key = (secret_key or current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"erasure|" + username.strip().encode(), hashlib.sha256).hexdigest()


def _outcome(state: str, erasure: Erasure) -> ErasureOutcome:
    return ErasureOutcome(state=state, erasure_id=erasure.id, started_at=erasure.started_at,
                          completed_at=erasure.completed_at, counts=dict(erasure.counts or {}))


def find_erasure(session: Session, username: str) -> tuple[User | None, Erasure | None]:
    """The live account named ``username`` and its erasure row if one was started, or (None,
    the completed erasure) when the name belonged to an erased account; (None, None) when
    the name is unknown."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is not None:
        return user, session.scalar(select(Erasure).where(Erasure.user_id == user.id))
    erased = session.scalar(select(Erasure).where(
        Erasure.username_digest == username_digest(username), Erasure.completed_at.is_not(None))
        .order_by(Erasure.id.desc()).limit(1))
    return None, erased


def start_erasure(session: Session, username: str, *, requested_by: User | None,
                  via: str) -> tuple[User | None, Erasure, bool]:
    """Step 1: the erasure row for ``username`` (flushes).  Returns (user, erasure, whether
    the row is new); user is None when the account was erased already.  ErasureError for an
    unknown name or for one's own account."""
    user, erasure = find_erasure(session, username)
    if user is None and erasure is None:
        raise ErasureError(f"no account named {username.strip()!r}")
    if user is None:
        return None, erasure, False
    if requested_by is not None and requested_by.id == user.id:
        raise ErasureError("an administrator cannot erase their own account; "
                           "ask another administrator")
    if erasure is not None:
        return user, erasure, False
    erasure = Erasure(user_id=user.id, username_digest=username_digest(user.username),
                      requested_by_id=requested_by.id if requested_by else None,
                      requested_via=via, started_at=utcnow(), counts={})
    session.add(erasure)
    session.flush()
    return user, erasure, True


def complete_erasure(session: Session, user: User, erasure: Erasure, *,
                     requested_by: User | None, via: str) -> dict[str, Any]:
    """Step 2: erase ``user`` (flushes; the caller commits once).  Returns the counts."""
    now = utcnow()
    keep_aggregates = bool(current_app.config.get("PRIVACY_KEEP_ANONYMOUS_COMPLETIONS"))
    counts: dict[str, Any] = {"keep_anonymous_completions": keep_aggregates}

    erased = events.PersonErased(user_id=user.id, at=now)
    events.publish(session, erased)
    counts.update(erased.outcome)

    enrolment_ids = select(Enrolment.id).where(Enrolment.user_id == user.id)
    reflection_ids = select(Reflection.id).where(Reflection.enrolment_id.in_(enrolment_ids))
    counts["reflection_revisions"] = session.execute(
        delete(ReflectionRevision)
        .where(ReflectionRevision.reflection_id.in_(reflection_ids))).rowcount
    counts["reflections"] = session.execute(
        delete(Reflection).where(Reflection.enrolment_id.in_(enrolment_ids))).rowcount
    if not keep_aggregates:
        attempt_ids = select(QuizAttempt.id).where(QuizAttempt.enrolment_id.in_(enrolment_ids))
        counts["attempt_answers"] = session.execute(
            delete(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(attempt_ids))).rowcount
        counts["quiz_attempts"] = session.execute(
            delete(QuizAttempt).where(QuizAttempt.enrolment_id.in_(enrolment_ids))).rowcount
        counts["unit_progress"] = session.execute(
            delete(UnitProgress).where(UnitProgress.enrolment_id.in_(enrolment_ids))).rowcount
        session.execute(update(Enrolment).where(Enrolment.user_id == user.id)
                        .values(moved_to_id=None, last_unit_id=None))
    counts["login_records"] = session.execute(
        delete(LoginFailure).where(LoginFailure.username == user.username)).rowcount
    # Feedback is the organisation's record of its duty to answer: detached, not deleted.
    session.execute(update(AccessibilityFeedback).where(AccessibilityFeedback.user_id == user.id)
                    .values(user_id=None))
    session.execute(update(AccessibilityFeedback)
                    .where(AccessibilityFeedback.answered_by_id == user.id)
                    .values(answered_by_id=None))
    for table_name, column in sorted(DETACHED_COLUMNS):
        table = Base.metadata.tables.get(table_name)
        if table is not None:
            session.execute(update(table).where(table.c[column] == user.id)
                            .values({column: None}))
    counts["other_rows"] = _delete_remaining(session, user, keep_aggregates)
    session.execute(update(CourseVersion).where(CourseVersion.published_by == user.username)
                    .values(published_by=TOMBSTONE_PREFIX + "trainer"))
    session.expire_all()
    user = session.get(User, user.id)
    _tombstone(user)
    session.flush()
    end_sessions(session, user)  # every device, from its next request on

    erasure = session.get(Erasure, erasure.id)
    erasure.completed_at = utcnow()
    erasure.counts = counts
    audit.record(session, "erasure", actor_id=requested_by.id if requested_by else None,
                 actor_label="" if requested_by else via, subject_id=user.id,
                 details={"erasure": erasure.id, **counts})
    session.flush()
    return counts


def _delete_remaining(session: Session, user: User, keep_aggregates: bool) -> dict[str, int]:
    """Every other row that points at the account (directly or through other rows), found
    as the export finds it: an LMS link, a queued passback, a record a later feature adds.
    Deleted children first; the account (tombstoned instead) and the accountability tables
    stay, as do the kept aggregates."""
    keep = {"users", *ACCOUNTABILITY_TABLES}
    if keep_aggregates:
        keep |= set(AGGREGATE_TABLES)
    found = personal_row_ids(session, user)
    deleted: dict[str, int] = {}
    for table in reversed(Base.metadata.sorted_tables):
        ids = found.get(table.name)
        if not ids or table.name in keep:
            continue
        deleted[table.name] = session.execute(delete(table).where(table.c.id.in_(ids))).rowcount
    return deleted


def _tombstone(user: User) -> None:
    """Replace every identifying field; the row stays so that kept aggregates and the
    accountability log still point somewhere."""
    user.username = f"{TOMBSTONE_PREFIX}{secrets.token_hex(8)}"
    user.display_name = ""
    user.email = None
    user.organisation_unit = ""
    user.preferred_language = None
    user.password_hash = generate_password_hash(secrets.token_urlsafe(32))
    user.opaque_id = secrets.token_hex(16)
    user.is_active_account = False


def erase(session_scope, username: str, *, requested_by_id: int | None = None,
          via: str = "cli") -> ErasureOutcome:
    """Both steps, each in its own unit of work from ``session_scope``."""
    with session_scope() as session:
        requested_by = session.get(User, requested_by_id) if requested_by_id else None
        user, erasure, created = start_erasure(session, username, requested_by=requested_by,
                                               via=via)
        if user is None:
            return _outcome("already_erased", erasure)
        erasure_id, user_id = erasure.id, user.id
    with session_scope() as session:
        requested_by = session.get(User, requested_by_id) if requested_by_id else None
        user = session.get(User, user_id)
        erasure = session.get(Erasure, erasure_id)
        complete_erasure(session, user, erasure, requested_by=requested_by, via=via)
        return _outcome("erased" if created else "resumed", erasure)


__all__ = ["ErasureError", "ErasureOutcome", "complete_erasure", "erase", "find_erasure",
           "start_erasure", "username_digest"]


def erasure_preview(session: Session, user: User) -> dict[str, Any]:
    """What an erasure of ``user`` would touch, for the confirmation page: rows per table
    and the statements each destination has (to be voided) or is still waiting for (to be
    dropped)."""
    from elearn.models import XapiDelivery, XapiStatement
    found = personal_row_ids(session, user)
    deliveries = session.execute(
        select(XapiDelivery.destination, XapiDelivery.state, func.count(XapiDelivery.id))
        .join(XapiStatement, XapiStatement.id == XapiDelivery.statement_pk)
        .where(XapiStatement.user_id == user.id)
        .group_by(XapiDelivery.destination, XapiDelivery.state)).all()
    per_destination: dict[str, dict[str, int]] = {}
    for destination, state, count in deliveries:
        per_destination.setdefault(destination, {})[state] = count
    return {"rows": {name: len(ids) for name, ids in sorted(found.items())},
            "destinations": per_destination,
            "keep_aggregates": bool(current_app.config.get(
                "PRIVACY_KEEP_ANONYMOUS_COMPLETIONS"))}
