"""``elearn lti status`` and ``elearn lti resend``: grade passback for operators, beside the
tool's own ``elearn lti`` commands (the worker itself runs inside ``elearn xapi worker``)."""
from __future__ import annotations

import json
import sys
from datetime import datetime

import click
from flask import Flask
from flask.cli import with_appcontext

from elearn.db import get_db, utcnow
from elearn.lti import passback_queue


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def status(as_json: bool) -> None:
    """Grade passback per platform: queued, delivered, dead-lettered, backing off."""
    now = utcnow()
    with get_db().session_scope() as session:
        found = passback_queue.status(session, now, with_dead=not as_json)
    if as_json:
        click.echo(json.dumps([item.as_dict(now) for item in found], indent=2))
        return
    if not found:
        click.echo("no scores queued or sent to any platform yet")
        return
    for item in found:
        age = item.oldest_age(now)
        click.echo(item.label)
        click.echo(f"  queued:         {item.queued}"
                   + (f" (oldest {int(age.total_seconds())} s)" if age is not None else ""))
        click.echo(f"  delivered:      {item.delivered} in total, {item.delivered_today} today")
        click.echo(f"  dead-lettered:  {item.dead}"
                   + (f"  (resend: elearn lti resend --platform {item.issuer})"
                      if item.dead else ""))
        if item.backoff_until is not None and item.backoff_until > now:
            click.echo(f"  backing off until {_when(item.backoff_until)} "
                       f"({item.consecutive_failures} failures in a row): {item.last_error}")
        else:
            click.echo("  state:          active")
        click.echo(f"  last success:   {_when(item.last_success_at)}")
        for dead in item.dead_scores[:20]:
            click.echo(f"  dead #{dead.score_id} {dead.course_slug}"
                       + (f"/{dead.unit_key}" if dead.unit_key else "")
                       + f": {dead.last_error[:200]}")


@click.command("resend")
@click.option("--platform", "issuer", default=None, help="Only this platform's (issuer).")
@click.option("--id", "score_ids", multiple=True, type=int, help="Score number (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Every dead-lettered score.")
@with_appcontext
def resend(issuer: str | None, score_ids: tuple[int, ...], everything: bool) -> None:
    """Queue dead-lettered scores again (after the platform's problem was fixed)."""
    if not (issuer or score_ids or everything):
        click.echo("elearn: say which scores to resend: --platform, --id or --all", err=True)
        sys.exit(2)
    with get_db().session_scope() as session:
        platform_id = None
        if issuer:
            platform_id = passback_queue.platform_id_of(session, issuer)
            if platform_id is None:
                click.echo(f"elearn: --platform: no platform {issuer!r}", err=True)
                sys.exit(2)
        count = passback_queue.resend(session, now=utcnow(), platform_id=platform_id,
                                      score_ids=list(score_ids) or None)
    click.echo(f"{count} dead-lettered scores queued again")


def register_cli(app: Flask) -> None:
    """Add the commands to ``elearn lti`` (created here when the tool's group is absent)."""
    group = app.cli.commands.get("lti")
    if group is None:
        group = click.Group("lti", help="LTI 1.3 tool.")
        app.cli.add_command(group)
    assert isinstance(group, click.Group)
    group.add_command(status)
    group.add_command(resend)
