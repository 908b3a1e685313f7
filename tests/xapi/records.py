"""A learner's stored records built straight from the models, with the learning events the
learning services publish for them, for testing statements, the outbox and backfill without
going through the services."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from elearn import events
from elearn.models import (AttemptAnswer, CourseVersion, Enrolment, QuizAttempt, Reflection,
                           UnitProgress, User)
from tests.factories import correct_response

START = datetime(2026, 5, 4, 9, 0, 0, 123456, tzinfo=timezone.utc)


def wrong_response(data: dict):
    """A well-formed but wrong response to a factory question."""
    kind = data["type"]
    if kind == "single_choice":
        return "b"
    if kind == "multiple_choice":
        return ["a", "b"]
    if kind == "true_false":
        return not data["answer"]
    if kind == "matching":
        return {"p1": "p2", "p2": "p1", "p3": "p3"}
    return ["third", "first", "second"]


@dataclass
class Learner:
    enrolment: Enrolment
    events: list[events.LearningEvent] = field(default_factory=list)


class Clock:
    """Distinct, increasing record times (milliseconds apart, so ids differ)."""

    def __init__(self, start: datetime = START):
        self.now = start

    def tick(self, seconds: float = 1.5) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def enrol(session: Session, user: User, version: CourseVersion, clock: Clock) -> Learner:
    at = clock.tick()
    enrolment = Enrolment(user_id=user.id, version_id=version.id, enrolled_at=at,
                          last_activity_at=at)
    session.add(enrolment)
    session.flush()
    return Learner(enrolment, [events.Enrolled(enrolment_id=enrolment.id, at=at)])


def submit(session: Session, learner: Learner, unit, clock: Clock, *, correct: bool,
           number: int = 1) -> QuizAttempt:
    at = clock.tick()
    enrolment = learner.enrolment
    attempt = QuizAttempt(enrolment_id=enrolment.id, unit_id=unit.id, number=number,
                          question_ids=[q.id for q in reversed(unit.questions)],
                          started_at=at - timedelta(minutes=2), submitted_at=at)
    session.add(attempt)
    raw = 0.0
    for question in unit.questions:
        response = correct_response(question.data) if correct else wrong_response(question.data)
        points = question.points if correct else 0.0
        raw += points
        session.add(AttemptAnswer(attempt=attempt, question_id=question.id, response=response,
                                  correct=correct, points=points))
    total = sum(q.points for q in unit.questions)
    attempt.score_raw, attempt.score_max = raw, total
    attempt.score_scaled = raw / total
    attempt.passed = attempt.score_scaled >= unit.pass_mark
    session.flush()
    learner.events.append(events.AttemptSubmitted(enrolment_id=enrolment.id, at=at,
                                                  attempt_id=attempt.id))
    return attempt


def write_reflection(session: Session, learner: Learner, task, clock: Clock,
                     text: str = "Verkostossa luottamus syntyy teoista.") -> Reflection:
    at = clock.tick()
    reflection = Reflection(enrolment_id=learner.enrolment.id, task_id=task.id, text=text,
                            created_at=at, updated_at=at)
    session.add(reflection)
    session.flush()
    learner.events.append(events.ReflectionSaved(enrolment_id=learner.enrolment.id, at=at,
                                                 reflection_id=reflection.id))
    return reflection


def complete_course(session: Session, user: User, version: CourseVersion,
                    clock: Clock | None = None, *, fail_first: bool = True,
                    units: int | None = None) -> Learner:
    """Enrol ``user`` and work through ``units`` units (all by default): open, fail the quiz
    once (``fail_first``), pass it, write each reflection, complete the unit; then complete
    and pass the course when every unit is done."""
    clock = clock or Clock()
    learner = enrol(session, user, version, clock)
    enrolment = learner.enrolment
    all_units = list(version.units)
    chosen = all_units[:units] if units is not None else all_units
    done = 0
    scores = []
    for unit in chosen:
        at = clock.tick()
        progress = UnitProgress(enrolment_id=enrolment.id, unit_id=unit.id, first_viewed_at=at)
        session.add(progress)
        session.flush()
        learner.events.append(events.UnitOpened(enrolment_id=enrolment.id, at=at,
                                                unit_id=unit.id))
        number = 1
        if fail_first:
            submit(session, learner, unit, clock, correct=False, number=number)
            number += 1
        attempt = submit(session, learner, unit, clock, correct=True, number=number)
        progress.quiz_passed_at = attempt.submitted_at
        progress.best_score = attempt.score_scaled
        scores.append(attempt.score_scaled)
        for task in unit.reflection_tasks:
            write_reflection(session, learner, task, clock)
        at = clock.tick()
        progress.completed_at = at
        done += 1
        enrolment.progress = done / len(all_units)
        learner.events.append(events.UnitCompleted(enrolment_id=enrolment.id, at=at,
                                                   unit_id=unit.id))
        learner.events.append(events.CourseProgressed(enrolment_id=enrolment.id, at=at,
                                                      progress=enrolment.progress))
        if done == len(all_units):
            enrolment.completed_at = at
            enrolment.score = sum(scores) / len(scores)
            learner.events.append(events.CourseCompleted(enrolment_id=enrolment.id, at=at))
            # passed with the last unit: every unit's quiz is passed
            enrolment.passed_at = at
            learner.events.append(events.CoursePassed(enrolment_id=enrolment.id, at=at))
    session.flush()
    return learner
