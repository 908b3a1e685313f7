"""``elearn privacy``: answer erasure requests and apply the retention settings."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext

privacy_group = click.Group("privacy", help="Personal data: erasure and retention.")


def _describe(counts: dict) -> str:
    xapi = counts.get("xapi", {})
    voided = ", ".join(f"{name} {n}" for name, n in sorted(xapi.get("voided", {}).items()))
    parts = [f"{counts.get('reflections', 0)} reflections deleted",
             "learning records kept anonymously" if counts.get("keep_anonymous_completions")
             else f"{counts.get('quiz_attempts', 0)} quiz attempts deleted",
             f"{counts.get('login_records', 0)} login records deleted",
             "voiding statements queued: " + (voided or "none"),
             f"{xapi.get('dropped', 0)} undelivered statements dropped"]
    return "; ".join(parts)


@privacy_group.command("erase")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(username: str, yes: bool) -> None:
    """Erase USERNAME's personal data and void their statements in every LRS.

    Idempotent: an interrupted erasure is completed by running it again, and erasing an
    account twice does nothing the second time."""
    from elearn.db import get_db
    from elearn.privacy.erasure import ErasureError, erase, find_erasure

    database = get_db()
    with database.session_scope() as session:
        user, erasure = find_erasure(session, username)
        if user is None and erasure is None:
            click.echo(f"elearn: no account named {username!r}; nothing erased", err=True)
            sys.exit(1)
        live = user is not None
    if live and not yes:
        click.confirm(f"Erase {username}'s personal data and void their statements in every "
                      "LRS? This cannot be undone", abort=True)
    try:
        outcome = erase(database.session_scope, username, via="cli")
    except ErasureError as exc:
        click.echo(f"elearn: {exc}", err=True)
        sys.exit(1)
    if outcome.state == "already_erased":
        click.echo(f"{username} was already erased on "
                   f"{outcome.completed_at:%Y-%m-%d %H:%M} UTC (erasure {outcome.erasure_id}); "
                   "nothing to do")
        return
    if outcome.state == "resumed":
        click.echo(f"completed the erasure of {username} started on "
                   f"{outcome.started_at:%Y-%m-%d %H:%M} UTC (erasure {outcome.erasure_id})")
    else:
        click.echo(f"erased {username} (erasure {outcome.erasure_id})")
    click.echo(_describe(outcome.counts))


LABELS = {"reflections": "reflections", "quiz_attempts": "quiz attempts",
          "login_records": "login records", "statements": "statements"}


@privacy_group.command("purge")
@click.option("--dry-run", is_flag=True, help="Only report what would be deleted.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Delete what is older than the retention settings allow (ELEARN_PRIVACY_RETAIN_*).

    Prints one line per kind of data; run it daily (cron or a systemd timer)."""
    from flask import current_app

    from elearn.db import get_db
    from elearn.privacy.retention import Retention, purge

    retention = Retention.from_config(current_app.config)
    with get_db().session_scope() as session:
        report = purge(session, retention, dry_run=dry_run, actor_label="cli")
    for kind, label in LABELS.items():
        days = retention.days[kind]
        if not days:
            click.echo(f"{label}: kept with no limit")
            continue
        due = report.due.get(kind, 0)
        oldest = report.oldest.get(kind)
        since = f" (oldest from {oldest:%Y-%m-%d})" if due and oldest else ""
        verb = "would be deleted" if dry_run else "deleted"
        click.echo(f"{label}: {due} {verb}, older than {days} days{since}")


def register(app: Flask) -> None:
    if "privacy" not in app.cli.commands:
        app.cli.add_command(privacy_group)
