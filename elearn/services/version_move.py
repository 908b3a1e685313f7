"""Moving learners' unfinished enrolments to another (newer) course version.

Enrolments are pinned to one version (see :mod:`elearn.services.learning`); an operator may
move them with ``elearn courses move-learners``, for example after a correction the learners
should not miss.  A move never rewrites history:

- The learner gets a **new enrolment** (a new xAPI registration) on the target version and
  ``Enrolled`` is published for it, then ``UnitOpened`` per carried-over viewed unit and
  ``ReflectionSaved`` per copied reflection (the copies are dated at the move), so live
  capture and an xAPI backfill of the new registration agree.  The old enrolment keeps its rows and statements and is
  only marked (``moved_to_id``, ``moved_at``), so learner pages, the API and HR reports show
  the new one.
- Progress is carried over for **unchanged units** only: same unit ``activity_key``, same
  ``content_hash`` (the unit's whole content: text, quiz settings, questions, reflection
  tasks) and the same set of question activity keys.  For those, "content viewed", "quiz
  passed" with the best score, and the learner's own reflections (tasks matched by
  ``activity_key``) are copied.  Quiz attempts are not copied: the learner gets the target
  unit's full attempt allowance.  Changed and new units start fresh.
- Completion is then recomputed with :func:`elearn.services.progress.update_completion`, so
  ``UnitCompleted``, ``CourseProgressed``, ``CourseCompleted`` and ``CoursePassed`` follow for
  the new registration exactly as if the learner had done the carried work there.
- Completed enrolments are never moved, nor enrolments already on the target version or a
  newer one, nor learners who already have an enrolment on the target version.

Like every service this only flushes: the caller runs the whole move in one transaction.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.db import utcnow
from elearn.events import Enrolled, ReflectionSaved, UnitOpened, publish
from elearn.models.accounts import User
from elearn.models.courses import Course, CourseVersion, Unit
from elearn.models.learning import Enrolment, Reflection, ReflectionRevision, UnitProgress
from elearn.services.enrolment_lock import lock_enrolment
from elearn.services.progress import update_completion


class MoveError(ValueError):
    """The move cannot be done as asked (unknown course, version or user); nothing changed."""


@dataclass
class LearnerMove:
    """What a move does (or would do, in a dry run) for one learner."""

    username: str
    from_version: int
    to_version: int
    old_enrolment_id: int
    carried_units: list[str] = field(default_factory=list)  # unit keys in the target version
    fresh_units: list[str] = field(default_factory=list)
    reflections_copied: int = 0
    new_enrolment_id: int | None = None  # None in a dry run
    progress: float = 0.0  # share complete on the target version after the move
    completed: bool = False

    def summary(self) -> str:
        """One line for the operator."""
        text = (f"{self.username}: version {self.from_version} -> {self.to_version}, "
                f"{len(self.carried_units)} unit(s) carried over"
                + (f" ({', '.join(self.carried_units)})" if self.carried_units else "")
                + f", {len(self.fresh_units)} start fresh, "
                f"{self.reflections_copied} reflection(s) copied")
        if self.new_enrolment_id is not None:
            text += f", progress {round(self.progress * 100)} %"
            if self.completed:
                text += ", course completed"
        return text


@dataclass
class MoveResult:
    course_slug: str
    target_version: int
    dry_run: bool
    moved: list[LearnerMove] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "username: reason"


def _question_keys(unit: Unit) -> frozenset[str]:
    return frozenset(question.activity_key for question in unit.questions)


def unchanged_units(source: CourseVersion, target: CourseVersion) -> dict[int, Unit]:
    """Units of ``target`` that are unchanged from a unit of ``source``, keyed by the source
    unit's id: same activity key, same content hash and same question activity keys."""
    by_activity = {unit.activity_key: unit for unit in target.units}
    pairs: dict[int, Unit] = {}
    for unit in source.units:
        match = by_activity.get(unit.activity_key)
        if (match is not None and match.content_hash == unit.content_hash
                and _question_keys(match) == _question_keys(unit)):
            pairs[unit.id] = match
    return pairs


def _target_version(session: Session, slug: str, number: int | None) -> CourseVersion:
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise MoveError(f"no course {slug!r}")
    query = select(CourseVersion).where(CourseVersion.course_id == course.id)
    if number is None:
        version = session.scalar(query.order_by(CourseVersion.number.desc()).limit(1))
    else:
        version = session.scalar(query.where(CourseVersion.number == number))
    if version is None:
        raise MoveError(f"course {slug!r} has no version {number}" if number is not None
                        else f"course {slug!r} has no published version")
    return version


def _candidates(session: Session, target: CourseVersion,
                usernames: Sequence[str] | None) -> tuple[list[Enrolment], list[str]]:
    """Unfinished, unmoved enrolments on versions older than ``target``; plus the reasons
    named users are left alone."""
    query = (select(Enrolment).join(CourseVersion, CourseVersion.id == Enrolment.version_id)
             .join(User, User.id == Enrolment.user_id)
             .where(CourseVersion.course_id == target.course_id,
                    CourseVersion.number < target.number,
                    Enrolment.completed_at.is_(None), Enrolment.moved_to_id.is_(None))
             .order_by(User.username, Enrolment.id))
    skipped: list[str] = []
    if usernames:
        known = set(session.scalars(select(User.username).where(User.username.in_(usernames))))
        unknown = sorted(set(usernames) - known)
        if unknown:
            raise MoveError("no user " + ", ".join(repr(name) for name in unknown))
        query = query.where(User.username.in_(usernames))
    enrolments = list(session.scalars(query))
    on_target = set(session.scalars(select(Enrolment.user_id)
                                    .where(Enrolment.version_id == target.id)))
    movable = []
    for enrolment in enrolments:
        if enrolment.user_id in on_target:
            skipped.append(f"{enrolment.user.username}: already enrolled on version "
                           f"{target.number}")
        else:
            movable.append(enrolment)
    if usernames:
        named = {enrolment.user.username for enrolment in enrolments}
        skipped += [f"{name}: no unfinished enrolment on an older version"
                    for name in sorted(set(usernames) - named)]
    return movable, skipped


def _copied_reflections(session: Session, enrolment: Enrolment,
                        pairs: dict[int, Unit]) -> list[tuple[Reflection, int]]:
    """The learner's reflections in unchanged units, each with the id of the target task
    that has the same activity key."""
    copies = []
    for reflection in session.scalars(select(Reflection)
                                      .where(Reflection.enrolment_id == enrolment.id)).all():
        unit = pairs.get(reflection.task.unit_id)
        task = next((t for t in unit.reflection_tasks
                     if t.activity_key == reflection.task.activity_key), None) if unit else None
        if task is not None:
            copies.append((reflection, task.id))
    return copies


def _plan(session: Session, enrolment: Enrolment, target: CourseVersion) -> LearnerMove:
    pairs = unchanged_units(enrolment.version, target)
    viewed = set(session.scalars(select(UnitProgress.unit_id)
                                 .where(UnitProgress.enrolment_id == enrolment.id)))
    copies = _copied_reflections(session, enrolment, pairs)
    carried = ({pairs[unit_id].id for unit_id in viewed if unit_id in pairs}
               | {pairs[reflection.task.unit_id].id for reflection, _task in copies})
    plan = LearnerMove(username=enrolment.user.username,
                       from_version=enrolment.version.number, to_version=target.number,
                       old_enrolment_id=enrolment.id, reflections_copied=len(copies))
    for unit in target.units:
        (plan.carried_units if unit.id in carried else plan.fresh_units).append(unit.unit_key)
    return plan


def _apply(session: Session, enrolment: Enrolment, target: CourseVersion, plan: LearnerMove,
           now: datetime) -> None:
    pairs = unchanged_units(enrolment.version, target)
    new = Enrolment(user_id=enrolment.user_id, version_id=target.id, enrolled_at=now,
                    last_activity_at=now)
    session.add(new)
    session.flush()
    publish(session, Enrolled(enrolment_id=new.id, at=now))
    # Copies are dated now: the new registration got them at the move (the originals and
    # their times stay on the old enrolment).  Their events give the new registration the
    # same statements an xAPI backfill would rebuild from these rows.
    rows = session.scalars(select(UnitProgress)
                           .where(UnitProgress.enrolment_id == enrolment.id)).all()
    for row in sorted(rows, key=lambda r: pairs[r.unit_id].position if r.unit_id in pairs else 0):
        unit = pairs.get(row.unit_id)
        if unit is not None:
            session.add(UnitProgress(enrolment_id=new.id, unit_id=unit.id, first_viewed_at=now,
                                     quiz_passed_at=row.quiz_passed_at,
                                     best_score=row.best_score))
            session.flush()
            publish(session, UnitOpened(enrolment_id=new.id, at=now, unit_id=unit.id))
    for reflection, task_id in _copied_reflections(session, enrolment, pairs):
        copy = Reflection(enrolment_id=new.id, task_id=task_id, text=reflection.text,
                          created_at=reflection.created_at, updated_at=now)
        session.add(copy)
        session.flush()
        # The copy carries the texts saved before the move, so the learner's export (which
        # lists the copy, not the original) still shows every one.
        session.add_all(ReflectionRevision(reflection_id=copy.id, text=revision.text,
                                           saved_at=revision.saved_at)
                        for revision in reflection.revisions)
        publish(session, ReflectionSaved(enrolment_id=new.id, at=now, reflection_id=copy.id))
    # "Continue where you left off": the same unit in the target version, if it still exists
    last = session.get(Unit, enrolment.last_unit_id) if enrolment.last_unit_id else None
    new.last_unit_id = next((u.id for u in target.units
                             if last is not None and u.activity_key == last.activity_key), None)
    enrolment.moved_to_id = new.id
    enrolment.moved_at = now
    session.flush()
    lock_enrolment(session, new, now)
    update_completion(session, new, now)
    plan.new_enrolment_id = new.id
    plan.progress = new.progress
    plan.completed = new.completed_at is not None


def move_learners(session: Session, course_slug: str, *, to_version: int | None = None,
                  usernames: Sequence[str] | None = None, dry_run: bool = False) -> MoveResult:
    """Move the unfinished enrolments of ``course_slug`` (only those of ``usernames`` when
    given) to version ``to_version`` (default: the newest), following the rules in the module
    docstring.  With ``dry_run`` nothing is written; the result says what would happen.
    Raises :class:`MoveError` for an unknown course, version or username."""
    target = _target_version(session, course_slug, to_version)
    enrolments, skipped = _candidates(session, target, usernames)
    result = MoveResult(course_slug=course_slug, target_version=target.number,
                        dry_run=dry_run, skipped=skipped)
    now = utcnow()
    for enrolment in enrolments:
        if not dry_run:
            # Serialise with the learner's own requests, then look again: they may have
            # completed the course meanwhile.
            enrolment_id = enrolment.id
            lock_enrolment(session, enrolment, now)
            enrolment = session.get(Enrolment, enrolment_id)
            if enrolment.completed_at is not None or enrolment.moved_to_id is not None:
                result.skipped.append(f"{enrolment.user.username}: completed meanwhile")
                continue
        plan = _plan(session, enrolment, target)
        if not dry_run:
            _apply(session, enrolment, target, plan, now)
        result.moved.append(plan)
    return result


__all__ = ["LearnerMove", "MoveError", "MoveResult", "move_learners", "unchanged_units"]
