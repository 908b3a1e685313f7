"""Helpers around the local Ralph LRS for the delivery benchmarks: realistic statements made
by the real learning flow, cloned to any number, queued in bulk, and counted in Ralph."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

from flask import Flask
from sqlalchemy import delete, insert, select

from bench import dataset
from elearn.local_lrs import LocalRalph

XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}


def template_rows(app: Flask) -> list[dict]:
    """Outbox rows of one learner going through the whole course with the real services
    (enrol, open every unit, pass every quiz, write every reflection); the outbox is then
    emptied so only what a benchmark queues is there."""
    from elearn.db import get_db
    from elearn.models import XapiDelivery, XapiStatement
    from elearn.services import learning
    from elearn.services.accounts import create_user

    shape = dataset.course_shape(app)
    with app.app_context():
        with get_db().session_scope() as session:
            user = create_user(session, username="template-learner", role="learner",
                               password=dataset.PASSWORD)
            enrolment = learning.enrol(session, user, shape.slug)
            for unit_info in shape.units:
                unit = learning.open_unit(session, enrolment, unit_info["key"])
                attempt = learning.current_attempt(session, enrolment, unit)
                questions = learning.attempt_questions(session, attempt)
                answers = {q.question_key: dataset.correct_response(q.data) for q in questions}
                learning.submit_attempt(session, enrolment, unit, attempt.id, answers)
                for task in unit.reflection_tasks:
                    learning.save_reflection(session, enrolment, unit, task.task_key,
                                             "Verkostossa luottamus syntyy teoista. " * 30)
        with get_db().session_scope() as session:
            columns = XapiStatement.__table__.columns
            rows = [dict(row._mapping) for row in session.execute(
                select(*[c for c in columns if c.name != "id"]).order_by(XapiStatement.id))]
            session.execute(delete(XapiDelivery))
            session.execute(delete(XapiStatement))
    return rows


def clone(templates: list[dict], count: int, seed: str) -> list[dict]:
    """``count`` outbox rows cycling through ``templates``, each a distinct statement (new
    deterministic id, payload re-serialised once with the service's own serialiser)."""
    from elearn.xapi.statements import serialise

    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"elearn-bench:{seed}")
    rows = []
    for n in range(count):
        template = templates[n % len(templates)]
        statement = json.loads(template["payload"])
        statement["id"] = str(uuid.uuid5(namespace, str(n)))
        rows.append({**template, "statement_id": statement["id"],
                     "payload": serialise(statement)})
    return rows


def queue(app: Flask, rows: list[dict], destination: str) -> None:
    """Store ``rows`` in the outbox with a pending delivery each to ``destination``."""
    from elearn.db import get_db, utcnow
    from elearn.models import XapiDelivery, XapiStatement

    now = utcnow()
    with app.app_context(), get_db().session_scope() as session:
        for start in range(0, len(rows), dataset.CHUNK):
            chunk = rows[start:start + dataset.CHUNK]
            session.execute(insert(XapiStatement.__table__), chunk)
            ids = session.scalars(select(XapiStatement.id).where(
                XapiStatement.statement_id.in_([r["statement_id"] for r in chunk]))).all()
            session.execute(insert(XapiDelivery.__table__),
                            [{"statement_pk": pk, "destination": destination,
                              "state": "pending", "attempts": 0, "next_attempt_at": now}
                             for pk in ids])


def delivery_states(app: Flask) -> dict[str, int]:
    from sqlalchemy import func

    from elearn.db import get_db
    from elearn.models import XapiDelivery

    with app.app_context(), get_db().session_scope() as session:
        return dict(session.execute(select(XapiDelivery.state, func.count())
                                    .group_by(XapiDelivery.state)).all())


def stored_ids(ralph: LocalRalph) -> list[str]:
    """Every statement id in Ralph's store (its append-only files), duplicates kept, so a
    count of 50,000 needs no 100 pages of the statements API."""
    found: list[str] = []
    for path in sorted(Path(ralph.directory / "fs").rglob("*")):
        if path.is_file():
            with path.open(encoding="utf-8") as handle:
                found.extend(json.loads(line)["id"] for line in handle if line.strip())
    return found


def restart_empty(ralph: LocalRalph) -> None:
    """The same LRS (port, credentials) with nothing stored."""
    ralph.stop()
    ralph.wipe()
    ralph.start()
