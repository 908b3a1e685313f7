"""Learning events: what happened, published by the learning services inside the learner's
transaction.  Subscribers (the xAPI outbox) react in the same database session, so the
action and everything it causes commit together or not at all.

Events carry ids of stored records, not copies: a subscriber reads what it needs from the
session.  The same events can be rebuilt from stored records later (xAPI backfill).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class LearningEvent:
    """Base of all events.  ``at`` is when it happened (UTC)."""

    enrolment_id: int
    at: datetime


@dataclass(frozen=True)
class Enrolled(LearningEvent):
    """The learner enrolled (xAPI: registered)."""


@dataclass(frozen=True)
class UnitOpened(LearningEvent):
    """The learner opened a unit's content (xAPI: experienced). Published on first open."""

    unit_id: int


@dataclass(frozen=True)
class AttemptSubmitted(LearningEvent):
    """A quiz attempt was scored (xAPI: answered per question, then passed/failed)."""

    attempt_id: int


@dataclass(frozen=True)
class ReflectionSaved(LearningEvent):
    """A reflection was written or edited (xAPI: answered, long-fill-in)."""

    reflection_id: int


@dataclass(frozen=True)
class UnitCompleted(LearningEvent):
    unit_id: int


@dataclass(frozen=True)
class CourseProgressed(LearningEvent):
    """Course progress changed; ``progress`` is the share of units complete (0–1)."""

    progress: float


@dataclass(frozen=True)
class CourseCompleted(LearningEvent):
    pass


@dataclass(frozen=True)
class CoursePassed(LearningEvent):
    pass


@dataclass(frozen=True)
class LtiLaunched(LearningEvent):
    """A learner arrived through an LMS launch (elearn/lti): ``launch_link_id`` names the
    resource link and enrolment it joined, so grade passback knows the line item.  It is
    not a learning record of its own and makes no xAPI statement."""

    launch_link_id: int
    resource_link_id: int


@dataclass(frozen=True)
class PersonErased:
    """A person's data is being erased (``elearn.privacy.erasure``), in the erasure's own
    transaction: every subscriber removes or neutralises what it keeps about ``user_id``
    (the xAPI outbox voids delivered statements and drops queued ones) and notes what it
    did under its own name in ``outcome``, which goes to the erasure's record."""

    user_id: int
    at: datetime
    outcome: dict[str, Any] = field(default_factory=dict, compare=False)


Subscriber = Callable[[Session, "LearningEvent | PersonErased"], None]


def subscribe(app: Flask, subscriber: Subscriber) -> None:
    """Register ``subscriber`` to be called for every event published in ``app``."""
    app.extensions.setdefault("elearn.event_subscribers", []).append(subscriber)


def publish(session: Session, event: LearningEvent | PersonErased) -> None:
    """Hand ``event`` to every subscriber, in the caller's session and transaction."""
    for subscriber in current_app.extensions.get("elearn.event_subscribers", []):
        subscriber(session, event)
