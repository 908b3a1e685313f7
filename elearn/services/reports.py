"""Completion report: one row per learner and course version, for HR pages, API, CSV and CLI.

The report only *reads* what the learning service stored (``Enrolment.progress``,
``completed_at``, ``score``, ``passed_at`` and the existence of ``UnitProgress`` rows); it
never decides completion itself.  Per LRS destination it shows the delivery state of the
course-completion statement (``completed`` verb, course activity, the enrolment's
registration) from the xAPI outbox.

Every page costs a constant number of queries (one count, one row query with the delivery
states as correlated sub-selects), and the CSV export streams rows with ``yield_per`` so its
memory stays flat however many rows there are.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, and_, case, exists, func, literal, select
from sqlalchemy.orm import Session

from elearn.models import (Course, CourseVersion, Enrolment, UnitProgress, User, XapiDelivery,
                           XapiStatement)
from elearn.xapi import activities
from elearn.xapi.destinations import destinations
from elearn.xapi.vocabulary import COMPLETED

COMPLETED_VERB = COMPLETED.id
REPORT_TIMEZONE = ZoneInfo("Europe/Helsinki")
STATUSES = ("not_started", "in_progress", "completed", "passed")
DATE_FIELDS = ("enrolled", "completed")
MAX_PER_PAGE = 500

# Columns a caller may sort by (whitelist: never interpolate user input into ORDER BY).
SORT_COLUMNS = {
    "name": User.display_name,
    "username": User.username,
    "organisation_unit": User.organisation_unit,
    "course": Course.slug,
    "version": CourseVersion.number,
    "enrolled_at": Enrolment.enrolled_at,
    "progress": Enrolment.progress,
    "completed_at": Enrolment.completed_at,
    "score": Enrolment.score,
}

CSV_HEADER = ("name", "opaque_id", "username", "organisation_unit", "course", "version",
              "enrolled_at", "progress_percent", "completed_at", "score", "passed")


@dataclass(frozen=True)
class ReportFilters:
    """What HR asked for.  Dates are calendar days in Finnish time, both ends inclusive."""

    course: str | None = None
    organisation_unit: str | None = None
    date_field: str = "enrolled"
    since: date | None = None
    until: date | None = None
    status: str | None = None


@dataclass(frozen=True)
class ReportRow:
    name: str
    opaque_id: str
    username: str
    organisation_unit: str
    course: str
    course_title: dict[str, str]
    version: int
    enrolled_at: datetime
    progress_percent: int
    completed_at: datetime | None
    score: float | None
    passed: bool
    # destination name -> "delivered" | "pending" | "dead" | None (no statement yet)
    deliveries: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportPage:
    rows: list[ReportRow]
    total: int
    page: int
    per_page: int
    destinations: list[str]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def course_activity_id(public_url: str, slug: str) -> str:
    """The xAPI activity IRI of a course, exactly as the statement builder writes it."""
    return activities.course_activity_id(public_url, slug)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, REPORT_TIMEZONE).astimezone(timezone.utc)


def _course_iri() -> Any:
    """SQL expression for the course activity IRI of the outer row's course (the builder's
    IRI with the slug put in place, so one sub-select serves every course)."""
    from flask import current_app
    marker = "\x00"
    prefix, _, suffix = course_activity_id(current_app.config["PUBLIC_URL"], marker).partition(marker)
    expression = literal(prefix, String) + Course.slug
    return expression + literal(suffix, String) if suffix else expression


def _delivery_state(destination: str, course_iri: Any) -> Any:
    """Correlated sub-select: the state of the course-completion statement's delivery to
    ``destination`` for the outer enrolment, or NULL when there is no such statement."""
    return (select(XapiDelivery.state)
            .join(XapiStatement, XapiStatement.id == XapiDelivery.statement_pk)
            .where(XapiStatement.registration == Enrolment.registration,
                   XapiStatement.verb_id == COMPLETED_VERB,
                   XapiStatement.activity_id == course_iri,
                   XapiDelivery.destination == destination)
            .order_by(XapiDelivery.id)
            .limit(1)
            .correlate(Enrolment, Course)
            .scalar_subquery())


def _base_query(filters: ReportFilters) -> Select:
    query = (select(Enrolment, User, CourseVersion, Course)
             .join(User, User.id == Enrolment.user_id)
             .join(CourseVersion, CourseVersion.id == Enrolment.version_id)
             .join(Course, Course.id == CourseVersion.course_id))
    return query.where(*_conditions(filters))


def _conditions(filters: ReportFilters, *, completed_only: bool = False) -> list[Any]:
    # A moved enrolment continues in the one it was moved to: the learner is counted there,
    # once (completed enrolments are never moved, so completions are all kept, and a query
    # of completions only needs no such condition: it then reads the date index alone).
    conditions: list[Any] = [] if completed_only else [Enrolment.moved_to_id.is_(None)]
    if filters.course:
        conditions.append(Course.slug == filters.course)
    if filters.organisation_unit:
        conditions.append(User.organisation_unit == filters.organisation_unit)
    column = Enrolment.completed_at if filters.date_field == "completed" else Enrolment.enrolled_at
    if filters.since:
        conditions.append(column >= _day_start(filters.since))
    if filters.until:
        conditions.append(column < _day_start(filters.until + timedelta(days=1)))
    started = exists().where(UnitProgress.enrolment_id == Enrolment.id)
    if filters.status == "not_started":
        conditions.append(and_(Enrolment.completed_at.is_(None), ~started))
    elif filters.status == "in_progress":
        conditions.append(and_(Enrolment.completed_at.is_(None), started))
    elif filters.status == "completed":
        conditions.append(Enrolment.completed_at.is_not(None))
    elif filters.status == "passed":
        conditions.append(Enrolment.passed_at.is_not(None))
    return conditions


def _ordering(sort: str, direction: str) -> list[Any]:
    column = SORT_COLUMNS.get(sort, SORT_COLUMNS["enrolled_at"])
    primary = column.desc() if direction == "desc" else column.asc()
    # NULLs (not completed, no score) last either way; the id keeps pages stable.  A column
    # that is never NULL is ordered by itself alone, so its index gives the page directly.
    if not column.nullable:
        return [primary, Enrolment.id.desc() if direction == "desc" else Enrolment.id.asc()]
    return [column.is_(None), primary, Enrolment.id.asc()]


def _count_query(filters: ReportFilters) -> Select:
    """``count(*)`` of the report's rows."""
    return _lean_query(filters, func.count(Enrolment.id))


def _lean_query(filters: ReportFilters, *columns: Any, completed_only: bool = False) -> Select:
    """Aggregates over the report's rows, joining only the tables the filters need (every
    enrolment has its user, version and course, so the joins change no count)."""
    query = select(*columns).select_from(Enrolment)
    if filters.organisation_unit:
        query = query.join(User, User.id == Enrolment.user_id)
    if filters.course:
        query = (query.join(CourseVersion, CourseVersion.id == Enrolment.version_id)
                 .join(Course, Course.id == CourseVersion.course_id))
    return query.where(*_conditions(filters, completed_only=completed_only))


# Plain columns, not ORM entities: loading four objects per row cost most of the time of a
# large CSV, and nothing is kept in the session while a file streams.
_ROW_COLUMNS = (User.display_name, User.opaque_id, User.username, User.organisation_unit,
                Course.slug, CourseVersion.title, CourseVersion.number, Enrolment.enrolled_at,
                Enrolment.progress, Enrolment.completed_at, Enrolment.score,
                Enrolment.passed_at)


def _select_rows(filters: ReportFilters, destinations: Sequence[str], sort: str,
                 direction: str) -> Select:
    course_iri = _course_iri()
    states = [_delivery_state(name, course_iri).label(f"delivery_{index}")
              for index, name in enumerate(destinations)]
    return (_base_query(filters)
            .with_only_columns(*_ROW_COLUMNS, *states, maintain_column_froms=True)
            .order_by(*_ordering(sort, direction)))


def _row(record: Sequence[Any], destinations: Sequence[str]) -> ReportRow:
    width = len(_ROW_COLUMNS)
    (name, opaque_id, username, organisation_unit, slug, title, number, enrolled_at,
     progress, completed_at, score, passed_at) = record[:width]
    return ReportRow(
        name=name, opaque_id=opaque_id, username=username,
        organisation_unit=organisation_unit, course=slug, course_title=dict(title or {}),
        version=number, enrolled_at=enrolled_at,
        progress_percent=round((progress or 0.0) * 100), completed_at=completed_at,
        score=score, passed=passed_at is not None,
        deliveries=dict(zip(destinations, record[width:], strict=True)))


def completion_page(session: Session, filters: ReportFilters, *, destinations: Sequence[str],
                    sort: str = "enrolled_at", direction: str = "asc", page: int = 1,
                    per_page: int = 50) -> ReportPage:
    """One page of the report: exactly two queries (count, rows), whatever the page size."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    total = session.scalar(_count_query(filters)) or 0
    query = (_select_rows(filters, destinations, sort, direction)
             .limit(per_page).offset((page - 1) * per_page))
    rows = [_row(record, destinations) for record in session.execute(query)]
    return ReportPage(rows=rows, total=total, page=page, per_page=per_page,
                      destinations=list(destinations))


def iter_completion_rows(session: Session, filters: ReportFilters, *,
                         destinations: Sequence[str], sort: str = "enrolled_at",
                         direction: str = "asc", batch: int = 1000) -> Iterator[ReportRow]:
    """Every matching row, fetched in batches from one streamed query (server-side cursor
    on PostgreSQL), so memory does not grow with the number of rows."""
    query = _select_rows(filters, destinations, sort, direction).execution_options(
        yield_per=batch)
    for record in session.execute(query):
        yield _row(record, destinations)


def csv_header(destinations: Sequence[str]) -> list[str]:
    return [*CSV_HEADER, *(f"delivered_{name}" for name in destinations)]


def _iso(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def csv_values(row: ReportRow, destinations: Sequence[str]) -> list[str]:
    score = "" if row.score is None else f"{row.score:.4f}".rstrip("0").rstrip(".")
    return [row.name, row.opaque_id, row.username, row.organisation_unit, row.course,
            str(row.version), _iso(row.enrolled_at), str(row.progress_percent),
            _iso(row.completed_at), score, "true" if row.passed else "false",
            *("true" if row.deliveries.get(name) == "delivered" else "false"
              for name in destinations)]


class _Line:
    """A write-only file that hands back what csv.writer wrote for one row."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)


def csv_lines(rows: Iterable[ReportRow], destinations: Sequence[str],
              delimiter: str = ",", header: Sequence[str] | None = None) -> Iterator[str]:
    """The CSV document as text chunks: BOM (so Excel reads UTF-8), header, one line per row.

    ``delimiter`` is ``,`` or ``;`` (Finnish Excel expects semicolons); ``header`` replaces
    the machine-stable column names (:func:`csv_header`) with names for people."""
    if delimiter not in (",", ";"):
        raise ValueError("delimiter must be ',' or ';'")
    line = _Line()
    writer = csv.writer(line, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([_safe_cell(name) for name in header] if header is not None
                    else csv_header(destinations))
    yield "\ufeff" + line.text
    for row in rows:
        line.text = ""
        writer.writerow([_safe_cell(value) for value in csv_values(row, destinations)])
        yield line.text


def _safe_cell(value: str) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection): a name such as
    ``=HYPERLINK(...)`` is shown as text, not run, when HR opens the file."""
    if value and value[0] in "=+-@\t\r" and not _looks_numeric(value):
        return "'" + value
    return value


def _looks_numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def configured_destinations(app) -> list[str]:
    """Names of the LRS destinations, in configuration order."""
    return [destination.name for destination in destinations(app)]


def completions_per_week(session: Session, filters: ReportFilters, *, weeks: int = 12,
                         now: datetime | None = None) -> list[tuple[date, int]]:
    """Course completions per ISO week (Monday, Finnish time) for the last ``weeks`` weeks,
    oldest first, under the report's filters.

    One query counts every week at once in the database (the weeks' bounds are worked out
    here, in Finnish time, daylight saving included), reading the completion-date index
    over the weeks' range only: no completion is loaded into Python."""
    now = now or datetime.now(timezone.utc)
    local_today = now.astimezone(REPORT_TIMEZONE).date()
    this_monday = local_today - timedelta(days=local_today.weekday())
    mondays = [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    bounds = [_day_start(monday) for monday in mondays]
    bounds.append(_day_start(this_monday + timedelta(weeks=1)))
    column = Enrolment.completed_at
    counts = [func.sum(case((and_(column >= start, column < end), 1), else_=0))
              for start, end in zip(bounds, bounds[1:])]
    query = _lean_query(filters, *counts, completed_only=True).where(column >= bounds[0],
                                                                     column < bounds[-1])
    row = session.execute(query).one()
    return [(monday, int(count or 0)) for monday, count in zip(mondays, row)]


def organisation_units(session: Session) -> list[str]:
    """Units that have learners, for the filter form."""
    return [unit for unit in session.scalars(
        select(User.organisation_unit).where(User.organisation_unit != "")
        .distinct().order_by(User.organisation_unit))]


def course_slugs(session: Session) -> list[str]:
    return list(session.scalars(select(Course.slug).order_by(Course.slug)))


__all__ = ["COMPLETED_VERB", "CSV_HEADER", "DATE_FIELDS", "MAX_PER_PAGE", "ReportFilters",
           "ReportPage", "ReportRow", "SORT_COLUMNS", "STATUSES", "completion_page",
           "completions_per_week",
           "configured_destinations", "course_activity_id", "course_slugs", "csv_header",
           "csv_lines", "iter_completion_rows", "organisation_units"]
