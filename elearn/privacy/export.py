"""A person's own data (GDPR articles 15 and 20): everything elearn holds about them, in two
parts that come from the same read.

* ``records`` – every row about the person, table by table, found by following foreign keys
  (:mod:`elearn.privacy.records`): complete by construction, machine-readable, the part that
  makes the export *portable*.
* the readable part – account, enrolments with unit progress, quiz attempts with each answer
  and its score, reflections with every text saved, and the xAPI statements about the person with each LRS's
  delivery state – with course texts in the requested language, for people to read.

The password hash is the only stored value left out: it is a credential, not information
about the person.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from elearn.db import utcnow
from elearn.models import (AttemptAnswer, Enrolment, QuizAttempt, Reflection, UnitProgress,
                           User, XapiDelivery, XapiStatement)
from elearn.privacy.records import personal_row_ids, rows_of
from elearn.services.i18n_text import text_in

FORMAT_VERSION = 1


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: datetimes in ISO 8601, enums by value."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    if hasattr(value, "value") and not isinstance(value, (int, float, str, bool)):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _account(user: User) -> dict[str, Any]:
    return {"username": user.username, "display_name": user.display_name,
            "email": user.email, "organisation_unit": user.organisation_unit,
            "role": user.role.value, "preferred_language": user.preferred_language,
            "created_at": plain(user.created_at), "active": user.is_active_account,
            "xapi_actor_name": user.opaque_id}


def _answer(answer: AttemptAnswer, language: str) -> dict[str, Any]:
    question = answer.question
    return {"question": question.question_key, "type": question.type,
            "prompt": text_in(question.data.get("prompt"), language),
            "response": answer.response, "correct": answer.correct, "points": answer.points,
            "max_points": question.points}


def _attempt(attempt: QuizAttempt, language: str) -> dict[str, Any]:
    return {"id": attempt.id, "unit": attempt.unit.unit_key, "number": attempt.number,
            "started_at": plain(attempt.started_at),
            "submitted_at": plain(attempt.submitted_at), "score_raw": attempt.score_raw,
            "score_max": attempt.score_max, "score_scaled": attempt.score_scaled,
            "passed": attempt.passed,
            "answers": [_answer(a, language)
                        for a in sorted(attempt.answers, key=lambda a: a.question.position)]}


def _enrolment(session: Session, enrolment: Enrolment, language: str) -> dict[str, Any]:
    version = enrolment.version
    units = session.scalars(select(UnitProgress).where(UnitProgress.enrolment_id == enrolment.id)
                            .options(selectinload(UnitProgress.unit))).all()
    attempts = session.scalars(
        select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id)
        .options(selectinload(QuizAttempt.unit),
                 selectinload(QuizAttempt.answers).selectinload(AttemptAnswer.question))
        .order_by(QuizAttempt.unit_id, QuizAttempt.number)).all()
    reflections = session.scalars(
        select(Reflection).where(Reflection.enrolment_id == enrolment.id)
        .options(selectinload(Reflection.task), selectinload(Reflection.revisions))
        .order_by(Reflection.id)).all()
    return {
        "id": enrolment.id, "course": version.course.slug,
        "course_title": text_in(version.title, language), "version": version.number,
        "registration": enrolment.registration, "enrolled_at": plain(enrolment.enrolled_at),
        "last_activity_at": plain(enrolment.last_activity_at),
        "progress": enrolment.progress, "score": enrolment.score,
        "completed_at": plain(enrolment.completed_at), "passed_at": plain(enrolment.passed_at),
        "moved_to_enrolment": enrolment.moved_to_id, "moved_at": plain(enrolment.moved_at),
        "units": [{"unit": p.unit.unit_key, "title": text_in(p.unit.title, language),
                   "first_viewed_at": plain(p.first_viewed_at),
                   "quiz_passed_at": plain(p.quiz_passed_at), "best_score": p.best_score,
                   "completed_at": plain(p.completed_at)}
                  for p in sorted(units, key=lambda p: p.unit.position)],
        "attempts": [_attempt(a, language) for a in attempts],
        "reflections": [{"id": r.id, "task": r.task.task_key,
                         "prompt": text_in(r.task.prompt, language), "text": r.text,
                         "created_at": plain(r.created_at), "updated_at": plain(r.updated_at),
                         "revisions": [{"text": revision.text,
                                        "saved_at": plain(revision.saved_at)}
                                       for revision in r.revisions]}
                        for r in reflections],
    }


def _statements(session: Session, ids: set[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    rows = session.scalars(select(XapiStatement).where(XapiStatement.id.in_(ids))
                           .order_by(XapiStatement.id)).all()
    deliveries: dict[int, list[XapiDelivery]] = defaultdict(list)
    for delivery in session.scalars(select(XapiDelivery)
                                    .where(XapiDelivery.statement_pk.in_(ids))
                                    .order_by(XapiDelivery.destination)):
        deliveries[delivery.statement_pk].append(delivery)
    return [{"id": row.statement_id, "verb": row.verb_id, "object": row.activity_id,
             "timestamp": plain(row.timestamp), "stored_at": plain(row.stored_at),
             "course": row.course_slug,
             "deliveries": [{"destination": d.destination, "state": d.state,
                             "attempts": d.attempts, "delivered_at": plain(d.delivered_at),
                             "last_status": d.last_status} for d in deliveries[row.id]],
             "statement": json.loads(row.payload)} for row in rows]


def export_of(session: Session, user: User, language: str) -> dict[str, Any]:
    """Everything about ``user`` as one JSON-ready document, course texts in ``language``."""
    found = personal_row_ids(session, user)
    enrolments = session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)
                                 .order_by(Enrolment.id)).all()
    return {
        "format": FORMAT_VERSION, "generated_at": plain(utcnow()), "language": language,
        "account": _account(user),
        "enrolments": [_enrolment(session, e, language) for e in enrolments],
        "statements": _statements(session, found.get("xapi_statements", set())),
        "records": {name: [plain(row) for row in rows_of(session, name, ids)]
                    for name, ids in sorted(found.items())},
    }


__all__ = ["FORMAT_VERSION", "export_of", "plain"]
