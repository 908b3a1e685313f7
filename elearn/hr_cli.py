"""HR and account commands: ``elearn reports completions``, ``elearn users import`` and
``elearn users set-org-unit``.

The CSV written here is byte-for-byte the one the HR pages and API serve for the same
filters (same schema, same generator).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from marshmallow import ValidationError

reports_group = click.Group("reports", help="Reports for HR.")


@reports_group.command("completions")
@click.option("--course", default=None, help="Course slug.")
@click.option("--org-unit", "organisation_unit", default=None, help="Organisation unit.")
@click.option("--date-field", type=click.Choice(["enrolled", "completed"]), default="enrolled",
              show_default=True, help="Which date --since/--until apply to.")
@click.option("--since", default=None, help="First day, YYYY-MM-DD (Finnish time, inclusive).")
@click.option("--until", default=None, help="Last day, YYYY-MM-DD (Finnish time, inclusive).")
@click.option("--status", type=click.Choice(["not_started", "in_progress", "completed", "passed"]),
              default=None)
@click.option("--delimiter", type=click.Choice([",", ";"]), default=",", show_default=True,
              help="';' for Finnish Excel.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to FILE instead of standard output.")
@with_appcontext
def report_completions(course, organisation_unit, date_field, since, until, status, delimiter,
                       output):
    """The completion report as CSV (UTF-8 with BOM, ISO 8601 UTC timestamps)."""
    from elearn.api.reports import CompletionFilterSchema, filters_from
    from elearn.db import get_db
    from elearn.services.reports import (configured_destinations, csv_lines,
                                         iter_completion_rows)

    raw = {key: value for key, value in {
        "course": course, "organisation_unit": organisation_unit, "date_field": date_field,
        "since": since, "until": until, "status": status}.items() if value is not None}
    try:
        args = CompletionFilterSchema().load(raw)
    except ValidationError as exc:
        for name, messages in sorted(exc.messages.items()):
            click.echo(f"elearn: --{name.replace('_', '-')}: {' '.join(messages)}", err=True)
        sys.exit(2)
    names = configured_destinations(current_app)
    with get_db().session_scope() as session:
        from elearn.privacy import audit
        audit.record(session, "hr_report_download", actor_label="cli",
                     details={"filters": audit.plain_filters(args)})
        rows = iter_completion_rows(session, filters_from(args), destinations=names)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                for chunk in csv_lines(rows, names, delimiter):
                    handle.write(chunk)
            click.echo(f"wrote {output}", err=True)
        else:
            stream = sys.stdout.buffer
            for chunk in csv_lines(rows, names, delimiter):
                stream.write(chunk.encode("utf-8"))
            stream.flush()


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--print-passwords", is_flag=True,
              help="Print the random passwords given to new accounts without one.")
@click.option("--without-passwords", is_flag=True,
              help="New accounts without a password in the file get none: they sign in "
                   "through the LMS, or after elearn users set-password.")
@click.option("--quiet", is_flag=True, help="No progress lines on standard error.")
@with_appcontext
def users_import(file, print_passwords, without_passwords, quiet):
    """Create or update accounts from a CSV file (all rows or none).

    Columns: username, display_name, email, organisation_unit, role, optional password.
    Existing usernames are updated.  New accounts without a password get a random one,
    printed only with --print-passwords (or none with --without-passwords).  Progress goes
    to standard error.
    """
    import time

    from elearn.db import get_db
    from elearn.services import users_import as importer

    shown = {"at": 0.0}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if quiet or (done != total and now - shown["at"] < 2):
            return
        shown["at"] = now
        click.echo(f"{stage}: {done:,}/{total:,}", err=True)

    try:
        text = Path(file).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        click.echo(f"{file}:1: not UTF-8 text ({exc.reason} at byte {exc.start})", err=True)
        sys.exit(2)
    try:
        rows = importer.parse(text, file)
    except importer.ImportProblems as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"elearn: {len(exc.problems)} problem(s); nothing was imported", err=True)
        sys.exit(1)
    progress("checked rows", len(rows), len(rows))
    with get_db().session_scope() as session:
        result = importer.apply(session, rows, random_passwords=not without_passwords,
                                progress=progress)
    click.echo(f"created {len(result.created)}, updated {len(result.updated)} account(s)")
    if result.generated_passwords:
        if print_passwords:
            for username, password in result.generated_passwords.items():
                click.echo(f"{username}\t{password}")
        else:
            click.echo(f"{len(result.generated_passwords)} new account(s) got a random password "
                       "(not shown; use --print-passwords, or reset them)")


@click.command("set-password")
@click.argument("username")
@with_appcontext
def users_set_password(username):
    """Set an account's password (prompted, or ELEARN_NEW_USER_PASSWORD); ends its sessions."""
    import getpass
    import os

    from sqlalchemy import select

    from elearn.auth import end_sessions
    from elearn.db import get_db
    from elearn.models import User
    from elearn.services.accounts import MIN_PASSWORD_LENGTH

    password = os.environ.get("ELEARN_NEW_USER_PASSWORD") or getpass.getpass("Password: ")
    if len(password) < MIN_PASSWORD_LENGTH:
        click.echo(f"elearn: password: at least {MIN_PASSWORD_LENGTH} characters", err=True)
        sys.exit(1)
    with get_db().session_scope() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            click.echo(f"elearn: username: no account {username!r}", err=True)
            sys.exit(1)
        user.set_password(password)
        end_sessions(session, user)
    click.echo(f"{username}: password set")


@click.command("set-org-unit")
@click.argument("username")
@click.argument("organisation_unit")
@with_appcontext
def users_set_org_unit(username, organisation_unit):
    """Set the organisation unit of an account (used by HR report filters)."""
    from sqlalchemy import select

    from elearn.db import get_db
    from elearn.models import User

    organisation_unit = organisation_unit.strip()
    if len(organisation_unit) > 200:
        click.echo("elearn: organisation_unit: at most 200 characters", err=True)
        sys.exit(2)
    with get_db().session_scope() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            click.echo(f"elearn: username: no account {username!r}", err=True)
            sys.exit(2)
        user.organisation_unit = organisation_unit
    click.echo(f"{username}: organisation unit set to {organisation_unit!r}")


def register_cli(app: Flask) -> None:
    from elearn.cli import users_group

    app.cli.add_command(reports_group)
    users_group.add_command(users_import)
    users_group.add_command(users_set_password)
    users_group.add_command(users_set_org_unit)
