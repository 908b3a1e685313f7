"""``elearn courses move-learners SLUG``: move unfinished enrolments to a newer version.

The rules (what carries over, what starts fresh, which enrolments are left alone) live in
:mod:`elearn.services.version_move`; this command only parses options, runs the move in one
transaction and prints one line per learner.
"""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext


@click.command("move-learners")
@click.argument("slug")
@click.option("--to-version", type=click.IntRange(min=1), default=None,
              help="Version number to move to (default: the newest).")
@click.option("--user", "usernames", multiple=True, metavar="USERNAME",
              help="Move only this learner (repeatable; default: every unfinished enrolment).")
@click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing.")
@with_appcontext
def move_learners_command(slug: str, to_version: int | None, usernames: tuple[str, ...],
                          dry_run: bool) -> None:
    """Move learners' unfinished enrolments of course SLUG to another version, carrying over
    the progress of unchanged units (all learners in one transaction)."""
    from elearn.db import get_db
    from elearn.services.version_move import MoveError, move_learners

    try:
        with get_db().session_scope() as session:
            result = move_learners(session, slug, to_version=to_version,
                                   usernames=list(usernames) or None, dry_run=dry_run)
            if dry_run:
                session.rollback()
    except MoveError as exc:
        click.echo(f"elearn: {exc}; nothing moved", err=True)
        sys.exit(2)
    prefix = "would move " if dry_run else "moved "
    for move in result.moved:
        click.echo(prefix + move.summary())
    for line in result.skipped:
        click.echo("skipped " + line)
    verb = "would be moved" if dry_run else "moved"
    click.echo(f"{slug}: {len(result.moved)} learner(s) {verb} to version "
               f"{result.target_version}" + (" (dry run, nothing changed)" if dry_run else ""))
