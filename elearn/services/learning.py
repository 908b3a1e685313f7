"""The learner's side of the course: catalogue, enrolment, units, quiz attempts, reflections
and progress.  This module is the one entry point pages and the JSON API use; the rules live
in small sibling modules (``quiz``, ``reflections``, ``progress``, ``scoring``) and are
re-exported here.

Rules shared by every function:

- Services only ``flush``; the caller (the request) commits once, so a learner's action and
  the events it publishes (the xAPI outbox rows) are stored together or not at all.
- Events from :mod:`elearn.events` are published with :func:`elearn.events.publish` in the
  caller's session, each exactly once (Enrolled, UnitOpened on first open, AttemptSubmitted,
  ReflectionSaved, UnitCompleted, CourseProgressed when the share changes, CourseCompleted,
  CoursePassed).
- Writers of one enrolment are serialised (:mod:`elearn.services.enrolment_lock`).
- Broken rules raise :class:`elearn.errors.APIError` (404 unknown course/unit, 409 state
  conflicts with a stable ``code``, 422 with ``details.fields``); pages may catch it and show
  ``exc.description`` / ``exc.details["fields"]`` next to the named fields.
- A learner stays on the course version pinned at enrolment until they complete it; a new
  enrolment on the newest version is only made after that (:func:`newer_version_for` says
  when one can be started), or when an operator moves unfinished enrolments
  (:mod:`elearn.services.version_move`).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, contains_eager, defer
from sqlalchemy.orm.attributes import set_committed_value

from elearn.db import utcnow
from elearn.errors import APIError
from elearn.events import Enrolled, UnitOpened, publish
from elearn.models.accounts import User
from elearn.models.courses import Course, CourseVersion, Unit
from elearn.models.learning import Enrolment, UnitProgress
from elearn.services.enrolment_lock import lock_enrolment
from elearn.services.i18n_text import LANGUAGES, pick_language, text_in
from elearn.services.progress import (CourseProgress, UnitStatus, progress_of,
                                      progress_of_each, update_completion)
from elearn.services.quiz import (AttemptFeedback, QuestionFeedback, QuizLocked, QuizStatus,
                                  attempt_feedback, attempt_of_user, attempt_questions,
                                  attempts_of, current_attempt, present_question, quiz_status,
                                  submit_attempt)
from elearn.services.reflections import (REFLECTION_MAX_LENGTH, reflection_for,
                                         reflections_export, reflections_in_unit,
                                         reflections_markdown, reflections_of,
                                         save_reflection)

__all__ = [
    # catalogue and enrolment
    "latest_versions", "latest_version", "enrol", "enrolment_for", "require_enrolment",
    "enrolments_of", "current_enrolments", "catalogue_of", "version_for",
    "newer_version_for",
    # units
    "unit_of", "open_unit", "record_visits", "ACTIVITY_RESOLUTION",
    # quiz
    "QuizLocked", "QuizStatus", "AttemptFeedback", "QuestionFeedback", "current_attempt",
    "attempt_questions", "present_question", "submit_attempt", "attempts_of",
    "attempt_of_user", "attempt_feedback", "quiz_status",
    # reflections
    "REFLECTION_MAX_LENGTH", "save_reflection", "reflection_for", "reflections_of",
    "reflections_in_unit", "reflections_export", "reflections_markdown",
    # progress
    "CourseProgress", "UnitStatus", "progress_of", "progress_of_each", "update_completion",
    # language maps
    "LANGUAGES", "pick_language", "text_in",
]


# --- catalogue -------------------------------------------------------------------------

def latest_versions(session: Session) -> list[CourseVersion]:
    """The catalogue: the newest published version of every course, ordered by course slug,
    each with its course (loaded by the same query)."""
    newest = (select(CourseVersion.course_id, func.max(CourseVersion.number).label("number"))
              .group_by(CourseVersion.course_id).subquery())
    return list(session.scalars(
        select(CourseVersion)
        .join(newest, (CourseVersion.course_id == newest.c.course_id)
              & (CourseVersion.number == newest.c.number))
        .join(Course, Course.id == CourseVersion.course_id)
        .options(contains_eager(CourseVersion.course))
        .order_by(Course.slug)))


def latest_version(session: Session, course_slug: str) -> CourseVersion:
    """The newest version of the course ``course_slug``; 404 when there is no such course."""
    version = session.scalar(
        select(CourseVersion).join(Course).where(Course.slug == course_slug)
        .order_by(CourseVersion.number.desc()).limit(1))
    if version is None:
        raise APIError(404, f"No course {course_slug!r}.", code="course_not_found")
    return version


def version_for(session: Session, user: User, course_slug: str) -> CourseVersion:
    """The version ``user`` sees of a course: the pinned one of their current enrolment,
    otherwise the newest.  404 when there is no such course."""
    enrolment = enrolment_for(session, user, course_slug)
    if enrolment is not None:
        return enrolment.version
    return latest_version(session, course_slug)


# --- enrolment -------------------------------------------------------------------------

# The user's enrolments (moved ones left out) with their version and course loaded by the
# same query: every page that lists or shows an enrolment names its course.  Built once;
# a request binds the user (and the slug) only.
_ENROLMENTS_WITH_COURSE = (
    select(Enrolment).join(CourseVersion, CourseVersion.id == Enrolment.version_id)
    .join(Course, Course.id == CourseVersion.course_id)
    .options(contains_eager(Enrolment.version).contains_eager(CourseVersion.course))
    .where(Enrolment.user_id == bindparam("user_id"), Enrolment.moved_to_id.is_(None)))
_ENROLMENTS_NEWEST_FIRST = _ENROLMENTS_WITH_COURSE.order_by(Enrolment.enrolled_at.desc(),
                                                            Enrolment.id.desc())
_ENROLMENTS_IN_COURSE = _ENROLMENTS_WITH_COURSE.where(Course.slug == bindparam("slug"))


def enrolments_of(session: Session, user: User) -> list[Enrolment]:
    """Every enrolment of ``user``, newest first (finished ones included).  Enrolments an
    operator moved to another version are left out: the learner's records continue in the
    enrolment they were moved to."""
    return list(session.scalars(_ENROLMENTS_NEWEST_FIRST, {"user_id": user.id}))


def _current_of(enrolments: list[Enrolment]) -> Enrolment | None:
    """The current one of a learner's enrolments in one course: the unfinished one (at most
    one exists) if any, otherwise the most recently finished one (highest version, then
    newest)."""
    ranked = sorted(enrolments, key=lambda e: (e.version.number, e.id), reverse=True)
    return next((e for e in ranked if e.completed_at is None), ranked[0] if ranked else None)


def enrolment_for(session: Session, user: User, course_slug: str) -> Enrolment | None:
    """The learner's current enrolment in a course (see :func:`_current_of`); None when
    never enrolled.  Moved enrolments never count (the enrolment they were moved to does).
    The version and course come with it (every page of the course shows them), in the same
    query."""
    return _current_of(list(session.scalars(
        _ENROLMENTS_IN_COURSE, {"user_id": user.id, "slug": course_slug})))


def current_enrolments(session: Session, user: User) -> list[Enrolment]:
    """The learner's current enrolment (as :func:`enrolment_for`) in every course they are
    enrolled in, in one query: the courses ordered by their newest enrolment first."""
    by_course: dict[int, list[Enrolment]] = {}
    for enrolment in enrolments_of(session, user):
        by_course.setdefault(enrolment.version.course_id, []).append(enrolment)
    return [current for current in map(_current_of, by_course.values()) if current is not None]


def catalogue_of(session: Session,
                 user: User) -> list[tuple[CourseVersion, Enrolment | None]]:
    """The catalogue (:func:`latest_versions`) with ``user``'s current enrolment in each
    course (None where not enrolled), in two queries however many courses there are."""
    current = {e.version.course_id: e for e in current_enrolments(session, user)}
    return [(newest, current.get(newest.course_id)) for newest in latest_versions(session)]


def newer_version_for(session: Session, enrolment: Enrolment,
                      newest: CourseVersion | None = None) -> CourseVersion | None:
    """The newest version of the enrolment's course when the learner has completed their
    enrolment and a newer version was published since, i.e. when :func:`enrol` would start
    a new enrolment; otherwise None (unfinished enrolments stay on their version).  Pages
    that list the catalogue pass the course's ``newest`` version they already read."""
    if enrolment.completed_at is None:
        return None
    if newest is None:
        newest = latest_version(session, enrolment.version.course.slug)
    return newest if newest.number > enrolment.version.number else None


def require_enrolment(session: Session, user: User, course_slug: str) -> Enrolment:
    """Like :func:`enrolment_for` but raises: 404 ``course_not_found`` for an unknown course,
    409 ``not_enrolled`` when the learner has not enrolled yet."""
    enrolment = enrolment_for(session, user, course_slug)
    if enrolment is None:
        latest_version(session, course_slug)  # 404 when the course does not exist
        raise APIError(409, "Enrol in the course first.", code="not_enrolled")
    return enrolment


def enrol(session: Session, user: User, course_slug: str) -> Enrolment:
    """Enrol ``user`` in the course (idempotent) and return the enrolment.

    An unfinished enrolment is returned as it is (the learner stays on its pinned version).
    Otherwise, unless the learner already finished the newest version, a new enrolment pinned
    to the newest version is created and ``Enrolled`` is published, once.  Simultaneous calls
    of one learner are serialised, so they end with one enrolment.
    404 ``course_not_found`` for an unknown course.
    """
    current = enrolment_for(session, user, course_slug)
    newest = latest_version(session, course_slug)
    if current is not None and (current.completed_at is None or current.version_id == newest.id):
        return current
    # Serialise enrolments of this learner (row lock on PostgreSQL, write lock on SQLite),
    # then look again: a simultaneous request may have enrolled meanwhile.
    session.flush()
    session.execute(update(User).where(User.id == user.id).values(id=User.id)
                    .execution_options(synchronize_session=False))
    session.expire_all()
    current = enrolment_for(session, user, course_slug)
    if current is not None and (current.completed_at is None or current.version_id == newest.id):
        return current
    now = utcnow()
    enrolment = Enrolment(user_id=user.id, version_id=newest.id, enrolled_at=now,
                          last_activity_at=now)
    session.add(enrolment)
    session.flush()
    publish(session, Enrolled(enrolment_id=enrolment.id, at=now))
    return enrolment


# --- units -----------------------------------------------------------------------------

# The unit without its content columns (sanitised HTML and objectives in three languages):
# the unit page renders them once per process (elearn.web.learner.fragments), and other
# callers rarely need them; they are read when first used.
_UNIT_BY_KEY = (select(Unit).options(defer(Unit.content_html), defer(Unit.objectives))
                .where(Unit.version_id == bindparam("version_id"),
                       Unit.unit_key == bindparam("key")))


def unit_of(session: Session, enrolment: Enrolment, unit_key: str) -> Unit:
    """The unit ``unit_key`` of the enrolment's pinned version; 404 ``unit_not_found``."""
    unit = session.scalar(_UNIT_BY_KEY, {"version_id": enrolment.version_id, "key": unit_key})
    if unit is None:
        raise APIError(404, f"No unit {unit_key!r} in this course.", code="unit_not_found")
    return unit


# A re-view of the unit the learner already had open writes nothing when their last activity
# is more recent than this: "continue where you left off" already points at the unit, and
# ``last_activity_at`` is kept to within this precision.  Skipping the write keeps a plain page
# view from taking the enrolment lock (on SQLite the database's write lock) at all.
ACTIVITY_RESOLUTION = timedelta(minutes=5)
_PENDING_VISITS = "elearn.pending_unit_visits"


def open_unit(session: Session, enrolment: Enrolment, unit_key: str, *,
              record_later: bool = False) -> Unit:
    """The learner opens a unit's content: returns the unit (404 ``unit_not_found``).

    On the first open a UnitProgress row is created ("content viewed") and ``UnitOpened`` is
    published; an open of another unit than the last one records the unit and time on the
    enrolment (``last_unit_id``, ``last_activity_at``) for "continue where you left off".
    A re-view of the last opened unit within :data:`ACTIVITY_RESOLUTION` of the last activity
    changes nothing and writes nothing (no enrolment lock is taken); a later re-view refreshes
    ``last_activity_at``.  A first open can complete a unit whose quiz and reflections were
    already done, so completion events may follow.

    With ``record_later`` the open of an already viewed unit is only noted: the enrolment
    object shows the new ``last_unit_id`` at once, and :func:`record_visits` writes it.  A
    page calls that after rendering, so on SQLite the database write lock is held for one
    UPDATE and the commit instead of the whole page.
    """
    unit = unit_of(session, enrolment, unit_key)
    now = utcnow()
    progress = session.scalar(select(UnitProgress.id).where(
        UnitProgress.enrolment_id == enrolment.id, UnitProgress.unit_id == unit.id))
    if progress is not None:
        if enrolment.last_unit_id == unit.id and _recent(enrolment.last_activity_at, now):
            return unit
        if record_later:
            set_committed_value(enrolment, "last_unit_id", unit.id)
            set_committed_value(enrolment, "last_activity_at", now)
            session.info.setdefault(_PENDING_VISITS, {})[enrolment.id] = unit.id
            return unit
    lock_enrolment(session, enrolment, now)
    enrolment.last_unit_id = unit.id
    progress = session.scalar(select(UnitProgress.id).where(
        UnitProgress.enrolment_id == enrolment.id, UnitProgress.unit_id == unit.id))
    if progress is None:
        session.add(UnitProgress(enrolment_id=enrolment.id, unit_id=unit.id,
                                 first_viewed_at=now))
        session.flush()
        publish(session, UnitOpened(enrolment_id=enrolment.id, at=now, unit_id=unit.id))
        update_completion(session, enrolment, now)
    session.flush()
    return unit


def record_visits(session: Session) -> None:
    """Write the unit opens :func:`open_unit` noted with ``record_later``: one UPDATE per
    enrolment setting ``last_unit_id`` and ``last_activity_at``.  It reads nothing and
    changes no learning record, so it needs no enrolment lock; the row's own lock orders it
    with any concurrent writer of the enrolment."""
    for enrolment_id, unit_id in session.info.pop(_PENDING_VISITS, {}).items():
        session.execute(update(Enrolment).where(Enrolment.id == enrolment_id)
                        .values(last_unit_id=unit_id, last_activity_at=utcnow())
                        .execution_options(synchronize_session=False))


def _recent(at: datetime | None, now: datetime) -> bool:
    if at is None:
        return False
    if at.tzinfo is None and now.tzinfo is not None:  # SQLite returns naive UTC times
        at = at.replace(tzinfo=now.tzinfo)
    return now - at < ACTIVITY_RESOLUTION
