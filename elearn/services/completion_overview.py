"""The figures HR reports upward: per course and organisation unit, how many learners are
enrolled, not started, in progress, completed and passed, and the completion rate.

Like the completion report (:mod:`elearn.services.reports`) this only *reads* what the
learning service stored, with the report's own definitions, so the overview and the report's
status filter always agree: an enrolment moved to a newer version counts once, in the one it
was moved to; *in progress* is "not completed and some unit opened" (a ``UnitProgress`` row
exists); *completed* and *passed* are the enrolment's ``completed_at`` and ``passed_at``.

One grouped query gives every (version, organisation unit) cell, whatever the number of
enrolments; totals per course and per organisation unit are added up from the cells, so no
figure on the page can disagree with another.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from elearn.models import Course, CourseVersion, Enrolment, UnitProgress, User


@dataclass(frozen=True)
class Figures:
    """Enrolments in one group, each counted in exactly one of not started / in progress /
    completed; *passed* counts those that reached the course's pass mark (``passed_at``, the
    report's "passed" status)."""

    enrolled: int = 0
    in_progress: int = 0
    completed: int = 0
    passed: int = 0

    @property
    def not_started(self) -> int:
        return self.enrolled - self.in_progress - self.completed

    @property
    def completion_rate(self) -> float | None:
        """Completed ÷ enrolled (0–1); None for an empty group."""
        return self.completed / self.enrolled if self.enrolled else None

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.enrolled + other.enrolled, self.in_progress + other.in_progress,
                       self.completed + other.completed, self.passed + other.passed)


@dataclass(frozen=True)
class CourseFigures:
    slug: str
    title: dict[str, str]  # of the newest version
    figures: Figures


@dataclass(frozen=True)
class UnitFigures:
    organisation_unit: str  # "" for learners without one
    figures: Figures


@dataclass(frozen=True)
class Overview:
    courses: list[CourseFigures]   # every course with a published version, by slug
    units: list[UnitFigures]       # organisation units under the chosen course (or all)
    total: Figures                 # the chosen course (or all courses)
    course: str | None             # the chosen course's slug, None for all


def _cells(session: Session) -> list[tuple[str, str, Figures]]:
    """(course slug, organisation unit, figures) for every group that has enrolments.

    Grouped by version (a column of the enrolment itself) and mapped to courses afterwards
    from the few version rows, so the 100,000-row scan joins only the learners."""
    started = exists().where(UnitProgress.enrolment_id == Enrolment.id)
    done = Enrolment.completed_at.is_not(None)
    query = (select(Enrolment.version_id, User.organisation_unit, func.count(Enrolment.id),
                    func.sum(case((and_(~done, started), 1), else_=0)),
                    func.sum(case((done, 1), else_=0)),
                    func.sum(case((Enrolment.passed_at.is_not(None), 1), else_=0)))
             .join(User, User.id == Enrolment.user_id)
             .where(Enrolment.moved_to_id.is_(None))
             .group_by(Enrolment.version_id, User.organisation_unit))
    slugs = dict(session.execute(select(CourseVersion.id, Course.slug)
                                 .join(Course, Course.id == CourseVersion.course_id)).all())
    cells: dict[tuple[str, str], Figures] = {}
    for version_id, unit, n, going, done_, ok in session.execute(query):
        key = (slugs[version_id], unit or "")
        cells[key] = cells.get(key, Figures()) + Figures(int(n), int(going or 0),
                                                         int(done_ or 0), int(ok or 0))
    return [(slug, unit, figures) for (slug, unit), figures in cells.items()]


def course_titles(session: Session) -> dict[str, dict[str, str]]:
    """Each course's title (language map) from its newest version, by slug, in slug order."""
    newest = (select(CourseVersion.course_id, func.max(CourseVersion.number).label("number"))
              .group_by(CourseVersion.course_id).subquery())
    rows = session.execute(
        select(Course.slug, CourseVersion.title)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .join(newest, and_(newest.c.course_id == CourseVersion.course_id,
                           newest.c.number == CourseVersion.number))
        .order_by(Course.slug))
    return {slug: dict(title or {}) for slug, title in rows}


def _sum(figures: Iterable[Figures]) -> Figures:
    total = Figures()
    for item in figures:
        total = total + item
    return total


def completion_overview(session: Session, course: str | None = None) -> Overview:
    """Figures per course, and per organisation unit under ``course`` (every course when
    None); three queries whatever the number of enrolments."""
    cells = _cells(session)
    titles = course_titles(session)
    courses = [CourseFigures(slug, title, _sum(f for s, _u, f in cells if s == slug))
               for slug, title in titles.items()]
    chosen = [(unit, figures) for slug, unit, figures in cells if course in (None, slug)]
    by_unit: dict[str, Figures] = {}
    for unit, figures in chosen:
        by_unit[unit] = by_unit.get(unit, Figures()) + figures
    units = [UnitFigures(unit, by_unit[unit]) for unit in sorted(by_unit, key=lambda u: (u == "", u))]
    return Overview(courses=courses, units=units, total=_sum(f for _u, f in chosen),
                    course=course)


__all__ = ["CourseFigures", "Figures", "Overview", "UnitFigures", "completion_overview",
           "course_titles"]
