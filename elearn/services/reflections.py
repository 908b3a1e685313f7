"""Reflections: the learner's private free-text answers to a unit's reflection tasks.

Privacy rule: a reflection is only ever read through its author's enrolments.  No function
here takes a reflection id from outside, so there is no way to ask for someone else's text;
trainers and HR see that a reflection was written (progress), never what.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, contains_eager

from elearn.db import utcnow
from elearn.errors import APIError
from elearn.events import ReflectionSaved, publish
from elearn.models.accounts import User
from elearn.models.courses import CourseVersion, ReflectionTask, Unit
from elearn.models.learning import Enrolment, Reflection, ReflectionRevision
from elearn.services.enrolment_lock import lock_enrolment
from elearn.services.i18n_text import text_in
from elearn.services.progress import update_completion

REFLECTION_MAX_LENGTH = 20_000  # characters; far above any task's min_length


def _task(session: Session, enrolment: Enrolment, unit: Unit, task_key: str) -> ReflectionTask:
    if unit.version_id != enrolment.version_id:
        raise APIError(404, "No such unit in this course.", code="unit_not_found")
    task = session.scalar(select(ReflectionTask).where(ReflectionTask.unit_id == unit.id,
                                                       ReflectionTask.task_key == task_key))
    if task is None:
        raise APIError(404, f"No reflection task {task_key!r} in this unit.",
                       code="reflection_task_not_found")
    return task


def reflection_for(session: Session, enrolment: Enrolment, unit: Unit,
                   task_key: str) -> Reflection | None:
    """The learner's reflection on task ``task_key`` of ``unit`` (None when not written yet);
    404 for an unknown task."""
    task = _task(session, enrolment, unit, task_key)
    return session.scalar(select(Reflection).where(Reflection.enrolment_id == enrolment.id,
                                                   Reflection.task_id == task.id))


def reflections_in_unit(session: Session, enrolment: Enrolment,
                        unit: Unit) -> dict[str, Reflection]:
    """The learner's reflections on ``unit``'s tasks in this enrolment, by task key: what
    the unit page shows.  One query, whatever else the learner has written."""
    rows = session.execute(
        select(ReflectionTask.task_key, Reflection)
        .join(Reflection, Reflection.task_id == ReflectionTask.id)
        .where(Reflection.enrolment_id == enrolment.id, ReflectionTask.unit_id == unit.id))
    return {task_key: reflection for task_key, reflection in rows}


def save_reflection(session: Session, enrolment: Enrolment, unit: Unit, task_key: str,
                    text: Any) -> Reflection:
    """Write or edit the learner's reflection on task ``task_key`` of ``unit``.

    The text is stored trimmed; it must reach the task's ``min_length`` and stay within
    :data:`REFLECTION_MAX_LENGTH` characters, else 422 naming ``text``.  Publishes
    ReflectionSaved when the text is new or changed (saving the same text again publishes
    nothing) and keeps that text as a revision, then any completion events.  404 for an unknown task.
    """
    task = _task(session, enrolment, unit, task_key)
    if not isinstance(text, str):
        raise APIError(422, "Write the reflection as text.",
                       details={"fields": {"text": ["Write the reflection as text."]}})
    text = text.strip()
    if len(text) < task.min_length:
        message = (f"Write at least {task.min_length} characters "
                   f"(now {len(text)}).")
        raise APIError(422, message, details={"fields": {"text": [message]}})
    if len(text) > REFLECTION_MAX_LENGTH:
        message = f"Write at most {REFLECTION_MAX_LENGTH} characters (now {len(text)})."
        raise APIError(422, message, details={"fields": {"text": [message]}})
    now = utcnow()
    lock_enrolment(session, enrolment, now)
    reflection = session.scalar(select(Reflection).where(
        Reflection.enrolment_id == enrolment.id, Reflection.task_id == task.id))
    if reflection is not None and reflection.text == text:
        return reflection
    if reflection is None:
        reflection = Reflection(enrolment_id=enrolment.id, task_id=task.id, text=text,
                                created_at=now, updated_at=now)
        session.add(reflection)
    else:
        reflection.text = text
        reflection.updated_at = now
    session.flush()
    # Every saved text is kept for the learner's own data export, not only the last one.
    session.add(ReflectionRevision(reflection_id=reflection.id, text=text, saved_at=now))
    publish(session, ReflectionSaved(enrolment_id=enrolment.id, at=now,
                                     reflection_id=reflection.id))
    update_completion(session, enrolment, now)
    return reflection


def reflections_of(session: Session, user: User) -> list[Reflection]:
    """Every reflection ``user`` wrote (all their enrolments), in course and unit order.

    When an enrolment was moved to a newer version, its reflections in unchanged units were
    copied to the new enrolment (``services/version_move.py``); each is listed once, as the
    copy.  Reflections in units that changed were not copied and stay listed from the old
    enrolment, so nothing the learner wrote disappears."""
    copy, copy_task = aliased(Reflection), aliased(ReflectionTask)
    copied_onwards = (select(copy.id).join(copy_task, copy_task.id == copy.task_id)
                      .where(copy.enrolment_id == Enrolment.moved_to_id,
                             copy_task.activity_key == ReflectionTask.activity_key)
                      .exists())
    return list(session.scalars(
        select(Reflection).join(Enrolment, Enrolment.id == Reflection.enrolment_id)
        .join(ReflectionTask, ReflectionTask.id == Reflection.task_id)
        .join(Unit, Unit.id == ReflectionTask.unit_id)
        .join(CourseVersion, CourseVersion.id == Unit.version_id)
        .where(Enrolment.user_id == user.id, ~copied_onwards)
        # The task, unit and version come with each reflection from the joins above, so
        # listing them (page, download) loads nothing more per reflection.
        .options(contains_eager(Reflection.task).contains_eager(ReflectionTask.unit)
                 .contains_eager(Unit.version))
        .order_by(CourseVersion.course_id, CourseVersion.number, Unit.position,
                  ReflectionTask.position)))


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def reflections_export(session: Session, user: User, language: str) -> list[dict[str, Any]]:
    """The user's reflections as plain data (for JSON export): course and unit titles and the
    prompt in ``language``, the text, and when it was written and last edited."""
    rows = []
    for reflection in reflections_of(session, user):
        task = reflection.task
        unit = task.unit
        version = unit.version
        rows.append({
            "id": reflection.id, "course": version.course.slug,
            "course_title": text_in(version.title, language), "version": version.number, "unit": unit.unit_key,
            "unit_title": text_in(unit.title, language), "task": task.task_key,
            "prompt": text_in(task.prompt, language), "text": reflection.text,
            "created_at": _iso(reflection.created_at), "updated_at": _iso(reflection.updated_at),
        })
    return rows


EXPORT_HEADINGS = {"fi": "Omat pohdintani", "sv": "Mina reflektioner", "en": "My reflections"}


def reflections_markdown(session: Session, user: User, language: str,
                         heading: str | None = None) -> str:
    """The user's reflections as one Markdown document in ``language`` (a heading per course
    and unit, the prompt quoted, then the learner's text as written), for download and
    keeping.  ``heading`` is the document title (default: "My reflections" in
    ``language``)."""
    lines = [f"# {heading or text_in(EXPORT_HEADINGS, language)}", ""]
    course = unit = None
    for row in reflections_export(session, user, language):
        if (row["course"], row["version"]) != course:
            course = (row["course"], row["version"])
            lines += [f"## {row['course_title']}", ""]
            unit = None
        if row["unit"] != unit:
            unit = row["unit"]
            lines += [f"### {row['unit_title']}", ""]
        lines += ["> " + line for line in row["prompt"].splitlines() or [""]]
        lines += ["", row["text"], "", f"*{row['updated_at']}*", ""]
    return "\n".join(lines).rstrip() + "\n"

