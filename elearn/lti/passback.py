"""Grade passback, the writing side: learning events become score rows for the platforms'
gradebooks, in the learner's own transaction.

A learner who arrived from an LMS has one :class:`~elearn.lti.models.LtiLaunchLink` per
resource link they launched (the whole course, or one unit).  When a learning event touches
such an enrolment, the subscriber only *notes* which lanes (learner × resource link) changed;
just before the transaction commits, one score per noted lane is computed from the final state
of the transaction and added as an :class:`~elearn.lti.score_models.LtiScore` row.  Computing
at commit rather than at each event matters: a quiz submission publishes AttemptSubmitted
before the completion rules have stored the new course score, and several events of one
action (attempt, unit completed, course completed, passed) must become *one* score, not four.
If the action rolls back, the notes are dropped with it.  No HTTP happens here; the delivery
worker (:mod:`elearn.lti.delivery`) sends the rows.

What is sent (AGS score, ``scoreMaximum`` 100):

- a course link: the course score (mean of every unit's best quiz score, the same figure the
  completion report shows), ``activityProgress`` Completed once the course is complete, else
  InProgress; before any quiz was submitted, Started without a score;
- a unit link: that unit's best quiz score, Completed once the unit is complete, else
  InProgress; Started when the unit was first opened;
- ``gradingProgress`` FullyGraded whenever there is a score, Pending before;
- a link's launch (``LtiLaunched``) sends the current score when its lane has none yet, so a
  gradebook column added after the learner's work still gets it (nothing when nothing was
  done yet).

Timestamps (UTC, milliseconds) grow strictly within a lane, so the platform, which keeps the
score with the newest timestamp, can never let a delayed older score win.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearn import events
from elearn.db import utcnow
from elearn.lti import enrolment_facts, xapi_context
from elearn.lti.enrolment_facts import facts_of
from elearn.lti.models import LtiLaunchLink, LtiResourceLink
from elearn.lti.score_models import LtiScore
from elearn.models.courses import Unit
from elearn.models.learning import Enrolment, QuizAttempt, UnitProgress
from elearn.xapi.statements import register_lms_lookup

SCORE_MAXIMUM = 100
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
_NOTES = "elearn.lti.passback"  # session.info: lanes noted in this transaction


@dataclass
class _Lane:
    launch: LtiLaunchLink
    link: LtiResourceLink
    at: datetime
    initial: bool = False  # noted by a launch: send only if the lane has no score yet


def _links_of(session: Session, enrolment_id: int) -> list[tuple[LtiLaunchLink, LtiResourceLink]]:
    """The enrolment's launch links whose resource link takes scores (read once per
    transaction with the rest of :mod:`elearn.lti.enrolment_facts`)."""
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None:
        return []
    return [(launch, link) for launch, link in facts_of(session, enrolment).links
            if takes_scores(link)]


def takes_scores(link: LtiResourceLink) -> bool:
    """Whether the platform gave this link a gradebook: the score scope and a line item, or
    a line items container to find or create one in."""
    return SCOPE_SCORE in (link.ags_scopes or []) and bool(link.lineitem_url
                                                           or link.lineitems_url)


def _unit_key(session: Session, event: events.LearningEvent) -> str | None:
    """The unit an event concerns (None for course-wide events)."""
    unit_id = getattr(event, "unit_id", None)
    if isinstance(event, events.AttemptSubmitted):
        attempt = session.get(QuizAttempt, event.attempt_id)
        unit_id = attempt.unit_id if attempt is not None else None
    if unit_id is None:
        return None
    unit = session.get(Unit, unit_id)
    return unit.unit_key if unit is not None else None


_SCORING = (events.UnitOpened, events.AttemptSubmitted, events.UnitCompleted,
            events.CourseProgressed, events.CourseCompleted, events.CoursePassed)


def _on_launch(session: Session, event: events.LtiLaunched) -> None:
    """A launch may have created the enrolment's first link (forget what was cached) and
    links an enrolment that may already have a score: a teacher who adds the activity after
    a learner finished the course still gets the learner's result in the gradebook."""
    enrolment_facts.forget(session, event.enrolment_id)
    launch = session.get(LtiLaunchLink, event.launch_link_id)
    link = session.get(LtiResourceLink, event.resource_link_id)
    if launch is None or link is None or not takes_scores(link):
        return
    notes: dict[int, _Lane] = session.info.setdefault(_NOTES, {})
    notes.setdefault(launch.id, _Lane(launch, link, event.at, initial=True))


def on_learning_event(session: Session, event: events.LearningEvent) -> None:
    """Subscriber: note the lanes whose score this event may change."""
    if isinstance(event, events.LtiLaunched):
        _on_launch(session, event)
        return
    if not isinstance(event, _SCORING):
        return
    links = _links_of(session, event.enrolment_id)
    if not links:
        return
    unit_key = _unit_key(session, event)
    notes: dict[int, _Lane] = session.info.setdefault(_NOTES, {})
    for launch, link in links:
        if link.unit_key is not None and link.unit_key != unit_key:
            continue  # a unit link hears only of its own unit
        notes[launch.id] = _Lane(launch, link, event.at)  # a real change: not "initial"


def _iso_ms(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _to_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _score_document(session: Session, lane: _Lane, sub: str,
                    timestamp: datetime) -> dict | None:
    """The score of ``lane`` now; None for a launch's lane where nothing was done yet."""
    enrolment = session.get(Enrolment, lane.launch.enrolment_id)
    assert enrolment is not None
    if lane.link.unit_key is None:
        score = enrolment.score
        complete = enrolment.completed_at is not None
        opened = enrolment.progress > 0 or session.scalar(
            select(UnitProgress.id).where(UnitProgress.enrolment_id == enrolment.id)
            .limit(1)) is not None
    else:
        progress = session.scalar(
            select(UnitProgress).join(Unit, Unit.id == UnitProgress.unit_id)
            .where(UnitProgress.enrolment_id == enrolment.id,
                   Unit.version_id == enrolment.version_id,
                   Unit.unit_key == lane.link.unit_key))
        score = progress.best_score if progress is not None else None
        complete = progress is not None and progress.completed_at is not None
        opened = progress is not None
    if lane.initial and not opened:
        return None
    document: dict = {"userId": sub, "timestamp": _iso_ms(timestamp)}
    if score is None:
        document.update(activityProgress="Completed" if complete else "Started",
                        gradingProgress="Pending")
    else:
        document.update(scoreGiven=round(score * SCORE_MAXIMUM, 2),
                        scoreMaximum=SCORE_MAXIMUM,
                        activityProgress="Completed" if complete else "InProgress",
                        gradingProgress="FullyGraded")
    return document


def _write_scores(session: Session) -> None:
    """``before_commit``: one score row per lane noted in this transaction."""
    notes: dict[int, _Lane] | None = session.info.pop(_NOTES, None)
    if not notes:
        enrolment_facts.forget(session)
        return
    for lane in notes.values():
        enrolment = session.get(Enrolment, lane.launch.enrolment_id)
        sub = facts_of(session, enrolment).sub_on(lane.link.platform_id) if enrolment else None
        if sub is None:
            continue
        newest = session.scalar(select(func.max(LtiScore.timestamp)).where(
            LtiScore.resource_link_id == lane.link.id, LtiScore.lti_user_id == sub))
        if lane.initial and newest is not None:
            continue  # the gradebook already heard of this lane
        timestamp = _to_ms(lane.at)
        if newest is not None and timestamp <= newest:
            timestamp = _to_ms(newest) + timedelta(milliseconds=1)
        document = _score_document(session, lane, sub, timestamp)
        if document is None:
            continue
        session.add(LtiScore(
            platform_id=lane.link.platform_id, resource_link_id=lane.link.id,
            user_id=lane.launch.user_id, enrolment_id=lane.launch.enrolment_id,
            lti_user_id=sub, scope="course" if lane.link.unit_key is None else "unit",
            payload=json.dumps(document, ensure_ascii=False, separators=(",", ":")),
            timestamp=timestamp, created_at=utcnow(), next_attempt_at=utcnow()))
    session.flush()
    enrolment_facts.forget(session)


def _forget(session: Session, previous_transaction=None) -> None:
    if previous_transaction is not None and previous_transaction.nested:
        return  # a savepoint rolled back; the learner's transaction goes on
    session.info.pop(_NOTES, None)
    enrolment_facts.forget(session)


_listening = False


def init_app(app: Flask) -> None:
    """Subscribe to learning events and write the noted scores at every commit."""
    global _listening
    events.subscribe(app, on_learning_event)
    register_lms_lookup(xapi_context.lms_launch_of)
    if not _listening:  # session events are process-wide; register them once
        sa_event.listen(Session, "before_commit", _write_scores)
        sa_event.listen(Session, "after_soft_rollback", _forget)
        _listening = True


__all__ = ["SCORE_MAXIMUM", "init_app", "on_learning_event", "takes_scores"]
