"""The fixed structure of a published course version, read once per process.

A published version never changes (a new import publishes a new version), so the parts
every learner request needs — its units in order with their keys, titles, attempt limits,
activity keys, the number of questions of each and their reflection tasks — are read from the
database once and kept in memory.  Progress, the unit page and the xAPI statements use this
instead of loading the units (with their large content columns) on every request.

The cache key is the version's id together with its ``published_at`` and ``content_hash``:
ids can be reused when a database is emptied and filled again (tests, a re-created
database), and a reused id then never finds the structure of the version that had it before.
The cache is bounded; it is cleared whole when it grows past :data:`MAX_VERSIONS`, which a
real deployment (a handful of courses and versions) never reaches.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearn.models.courses import CourseVersion, Question, ReflectionTask, Unit

MAX_VERSIONS = 256


@dataclass(frozen=True)
class TaskInfo:
    """One reflection task of a published unit."""

    id: int
    task_key: str
    activity_key: str
    position: int
    prompt: dict[str, Any]  # shared by every request: read it, never change it
    min_length: int


@dataclass(frozen=True)
class UnitInfo:
    """One unit of a published version: what never changes about it."""

    id: int
    unit_key: str
    position: int
    title: dict[str, Any]  # shared by every request: read it, never change it
    activity_key: str
    quiz_activity_key: str
    max_attempts: int  # 0 = unlimited
    pass_mark: float
    questions_total: int
    reflections_total: int
    estimated_minutes: int
    reflection_tasks: tuple[TaskInfo, ...] = ()


@dataclass(frozen=True)
class VersionStructure:
    """The units of one published version in course order."""

    version_id: int
    units: tuple[UnitInfo, ...]

    def unit(self, unit_id: int) -> UnitInfo | None:
        return self._by_id.get(unit_id)

    def by_key(self, unit_key: str) -> UnitInfo | None:
        return self._by_key.get(unit_key)

    @property
    def estimated_minutes(self) -> int:
        """The course's estimated study time: the sum of its units' estimates."""
        return sum(unit.estimated_minutes for unit in self.units)

    def neighbours(self, unit_id: int) -> tuple[UnitInfo | None, UnitInfo | None]:
        """The units before and after unit ``unit_id`` (None at either end)."""
        index = next(i for i, u in enumerate(self.units) if u.id == unit_id)
        return (self.units[index - 1] if index > 0 else None,
                self.units[index + 1] if index + 1 < len(self.units) else None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {u.id: u for u in self.units})
        object.__setattr__(self, "_by_key", {u.unit_key: u for u in self.units})


_cache: dict[tuple[int, datetime, str], VersionStructure] = {}
_lock = threading.Lock()


def _read(session: Session, version_id: int) -> VersionStructure:
    questions = dict(session.execute(
        select(Question.unit_id, func.count()).join(Unit, Unit.id == Question.unit_id)
        .where(Unit.version_id == version_id).group_by(Question.unit_id)).all())
    tasks: dict[int, list[TaskInfo]] = {}
    for task in session.execute(
            select(ReflectionTask.id, ReflectionTask.unit_id, ReflectionTask.task_key,
                   ReflectionTask.activity_key, ReflectionTask.position, ReflectionTask.prompt,
                   ReflectionTask.min_length)
            .join(Unit, Unit.id == ReflectionTask.unit_id)
            .where(Unit.version_id == version_id).order_by(ReflectionTask.position)):
        tasks.setdefault(task.unit_id, []).append(TaskInfo(
            id=task.id, task_key=task.task_key, activity_key=task.activity_key,
            position=task.position, prompt=task.prompt, min_length=task.min_length or 0))
    rows = session.execute(
        select(Unit.id, Unit.unit_key, Unit.position, Unit.title, Unit.activity_key,
               Unit.quiz_activity_key, Unit.max_attempts, Unit.pass_mark,
               Unit.estimated_minutes)
        .where(Unit.version_id == version_id).order_by(Unit.position)).all()
    return VersionStructure(version_id, tuple(
        UnitInfo(id=row.id, unit_key=row.unit_key, position=row.position,
                 title=row.title, activity_key=row.activity_key,
                 quiz_activity_key=row.quiz_activity_key, max_attempts=row.max_attempts or 0,
                 pass_mark=row.pass_mark, questions_total=questions.get(row.id, 0),
                 reflections_total=len(tasks.get(row.id, ())),
                 estimated_minutes=row.estimated_minutes or 0,
                 reflection_tasks=tuple(tasks.get(row.id, ())))
        for row in rows))


def structure_of(session: Session, version: CourseVersion) -> VersionStructure:
    """The structure of the published ``version``, from memory after the first call."""
    key = (version.id, version.published_at, version.content_hash)
    found = _cache.get(key)
    if found is not None:
        return found
    structure = _read(session, version.id)
    with _lock:
        if len(_cache) >= MAX_VERSIONS:
            _cache.clear()
        _cache[key] = structure
    return structure


def clear() -> None:
    """Forget every cached structure (for tests that rewrite a version's rows in place)."""
    with _lock:
        _cache.clear()
