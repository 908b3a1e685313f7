"""Progress and completion rules (see design.md, "Domain").

- A unit is complete when its content was opened, its quiz passed and every reflection task
  written.  Completion is recorded once (``UnitProgress.completed_at``) and never undone.
- Course progress is the share of units complete (0–1).
- The course is complete when every unit is, and **passed when it is complete**: every
  unit's quiz passed at that unit's own pass mark is the one rule (docs/learning.md).  Its
  score is the mean of the best quiz score of every unit (a unit without a submitted attempt
  counts 0); it is reported (HR, xAPI) but decides nothing of its own.  The version's
  ``mastery_score`` is at most the lowest unit pass mark (the validator checks it), so the
  score of a passed course always reaches it and the two can never disagree.
- A learner who used up a quiz's attempts without passing gets a new round
  (:mod:`elearn.services.attempt_rounds`), so no unit and no course is closed for good.

:func:`update_completion` applies these rules after every learner action and publishes
UnitCompleted, CourseProgressed (only when the share changes), CourseCompleted and
CoursePassed, each exactly once (the stored timestamps and share say what was already
published; callers hold the enrolment lock).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, event, func, or_, select
from sqlalchemy.orm import ORMExecuteState, Session

from elearn.events import (CourseCompleted, CoursePassed, CourseProgressed, UnitCompleted,
                           publish)
from elearn.models.courses import ReflectionTask
from elearn.models.learning import Enrolment, QuizAttempt, Reflection, UnitProgress
from elearn.services.attempt_rounds import next_round_at
from elearn.services.course_structure import UnitInfo, structure_of

EPSILON = 1e-9  # float sums of points: 0.1 + 0.2 must still reach a 0.3 pass mark


def reaches(score: float | None, mark: float) -> bool:
    """Whether a scaled score reaches a pass mark or mastery score."""
    return score is not None and score + EPSILON >= mark


@dataclass
class UnitStatus:
    """One unit as the learner stands in it."""

    unit_id: int
    unit_key: str
    position: int
    title: dict[str, Any]
    viewed: bool
    quiz_passed: bool
    best_score: float | None
    attempts_used: int
    attempts_left: int | None  # None = unlimited
    max_attempts: int  # 0 = unlimited
    reflections_done: int
    reflections_total: int
    complete: bool
    completed_at: datetime | None
    pass_mark: float = 0.0
    next_round_at: datetime | None = None  # round used up without a pass: a new one opens

    @property
    def quiz_locked(self) -> bool:
        """No attempts left (only possible with an attempt limit)."""
        return self.attempts_left == 0


@dataclass
class CourseProgress:
    """A learner's standing in one enrolment, for dashboards, the API and reports."""

    enrolment_id: int
    registration: str
    course_slug: str
    version_number: int
    title: dict[str, Any]
    units: list[UnitStatus] = field(default_factory=list)
    progress: float = 0.0  # share of units complete, 0–1
    completed_at: datetime | None = None
    score: float | None = None  # mean best quiz score, 0–1
    mastery_score: float = 0.0
    passed: bool = False
    passed_at: datetime | None = None
    # the last opened unit while unfinished, else the first unfinished unit, else the first
    resume_unit_key: str | None = None
    next_unit_key: str | None = None  # first unit not complete, None when all are

    @property
    def units_complete(self) -> int:
        return sum(1 for unit in self.units if unit.complete)


_STASH = "elearn.unit_statuses"


def _forget_statuses(session: Session, *_args: Any) -> None:
    session.info.pop(_STASH, None)


def _forget_on_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        _forget_statuses(state.session)


# The statuses computed by update_completion are reused by progress_of in the same request
# (a quiz submission needs both), but only while nothing was written since: any flush, ORM
# UPDATE/INSERT/DELETE statement or end of the transaction forgets them.
for _name in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
    event.listen(Session, _name, _forget_statuses)
event.listen(Session, "do_orm_execute", _forget_on_write)


def _unit_statuses(session: Session, enrolment: Enrolment) -> list[UnitStatus]:
    """Every unit's status in ``enrolment`` (see :func:`_unit_statuses_of`)."""
    return _unit_statuses_of(session, [enrolment])[enrolment.id]


# The three reads of the learners' own rows, built once (a request only binds the ids).
_ENROLMENT_IDS = bindparam("ids", expanding=True)
_PROGRESS_ROWS = select(UnitProgress).where(UnitProgress.enrolment_id.in_(_ENROLMENT_IDS))
# attempts of the current round only (attempt_rounds), with the last one's time
_ATTEMPTS_USED = (
    select(QuizAttempt.enrolment_id, QuizAttempt.unit_id, func.count(),
           func.max(QuizAttempt.submitted_at))
    .outerjoin(UnitProgress, and_(UnitProgress.enrolment_id == QuizAttempt.enrolment_id,
                                  UnitProgress.unit_id == QuizAttempt.unit_id))
    .where(QuizAttempt.enrolment_id.in_(_ENROLMENT_IDS), QuizAttempt.submitted_at.is_not(None),
           or_(UnitProgress.round_started_at.is_(None),
               QuizAttempt.submitted_at >= UnitProgress.round_started_at))
    .group_by(QuizAttempt.enrolment_id, QuizAttempt.unit_id))
_REFLECTIONS_DONE = (
    select(Reflection.enrolment_id, ReflectionTask.unit_id, func.count())
    .join(ReflectionTask, ReflectionTask.id == Reflection.task_id)
    .where(Reflection.enrolment_id.in_(_ENROLMENT_IDS))
    .group_by(Reflection.enrolment_id, ReflectionTask.unit_id))


def _unit_statuses_of(session: Session, enrolments: list[Enrolment],
                      rows_out: dict[tuple[int, int], UnitProgress] | None = None
                      ) -> dict[int, list[UnitStatus]]:
    """Every unit's status in each of ``enrolments``, by enrolment id, in three queries
    however many enrolments there are.  The versions' units, attempt limits and
    reflection-task counts come from :func:`elearn.services.course_structure.structure_of`
    (a published version never changes); only the learners' own rows are read."""
    stash = session.info.get(_STASH, {})
    found = {e.id: stash[e.id] for e in enrolments if e.id in stash}
    missing = [e for e in enrolments if e.id not in found]
    if not missing:
        return found
    ids = {"ids": [e.id for e in missing]}
    progress: dict[tuple[int, int], UnitProgress] = {
        (p.enrolment_id, p.unit_id): p for p in session.scalars(_PROGRESS_ROWS, ids)}
    if rows_out is not None:
        rows_out.update(progress)
    used = {(enrolment_id, unit_id): (count, last)
            for enrolment_id, unit_id, count, last in session.execute(_ATTEMPTS_USED, ids)}
    done = {(enrolment_id, unit_id): count
            for enrolment_id, unit_id, count in session.execute(_REFLECTIONS_DONE, ids)}
    for enrolment in missing:
        structure = structure_of(session, enrolment.version)
        found[enrolment.id] = [
            _status(unit, progress.get((enrolment.id, unit.id)),
                    *used.get((enrolment.id, unit.id), (0, None)),
                    done.get((enrolment.id, unit.id), 0))
            for unit in structure.units]
    return found


def _status(unit: UnitInfo, row: UnitProgress | None, attempts_used: int,
            last_attempt_at: datetime | None, written: int) -> UnitStatus:
    """One unit's status from the learner's progress row and counts."""
    left = None if not unit.max_attempts else max(unit.max_attempts - attempts_used, 0)
    viewed = row is not None
    passed = row is not None and row.quiz_passed_at is not None
    complete = row is not None and (row.completed_at is not None
                                    or (viewed and passed and written >= unit.reflections_total))
    return UnitStatus(
        unit_id=unit.id, unit_key=unit.unit_key, position=unit.position, title=unit.title,
        viewed=viewed, quiz_passed=passed, best_score=row.best_score if row else None,
        attempts_used=attempts_used, attempts_left=left, max_attempts=unit.max_attempts,
        reflections_done=written, reflections_total=unit.reflections_total,
        complete=complete, completed_at=row.completed_at if row else None,
        pass_mark=unit.pass_mark,
        next_round_at=next_round_at(unit.max_attempts, attempts_used, passed, last_attempt_at))


def _stash(session: Session, enrolment: Enrolment, statuses: list[UnitStatus]) -> None:
    session.info.setdefault(_STASH, {})[enrolment.id] = statuses


def course_score(statuses: list[UnitStatus]) -> float | None:
    """Mean of the best quiz score of every unit (0 for units never attempted); None before
    the first submitted attempt."""
    if not statuses or all(s.best_score is None for s in statuses):
        return None
    return sum(s.best_score or 0.0 for s in statuses) / len(statuses)


def progress_of(session: Session, enrolment: Enrolment) -> CourseProgress:
    """The learner's progress in ``enrolment``: every unit's status (viewed, quiz passed,
    best score, attempts used/left, reflections done, complete) and the course's share
    complete, completion and pass state, score and the unit to resume.  Reads only."""
    return progress_of_each(session, [enrolment])[0]


def progress_of_each(session: Session, enrolments: list[Enrolment]) -> list[CourseProgress]:
    """:func:`progress_of` for each of ``enrolments``, in order, reading the learners' rows
    of all of them at once (pages listing every course of a learner cost the same number of
    queries however many courses there are)."""
    statuses = _unit_statuses_of(session, enrolments)
    for enrolment in enrolments:
        _stash(session, enrolment, statuses[enrolment.id])
    return [_course_progress(enrolment, statuses[enrolment.id]) for enrolment in enrolments]


def _course_progress(enrolment: Enrolment, statuses: list[UnitStatus]) -> CourseProgress:
    version = enrolment.version
    next_key = next((s.unit_key for s in statuses if not s.complete), None)
    # Continue in the unit last opened while it is unfinished; once it is complete, in the
    # first unit not complete yet (not in the finished one until the next is opened).
    last = next((s for s in statuses if s.unit_id == enrolment.last_unit_id), None) \
        if enrolment.last_unit_id else None
    resume = last.unit_key if last is not None and not last.complete else None
    if resume is None:
        resume = next_key or (last.unit_key if last is not None else None)
    if resume is None and statuses:
        resume = statuses[0].unit_key
    share = (sum(1 for s in statuses if s.complete) / len(statuses)) if statuses else 0.0
    return CourseProgress(
        enrolment_id=enrolment.id, registration=enrolment.registration,
        course_slug=version.course.slug, version_number=version.number, title=version.title,
        units=statuses, progress=share, completed_at=enrolment.completed_at,
        score=course_score(statuses), mastery_score=version.mastery_score,
        passed=enrolment.passed_at is not None, passed_at=enrolment.passed_at,
        resume_unit_key=resume, next_unit_key=next_key)


def update_completion(session: Session, enrolment: Enrolment, now: datetime) -> None:
    """Apply the completion rules after an action and publish what newly happened: the
    UnitCompleted of each unit that became complete, CourseProgressed when the share changed,
    then CourseCompleted and CoursePassed.  Stores the course score on the enrolment.  The
    caller holds the enrolment lock (:func:`elearn.services.enrolment_lock.lock_enrolment`)."""
    session.flush()
    _forget_statuses(session)
    read: dict[tuple[int, int], UnitProgress] = {}
    statuses = _unit_statuses_of(session, [enrolment], read)[enrolment.id]
    rows = {unit_id: row for (_, unit_id), row in read.items()}
    for status in statuses:
        row = rows.get(status.unit_id)
        if status.complete and row is not None and row.completed_at is None:
            row.completed_at = now
            status.completed_at = now
            session.flush()
            publish(session, UnitCompleted(enrolment_id=enrolment.id, at=now,
                                           unit_id=status.unit_id))
    share = (sum(1 for s in statuses if s.complete) / len(statuses)) if statuses else 0.0
    enrolment.score = course_score(statuses)
    if abs(share - (enrolment.progress or 0.0)) > EPSILON:
        enrolment.progress = share
        session.flush()
        publish(session, CourseProgressed(enrolment_id=enrolment.id, at=now, progress=share))
    if statuses and share >= 1.0 - EPSILON and enrolment.completed_at is None:
        enrolment.completed_at = now
        session.flush()
        publish(session, CourseCompleted(enrolment_id=enrolment.id, at=now))
    if enrolment.completed_at is not None and enrolment.passed_at is None:
        enrolment.passed_at = now
        session.flush()
        publish(session, CoursePassed(enrolment_id=enrolment.id, at=now))
    session.flush()
    _stash(session, enrolment, statuses)
