"""What the outbox does when a person's data is erased: *void* what the LRSs already have,
*drop* what they do not have yet.

xAPI statements are immutable; an LRS forgets a statement only when it receives a voiding
statement (verb ``http://adlnet.gov/expapi/verbs/voided``, object a ``StatementRef`` to it),
after which it no longer returns the voided statement to ordinary queries.  For each
statement about the person the outbox looks at each destination's delivery row:

* ``delivered`` – the LRS has it: a voiding statement is queued to *that* destination only;
* ``pending`` and claimed by a worker right now (its POST may be in flight) – treated as
  delivered, and the voiding statement waits until the worker's lease has expired, so it
  cannot overtake the statement it voids;
* ``pending`` otherwise, or ``dead`` (the LRS refused it) – the LRS does not have it: the row
  is dropped and it is never sent.

Then the person's own statement rows are deleted from the outbox, so no copy of what they
said (a reflection's text, when sent) stays here.  A voiding statement's id is a UUID 5 of
the voided statement's id, so erasing again, or resuming an interrupted erasure, queues
nothing twice; its actor is the service itself, not the person, so it names nobody.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from tincan import Agent, AgentAccount, LanguageMap, Statement, StatementRef
from tincan import Verb as TinCanVerb

from elearn.models import XapiDelivery, XapiStatement
from elearn.xapi.destinations import destinations
from elearn.xapi.statements import ProfileSettings, format_timestamp, statement_id
from elearn.xapi.vocabulary import VOIDED

SERVICE_ACTOR_NAME = "elearn"


@dataclass
class VoidingTotals:
    """What erasure did to the outbox: voiding statements queued per destination, and
    deliveries dropped before they were sent."""

    voided: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    dropped: int = 0
    statements_removed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"voided": dict(self.voided), "dropped": self.dropped,
                "statements_removed": self.statements_removed}


def voiding_statement(settings: ProfileSettings, target_id: str, at: datetime) -> dict[str, Any]:
    """The statement voiding ``target_id`` (built with tincan; no ``version``, the LRS
    records its own; timestamp in UTC with milliseconds like every statement here)."""
    statement = Statement(
        id=statement_id(settings, f"voided|{target_id}"),
        actor=Agent(account=AgentAccount(home_page=settings.public_url,
                                         name=SERVICE_ACTOR_NAME)),
        verb=TinCanVerb(id=VOIDED.id, display=LanguageMap(VOIDED.display)),
        object=StatementRef(id=target_id))
    data = statement.as_version()
    data.pop("version", None)
    data["timestamp"] = format_timestamp(at)
    return data


def void_person(session: Session, settings: ProfileSettings, user_id: int,
                now: datetime) -> VoidingTotals:
    """Void what the LRSs have about ``user_id``, drop what they do not, and delete the
    person's statement rows (flushes; the caller commits)."""
    from elearn.xapi.outbox import enqueue

    totals = VoidingTotals()
    rows = session.execute(
        select(XapiStatement.id, XapiStatement.statement_id, XapiStatement.course_slug,
               XapiDelivery.destination, XapiDelivery.state, XapiDelivery.claimed_until)
        .join(XapiDelivery, XapiDelivery.statement_pk == XapiStatement.id, isouter=True)
        .where(XapiStatement.user_id == user_id)
        .order_by(XapiStatement.id)).all()
    # (destination, course) -> [(target id, not before)]
    to_void: dict[tuple[str, str], list[tuple[str, datetime]]] = defaultdict(list)
    pks = set()
    for pk, target, course, destination, state, claimed_until in rows:
        pks.add(pk)
        if destination is None:
            continue
        in_flight = state == "pending" and claimed_until is not None and claimed_until > now
        if state == "delivered" or in_flight:
            not_before = claimed_until + timedelta(seconds=1) if in_flight else now
            to_void[(destination, course)].append((target, not_before))
        else:
            totals.dropped += 1
    known = {d.name: d for d in destinations(current_app)}
    for (name, course), targets in sorted(to_void.items()):
        destination = known.get(name)
        if destination is None:
            # A destination no longer configured cannot be reached; its rows stay visible
            # as a count in the erasure's record.
            totals.voided[f"{name} (not configured)"] += len(targets)
            continue
        statements = [voiding_statement(settings, target, now) for target, _ in targets]
        enqueue(session, statements, course_slug=course, user_id=None, enrolment_id=None,
                targets=[destination])
        totals.voided[name] += len(targets)
        waits = {statement["id"]: not_before
                 for statement, (_, not_before) in zip(statements, targets) if not_before > now}
        for voiding_id, not_before in waits.items():
            session.execute(update(XapiDelivery)
                            .where(XapiDelivery.destination == name,
                                   XapiDelivery.state == "pending",
                                   XapiDelivery.statement_pk == select(XapiStatement.id).where(
                                       XapiStatement.statement_id == voiding_id)
                                   .scalar_subquery())
                            .values(next_attempt_at=not_before))
    if pks:
        session.execute(delete(XapiDelivery).where(XapiDelivery.statement_pk.in_(pks)))
        session.execute(delete(XapiStatement).where(XapiStatement.id.in_(pks)))
    totals.statements_removed = len(pks)
    session.flush()
    return totals


__all__ = ["SERVICE_ACTOR_NAME", "VoidingTotals", "void_person", "voiding_statement"]
