"""``elearn courses validate|import [PATH]``: the authoring tools.

PATH defaults to ``ELEARN_COURSES_PATH`` (``courses/``) and may be one course folder or a
folder of course folders.  Problems go to stdout as ``path:line: message`` (one per line,
sorted) so editors and CI logs can jump to them; the exit status is 1 when there are any.
"""
from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from elearn.content.problems import Problem

courses_group = click.Group("courses", help="Course files: validate and publish.")


def _default_path() -> str:
    """ELEARN_COURSES_PATH, shown relative to the working directory when inside it."""
    configured = Path(current_app.config["COURSES_PATH"])
    try:
        return os.path.relpath(configured) if configured.resolve().is_relative_to(
            Path.cwd().resolve()) else str(configured)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(configured)


def _report(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem))
    files = len({problem.path for problem in problems})
    click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {files} "
               f"file{'s' if files != 1 else ''}", err=True)


@courses_group.command("validate")
@click.argument("path", required=False, type=click.Path(file_okay=False))
@with_appcontext
def validate(path: str | None) -> None:
    """Check course files; print every problem as path:line: message (exit 1 if any)."""
    from elearn.content.loader import load_courses

    courses, problems = load_courses(path or _default_path())
    if problems:
        _report(problems)
        sys.exit(1)
    for course in courses:
        units = course.units
        questions = sum(len(unit.data["quiz"]["questions"]) for unit in units)
        reflections = sum(len(unit.data.get("reflections") or []) for unit in units)
        click.echo(f"{course.slug}: valid ({len(units)} units, {questions} questions, "
                   f"{reflections} reflections)")


@courses_group.command("import")
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--published-by", default=None,
              help="Name recorded on the published version (default: the system user).")
@with_appcontext
def import_(path: str | None, published_by: str | None) -> None:
    """Validate, then publish a new version of each changed course (nothing if any problem)."""
    from sqlalchemy.exc import IntegrityError

    from elearn.content.importer import ImportProblems, import_courses
    from elearn.db import get_db
    from elearn.publishing.packages import keep_imported_packages

    if published_by is None:
        try:
            published_by = getpass.getuser()
        except (KeyError, OSError):  # pragma: no cover - no passwd entry in some containers
            published_by = ""
    try:
        with get_db().session_scope() as session:
            results = import_courses(session, path or _default_path(),
                                     published_by=published_by)
            # keep each folder's zip, so trainers can download the version it now is
            keep_imported_packages(session, path or _default_path(), results)
    except ImportProblems as exc:
        _report(exc.problems)
        click.echo("nothing imported", err=True)
        sys.exit(1)
    except IntegrityError:
        # another import published the same version number first; ours was rolled back
        click.echo("elearn: another import published at the same time; nothing imported, "
                   "run the import again", err=True)
        sys.exit(1)
    for result in results:
        click.echo(str(result))
