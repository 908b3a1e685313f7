"""The xAPI outbox: statements and their pending deliveries, written in the session (and so
the transaction) of the learner's action that caused them.

If the action commits, its statements are stored and the delivery worker sends them; if it
rolls back, no statement exists for something that did not happen.  Inserting a statement
whose ``statement_id`` is already stored does nothing (``ON CONFLICT DO NOTHING``), which is
what makes replays and backfills safe even while learners are active; a destination added
later still gets its missing delivery row.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from elearn import events
from elearn.db import utcnow
from elearn.models import XapiDelivery, XapiStatement
from elearn.xapi.destinations import Destination, destinations
from elearn.xapi.statements import (ProfileSettings, actor_key, context_activity_ids,
                                    parse_timestamp, serialise, statements_for_event)


def profile_settings(app: Flask | None = None) -> ProfileSettings:
    """The app's statement settings, read once per app."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("elearn.xapi.profile")
    if cached is None:
        cached = app.extensions["elearn.xapi.profile"] = ProfileSettings.from_config(app.config)
    return cached


def _insert(session: Session, model: type):
    """An INSERT that skips rows violating a unique constraint, for this session's backend."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise RuntimeError(f"unsupported database backend {dialect!r}")


def statement_row(statement: dict[str, Any], *, course_slug: str, user_id: int | None,
                  enrolment_id: int | None) -> dict[str, Any]:
    """The outbox columns of a built statement (its payload serialised here, once)."""
    registration = statement.get("context", {}).get("registration")
    return {"statement_id": statement["id"], "payload": serialise(statement),
            "verb_id": statement["verb"]["id"], "activity_id": statement["object"]["id"],
            "registration": registration, "actor_key": actor_key(statement["actor"]),
            "course_slug": course_slug, "user_id": user_id, "enrolment_id": enrolment_id,
            "timestamp": parse_timestamp(statement["timestamp"]),
            "context_activity_ids": context_activity_ids(statement)}


def enqueue(session: Session, statements: list[dict[str, Any]], *, course_slug: str,
            user_id: int | None, enrolment_id: int | None,
            targets: Iterable[Destination] | None = None) -> list[str]:
    """Store ``statements`` (in order) with a pending delivery for every destination that
    accepts ``course_slug``; returns the ids of the statements that were new.

    ``targets`` narrows the destinations (backfill ``--destination``); by default every
    configured destination is considered.
    """
    if not statements:
        return []
    session.flush()
    rows = [statement_row(s, course_slug=course_slug, user_id=user_id,
                          enrolment_id=enrolment_id) for s in statements]
    ids = [row["statement_id"] for row in rows]
    # One INSERT of all rows in order (so ``id``, the stored order, follows the statements)
    # that skips the ones already stored and returns the keys of the new ones: a quiz of any
    # size costs one statement round here, and a replay one more to find the stored keys.
    inserted = dict(session.execute(
        _insert(session, XapiStatement)
        .on_conflict_do_nothing(index_elements=["statement_id"])
        .returning(XapiStatement.statement_id, XapiStatement.id), rows).all())
    stored = [i for i in ids if i not in inserted]
    accepting = [d.name for d in (destinations(current_app) if targets is None else targets)
                 if d.accepts(course_slug)]
    if accepting:
        pks = list(inserted.values())
        if stored:
            pks += session.scalars(select(XapiStatement.id)
                                   .where(XapiStatement.statement_id.in_(stored))).all()
        now = utcnow()
        values = [{"statement_pk": pk, "destination": name, "state": "pending", "attempts": 0,
                   "next_attempt_at": now} for pk in pks for name in accepting]
        session.execute(_insert(session, XapiDelivery).values(values)
                        .on_conflict_do_nothing(index_elements=["statement_pk", "destination"]))
    return [i for i in ids if i in inserted]


def on_learning_event(session: Session,
                      event: events.LearningEvent | events.PersonErased) -> None:
    """Subscriber: turn ``event`` into outbox rows in the learner's own session; for an
    erasure, void and drop the person's statements (:mod:`elearn.xapi.voiding`)."""
    if isinstance(event, events.PersonErased):
        from elearn.xapi.voiding import void_person
        totals = void_person(session, profile_settings(), event.user_id, event.at)
        event.outcome["xapi"] = totals.as_dict()
        return
    if isinstance(event, events.LtiLaunched):
        return  # a launch is not a learning record; it makes no statement
    enrolment, statements = statements_for_event(session, profile_settings(), event)
    enqueue(session, statements, course_slug=enrolment.version.course.slug,
            user_id=enrolment.user_id, enrolment_id=enrolment.id)


def init_app(app: Flask) -> None:
    """Validate the xAPI settings at start-up, capture every learning event and add
    ``elearn xapi backfill``."""
    from elearn.xapi import backfill
    destinations(app)
    profile_settings(app)
    events.subscribe(app, on_learning_event)
    backfill.register_cli()


__all__ = ["enqueue", "init_app", "on_learning_event", "profile_settings", "statement_row"]
