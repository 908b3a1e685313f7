"""Statements written straight into the outbox (through ``enqueue``, as the learning events
do), for delivery and read-API tests that need many varied statements quickly."""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from elearn.db import utcnow
from elearn.models import XapiDelivery, XapiStatement
from elearn.xapi.lrs_client import LrsResponse
from elearn.xapi.outbox import enqueue

HOME = "http://127.0.0.1:5000"
NAMESPACE = uuid.UUID("5a1d0b6e-9a0c-4a53-8f3e-2f5b0c3d7e11")
VERB = "http://adlnet.gov/expapi/verbs/experienced"
COURSE = f"{HOME}/xapi/activities/course/verkostojohtaminen"


def statement(n: int, *, learner: str = "learner-1", verb: str = VERB,
              activity: str | None = None, registration: str | None = None,
              parent: str | None = None) -> dict[str, Any]:
    """A valid xAPI statement number ``n`` (its id is deterministic in ``n``)."""
    activity = activity or f"{HOME}/xapi/activities/unit/{n}"
    context: dict[str, Any] = {"contextActivities": {"grouping": [{"id": COURSE}]},
                               "language": "fi", "platform": "elearn"}
    if parent:
        context["contextActivities"]["parent"] = [{"id": parent}]
    if registration:
        context["registration"] = registration
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"statement|{n}")),
        "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": learner}},
        "verb": {"id": verb, "display": {"fi": "tutustui", "sv": "tog del av",
                                         "en": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": activity,
                   "definition": {"name": {"fi": f"Osio {n}", "sv": f"Avsnitt {n}",
                                           "en": f"Unit {n}"},
                                  "type": "http://adlnet.gov/expapi/activities/module"}},
        "timestamp": "2026-05-04T09:00:00.123Z",
        "context": context,
    }


def add(app: Flask, statements: list[dict[str, Any]], course_slug: str = "verkostojohtaminen"
        ) -> list[str]:
    """Write ``statements`` to the outbox with a pending delivery per destination."""
    with app.app_context():
        with app.extensions["elearn.db"].session_scope() as session:
            return enqueue(session, statements, course_slug=course_slug, user_id=None,
                           enrolment_id=None)


def add_raw(app: Flask, statement_id: str, payload: str, destinations: list[str]) -> None:
    """An outbox row whose payload is exactly ``payload`` (e.g. one an LRS will reject)."""
    with app.extensions["elearn.db"].session_scope() as session:
        row = XapiStatement(statement_id=statement_id, payload=payload, verb_id=VERB,
                            activity_id=f"{HOME}/xapi/activities/unit/raw", registration=None,
                            actor_key=f"account:{HOME}|raw", course_slug="verkostojohtaminen",
                            timestamp=utcnow(), context_activity_ids=[])
        session.add(row)
        session.flush()
        for name in destinations:
            session.add(XapiDelivery(statement_pk=row.id, destination=name, state="pending",
                                     attempts=0, next_attempt_at=utcnow()))


def deliveries(app: Flask, destination: str | None = None) -> list[XapiDelivery]:
    with app.extensions["elearn.db"].session_scope() as session:
        query = select(XapiDelivery).order_by(XapiDelivery.id)
        if destination:
            query = query.where(XapiDelivery.destination == destination)
        return list(session.scalars(query))


def states(app: Flask, destination: str | None = None) -> dict[str, int]:
    """How many deliveries are in each state."""
    found: dict[str, int] = {}
    for delivery in deliveries(app, destination):
        found[delivery.state] = found.get(delivery.state, 0) + 1
    return found


class Clock:
    """The real time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


class FakeClient:
    """An LRS per destination name: ``answers[name]`` is a function of the posted statements
    returning an LrsResponse (default: 200)."""

    def __init__(self, answers: dict[str, Callable[[list[dict]], LrsResponse]] | None = None):
        self.answers = answers or {}
        self.posts: list[tuple[str, bytes]] = []

    def post_statements(self, destination, body: bytes) -> LrsResponse:
        self.posts.append((destination.name, body))
        answer = self.answers.get(destination.name)
        statements = json.loads(body)
        return answer(statements) if answer else LrsResponse(200, "[]")

    def posted_ids(self, name: str) -> list[str]:
        return [s["id"] for dest, body in self.posts if dest == name for s in json.loads(body)]
