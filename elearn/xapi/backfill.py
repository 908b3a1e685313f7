"""Rebuild the statements of stored learning records and add the missing ones to the outbox
(``elearn xapi backfill``): for records from before xAPI was configured, for a destination
added later, or after restoring a database.

Each statement is rebuilt by the same builder live capture uses, from the same stored
timestamps, so it gets the same deterministic id: running a backfill twice, or after live
capture, adds nothing.  Only the newest text of an edited reflection is stored, so a
backfill can rebuild its latest ``answered`` statement, not those of earlier edits.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from elearn.models import (Course, CourseVersion, Enrolment, QuizAttempt, Reflection,
                           UnitProgress, XapiStatement)
from elearn.xapi.destinations import Destination, destinations
from elearn.xapi.outbox import enqueue, profile_settings
from elearn.xapi.statements import (EnrolmentStatements, ProfileSettings, lms_launch,
                                    parse_timestamp)

CHUNK = 200  # enrolments per transaction: bounded memory and short locks on long runs


@dataclass
class BackfillTotals:
    enrolments: int = 0
    built: int = 0      # statements rebuilt within the time window
    added: int = 0      # of which new to the outbox (would be new, in a dry run)

    @property
    def existing(self) -> int:
        return self.built - self.added


def enrolment_statements(session: Session, settings: ProfileSettings,
                         enrolment: Enrolment) -> list[dict[str, Any]]:
    """Every statement the stored records of ``enrolment`` stand for, in time order (the
    order live capture wrote them in)."""
    build = EnrolmentStatements(settings, enrolment, lms_launch(session, enrolment))
    timeline: list[tuple[datetime, int, list[dict[str, Any]]]] = []

    def add(at: datetime | None, rank: int, statements: list[dict[str, Any]]) -> None:
        if at is not None:
            timeline.append((at, rank, statements))

    add(enrolment.enrolled_at, 0, [build.registered(enrolment.enrolled_at)])
    progress_rows = list(session.scalars(
        select(UnitProgress).where(UnitProgress.enrolment_id == enrolment.id)
        .options(selectinload(UnitProgress.unit))))
    for row in progress_rows:
        add(row.first_viewed_at, 1, [build.experienced(row.unit, row.first_viewed_at)])
    attempts = session.scalars(
        select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id,
                                  QuizAttempt.submitted_at.is_not(None))
        .options(selectinload(QuizAttempt.answers), selectinload(QuizAttempt.unit)))
    for attempt in attempts:
        add(attempt.submitted_at, 2, build.attempt(attempt))
    for reflection in session.scalars(select(Reflection)
                                      .where(Reflection.enrolment_id == enrolment.id)):
        add(reflection.updated_at, 3, [build.reflection(reflection)])
    for row in progress_rows:
        add(row.completed_at, 4, [build.unit_completed(row.unit, row.completed_at,
                                                        row.first_viewed_at)]
            if row.completed_at else [])
    # The share of complete units changes once per completion time (units completed by the
    # same action count together, as when the learning service published them).
    total_units = len(enrolment.version.units)
    done = sorted(row.completed_at for row in progress_rows if row.completed_at is not None)
    count = 0
    for at, group in groupby(done):
        count += len(list(group))
        add(at, 5, [build.course_progressed(count / total_units, at)])
    add(enrolment.completed_at, 6, [build.course_completed(enrolment.completed_at)]
        if enrolment.completed_at else [])
    add(enrolment.passed_at, 7, [build.course_passed(enrolment.passed_at)]
        if enrolment.passed_at else [])
    timeline.sort(key=lambda item: (item[0], item[1]))
    return [statement for _, _, statements in timeline for statement in statements]


def _enrolment_ids(session: Session, course: str | None) -> list[int]:
    """Enrolments to rebuild statements for; an erased person's (kept only as anonymous
    completions) never get statements again."""
    from elearn.privacy.models import Erasure
    query = (select(Enrolment.id).where(Enrolment.user_id.not_in(select(Erasure.user_id)))
             .order_by(Enrolment.id))
    if course:
        query = (query.join(CourseVersion, CourseVersion.id == Enrolment.version_id)
                 .join(Course, Course.id == CourseVersion.course_id).where(Course.slug == course))
    return list(session.scalars(query))


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def run_backfill(session_scope: Callable, *, since: datetime | None = None,
                 until: datetime | None = None, course: str | None = None,
                 targets: list[Destination] | None = None, dry_run: bool = False,
                 progress: Callable[[BackfillTotals, int], None] | None = None,
                 chunk: int = CHUNK) -> BackfillTotals:
    """Backfill statements with ``since <= timestamp < until`` of ``course`` (all when None)
    for ``targets`` (every configured destination when None).  ``session_scope`` gives one
    committed unit of work per chunk of enrolments; ``progress(totals, total_enrolments)``
    is called after each chunk."""
    settings = profile_settings()
    totals = BackfillTotals()
    with session_scope() as session:
        ids = _enrolment_ids(session, course)
    for chunk_ids in _chunks(ids, chunk):
        with session_scope() as session:
            enrolments = session.scalars(
                select(Enrolment).where(Enrolment.id.in_(chunk_ids)).order_by(Enrolment.id)
                .options(selectinload(Enrolment.user),
                         selectinload(Enrolment.version).selectinload(CourseVersion.course)))
            for enrolment in enrolments:
                statements = [s for s in enrolment_statements(session, settings, enrolment)
                              if _within(s, since, until)]
                totals.enrolments += 1
                totals.built += len(statements)
                if not statements:
                    continue
                if dry_run:
                    known = set(session.scalars(select(XapiStatement.statement_id).where(
                        XapiStatement.statement_id.in_([s["id"] for s in statements]))))
                    totals.added += sum(1 for s in statements if s["id"] not in known)
                    continue
                totals.added += len(enqueue(
                    session, statements, course_slug=enrolment.version.course.slug,
                    user_id=enrolment.user_id, enrolment_id=enrolment.id, targets=targets))
            if dry_run:
                session.rollback()
        if progress is not None:
            progress(totals, len(ids))
    return totals


def _within(statement: dict[str, Any], since: datetime | None, until: datetime | None) -> bool:
    at = parse_timestamp(statement["timestamp"])
    return (since is None or at >= since) and (until is None or at < until)


def _aware(value: datetime | None) -> datetime | None:
    """Click parses naive datetimes; the command's times are UTC."""
    from datetime import timezone
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


@click.command("backfill")
@click.option("--since", type=click.DateTime(_FORMATS), default=None,
              help="Only statements at or after this UTC time (YYYY-MM-DD[THH:MM:SS]).")
@click.option("--until", type=click.DateTime(_FORMATS), default=None,
              help="Only statements before this UTC time.")
@click.option("--course", default=None, help="Only this course (slug).")
@click.option("--destination", "destination_names", multiple=True,
              help="Only add deliveries to this destination (repeatable); default: all.")
@click.option("--dry-run", is_flag=True, help="Count what would be added; change nothing.")
@with_appcontext
def backfill_command(since, until, course, destination_names, dry_run) -> None:
    """Rebuild statements from stored learning records and queue the missing ones.

    Idempotent: statement ids are deterministic, so statements already in the outbox are
    skipped (a destination without a delivery row for one gets it added)."""
    from elearn.db import get_db

    since, until = _aware(since), _aware(until)
    if since and until and since >= until:
        raise click.BadParameter("must be after --since", param_hint="--until")
    configured = destinations(current_app)
    targets = None
    if destination_names:
        known = {d.name: d for d in configured}
        unknown = [n for n in destination_names if n not in known]
        if unknown:
            raise click.BadParameter(
                f"unknown destination {unknown[0]!r}; configured: "
                + (", ".join(known) or "none"), param_hint="--destination")
        targets = [known[n] for n in destination_names]
    if course:
        with get_db().session_scope() as session:
            if session.scalar(select(Course.id).where(Course.slug == course)) is None:
                raise click.BadParameter(f"no course {course!r}", param_hint="--course")

    def report(totals: BackfillTotals, total: int) -> None:
        click.echo(f"backfill: {totals.enrolments}/{total} enrolments, {totals.built} "
                   f"statements, {totals.added} {'to add' if dry_run else 'added'}", err=True)

    totals = run_backfill(get_db().session_scope, since=since, until=until, course=course,
                          targets=targets, dry_run=dry_run, progress=report)
    verb = "would add" if dry_run else "added"
    click.echo(f"backfill{' (dry run)' if dry_run else ''}: {totals.enrolments} enrolments, "
               f"{totals.built} statements rebuilt, {verb} {totals.added}, "
               f"{totals.existing} already stored")


def register_cli() -> None:
    """Add ``backfill`` to the ``elearn xapi`` group."""
    from elearn.xapi.cli import xapi_group
    xapi_group.add_command(backfill_command)


__all__ = ["BackfillTotals", "backfill_command", "enrolment_statements", "register_cli",
           "run_backfill"]
