"""Helpers for the privacy tests: a learner who did everything the course offers, and an
independent look at which rows of the database are about a person."""
from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select, text

from elearn.models import LoginFailure, User
from elearn.services import learning
from tests.services.support import right_answers, wrong_answers

REFLECTION = "Verkoston luottamus syntyy pienistä teoista, kirjoitti {name}."


def learner_did_everything(app, username: str, *, display_name: str = "", email: str = "",
                           slug: str = "testikurssi") -> dict[str, Any]:
    """Enrol ``username`` and go through every unit: a failed attempt, a passed one, every
    reflection written and edited once; plus a failed sign-in.  Committed.  Returns the texts
    that identify the learner: each reflection's final text and its first draft."""
    texts, drafts = [], []
    with app.app_context(), app.extensions["elearn.db"].session_scope() as session:
        user = session.scalar(select(User).where(User.username == username))
        enrolment = learning.enrol(session, user, slug)
        for unit_info in enrolment.version.units:
            unit = learning.open_unit(session, enrolment, unit_info.unit_key)
            attempt = learning.current_attempt(session, enrolment, unit)
            learning.submit_attempt(session, enrolment, unit, attempt.id,
                                    wrong_answers(session, attempt))
            attempt = learning.current_attempt(session, enrolment, unit)
            learning.submit_attempt(session, enrolment, unit, attempt.id,
                                    right_answers(session, attempt))
            for task in unit.reflection_tasks:
                draft = REFLECTION.format(name=username) + f" Luonnos {task.task_key}."
                learning.save_reflection(session, enrolment, unit, task.task_key, draft)
                final = REFLECTION.format(name=username) + f" Lopullinen {task.task_key}."
                learning.save_reflection(session, enrolment, unit, task.task_key, final)
                texts.append(final)
                drafts.append(draft)
        session.add(LoginFailure(username=username, remote_addr="127.0.0.1"))
        assert enrolment.completed_at is not None
    return {"reflections": texts, "drafts": drafts}


def rows_pointing_at(session, user_id: int) -> dict[str, set[int]]:
    """Rows about ``user_id`` found from the live schema (the database's own foreign keys,
    read with the inspector, not the models): children of the account, their children and
    so on, plus failed sign-ins under the username."""
    inspector = inspect(session.get_bind())
    links = []
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        for fk in inspector.get_foreign_keys(table):
            if len(fk["constrained_columns"]) == 1:
                links.append((table, fk["constrained_columns"][0], fk["referred_table"]))
    found: dict[str, set[int]] = {"users": {user_id}}
    grew = True
    while grew:
        grew = False
        for table, column, parent in links:
            parents = found.get(parent)
            if not parents:
                continue
            marks = ", ".join(str(int(i)) for i in parents)
            ids = set(session.scalars(text(
                f'SELECT id FROM "{table}" WHERE "{column}" IN ({marks})')))
            if ids - found.get(table, set()):
                found.setdefault(table, set()).update(ids)
                grew = True
    username = session.scalar(select(User.username).where(User.id == user_id))
    failures = set(session.scalars(select(LoginFailure.id)
                                   .where(LoginFailure.username == username)))
    if failures:
        found["login_failures"] = failures
    return found


def every_text_value(session) -> list[tuple[str, str, str]]:
    """(table, column, value as text) of every non-empty value of every table."""
    inspector = inspect(session.get_bind())
    values = []
    for table in inspector.get_table_names():
        columns = [c["name"] for c in inspector.get_columns(table)]
        for row in session.execute(text(f'SELECT * FROM "{table}"')).mappings():
            for column in columns:
                value = row[column]
                if value is not None:
                    values.append((table, column, str(value)))
    return values


def link_lms_identity(app, username: str, sub: str) -> None:
    """Link ``username`` to a user ``sub`` of an LMS (as an LTI launch does).  Committed."""
    from elearn.lti.models import LtiIdentity, LtiPlatform

    with app.extensions["elearn.db"].session_scope() as session:
        user = session.scalar(select(User).where(User.username == username))
        platform = session.scalar(select(LtiPlatform).where(
            LtiPlatform.issuer == "https://moodle.example.fi"))
        if platform is None:
            platform = LtiPlatform(issuer="https://moodle.example.fi", client_id="elearn",
                                   auth_login_url="https://moodle.example.fi/auth",
                                   token_url="https://moodle.example.fi/token",
                                   jwks_url="https://moodle.example.fi/certs",
                                   status="active")
            session.add(platform)
            session.flush()
        session.add(LtiIdentity(platform_id=platform.id, sub=sub, user_id=user.id))
