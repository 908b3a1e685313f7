"""``elearn xapi ...``: the delivery worker, queue status, resend, resume and the read API's
credentials.  Other xAPI commands (``backfill``) are added to :data:`xapi_group` by their
own modules.
"""
from __future__ import annotations

import json
import signal
import sys
from datetime import datetime, timedelta, timezone

import click
from flask import current_app
from flask.cli import with_appcontext

from elearn.db import get_db, utcnow
from elearn.xapi import queue
from elearn.xapi.clients import CredentialError, create_client, list_clients, revoke_client
from elearn.xapi.destinations import destinations

xapi_group = click.Group("xapi", help="xAPI delivery to LRSs and the statements read API.")


def _fail(message: str) -> None:
    click.echo(f"elearn: {message}", err=True)
    sys.exit(2)


@xapi_group.command("worker")
@click.option("--once", is_flag=True,
              help="Deliver everything that is due now, then exit (for cron or tests).")
@with_appcontext
def worker(once: bool) -> None:
    """Deliver queued statements to every destination until SIGTERM/SIGINT (the batch in
    flight is finished first)."""
    import threading

    from elearn.lti.advantage import passback_worker
    from elearn.privacy.schedule import PurgeSchedule
    from elearn.xapi.delivery import DeliveryWorker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    delivery = DeliveryWorker(app)
    # LMS grade passback (LTI AGS) shares the worker: its own loop on a second thread.
    passback = passback_worker(app)
    # The retention purge (docs/privacy.md) when due, on a thread of its own; not with
    # --once, which only delivers.
    purging = PurgeSchedule(app) if not once else None

    def stop(signum, _frame):
        click.echo(f"xapi worker: {signal.Signals(signum).name} received; finishing the "
                   "current batch", err=True)
        delivery.stop()
        if passback is not None:
            passback.stop()
        if purging is not None:
            purging.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    names = ", ".join(d.name for d in delivery.destinations) or "none configured"
    click.echo(f"xapi worker: delivering to {names}" + (" (until drained)" if once else ""))
    passing = None
    if passback is not None:
        passing = threading.Thread(target=passback.run, kwargs={"once": once},
                                   name="lti-passback", daemon=True)
        passing.start()
    if purging is not None and purging.enabled:
        threading.Thread(target=purging.run, name="privacy-purge", daemon=True).start()
    totals = delivery.run(once=once)
    if passing is not None:
        if not once:
            passback.stop()
        passing.join()
        click.echo(f"lti passback: {passback.totals.delivered} scores delivered, "
                   f"{passback.totals.dead} dead-lettered")
    click.echo(f"xapi worker: stopped after {totals.batches} batches: {totals.delivered} "
               f"delivered, {totals.dead} dead-lettered")


def _age(delta: timedelta | None) -> str:
    if delta is None:
        return "-"
    seconds = int(max(delta.total_seconds(), 0))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


@xapi_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def status(as_json: bool) -> None:
    """Per destination: queued, oldest undelivered, delivered, dead-lettered, paused, backoff."""
    now = utcnow()
    configured = [d.name for d in destinations(current_app)]
    with get_db().session_scope() as session:
        found = queue.status(session, configured, now)
    if as_json:
        click.echo(json.dumps([item.as_dict(now) for item in found], indent=2))
        return
    if not found:
        click.echo("no LRS destinations configured (ELEARN_LRS_DESTINATIONS) and no queue")
        return
    for item in found:
        title = item.name + ("" if item.configured else " (no longer configured)")
        click.echo(title)
        click.echo(f"  queued:         {item.queued} (oldest {_age(item.oldest_age(now))})")
        click.echo(f"  delivered:      {item.delivered} in total, {item.delivered_today} today")
        click.echo(f"  dead-lettered:  {item.dead}"
                   + (f"  (resend: elearn xapi resend --destination {item.name} --all)"
                      if item.dead else ""))
        if item.paused_at is not None:
            click.echo(f"  PAUSED since {_when(item.paused_at)}: {item.paused_reason}")
            if item.backoff_until is not None:
                click.echo(f"  next automatic try: {_when(item.backoff_until)}")
        elif item.backoff_until is not None and item.backoff_until > now:
            click.echo(f"  backing off until {_when(item.backoff_until)} "
                       f"({item.consecutive_failures} failures in a row)")
        else:
            click.echo("  state:          active")
        click.echo(f"  last success:   {_when(item.last_success_at)}")


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        _fail(f"--since: expected an ISO 8601 date or time, got {value!r}")
        raise  # unreachable: _fail exits
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


@xapi_group.command("resend")
@click.option("--id", "statement_ids", multiple=True, metavar="STATEMENT_ID",
              help="xAPI statement id (repeatable).")
@click.option("--destination", default=None, help="Only this destination.")
@click.option("--since", default=None, metavar="TIME",
              help="Only statements stored at or after this ISO 8601 time (UTC if no zone).")
@click.option("--all", "everything", is_flag=True,
              help="Every dead-lettered delivery (of --destination when given).")
@with_appcontext
def resend(statement_ids: tuple[str, ...], destination: str | None, since: str | None,
           everything: bool) -> None:
    """Put dead-lettered statements back in the delivery queue."""
    if not (statement_ids or destination or since or everything):
        _fail("say which dead-lettered statements to resend: --id, --destination, --since "
              "or --all")
    when = _parse_since(since)
    with get_db().session_scope() as session:
        count = queue.resend(session, statement_ids=list(statement_ids) or None,
                             destination=destination, since=when, now=utcnow())
    click.echo(f"{count} dead-lettered deliveries queued again")


@xapi_group.command("resume")
@click.argument("name")
@with_appcontext
def resume(name: str) -> None:
    """Resume a destination paused after 401/403 (fix its credentials first)."""
    if name not in {d.name for d in destinations(current_app)}:
        _fail(f"destination: {name!r} is not in ELEARN_LRS_DESTINATIONS")
    with get_db().session_scope() as session:
        was_paused = queue.resume(session, name, now=utcnow())
    click.echo(f"{name}: " + ("resumed; the worker tries it now" if was_paused
                              else "was not paused; backoff cleared"))


credentials_group = click.Group(
    "credentials", help="HTTP Basic credentials for the statements read API (/xapi/).")
xapi_group.add_command(credentials_group)


@credentials_group.command("create")
@click.argument("name")
@with_appcontext
def credentials_create(name: str) -> None:
    """Issue credentials; the secret is printed once and cannot be shown again."""
    try:
        with get_db().session_scope() as session:
            issued = create_client(session, name)
    except CredentialError as exc:
        _fail(str(exc))
        return
    click.echo(f"credentials {issued.name} created. Store the secret now; it is not shown again.")
    click.echo(f"key:    {issued.key}")
    click.echo(f"secret: {issued.secret}")
    click.echo(f"use as HTTP Basic username:password at {current_app.config['PUBLIC_URL']}/xapi/")


@credentials_group.command("list")
@with_appcontext
def credentials_list() -> None:
    """Name, key, created, last used and revoked of every credential (never secrets)."""
    with get_db().session_scope() as session:
        clients = list_clients(session)
        if not clients:
            click.echo("no credentials issued")
            return
        for client in clients:
            state = f"revoked {_when(client.revoked_at)}" if client.revoked_at else "active"
            click.echo(f"{client.name}  key={client.key}  created {_when(client.created_at)}  "
                       f"last used {_when(client.last_used_at)}  {state}")


@credentials_group.command("revoke")
@click.argument("name")
@with_appcontext
def credentials_revoke(name: str) -> None:
    """Revoke credentials; requests with them get 401 from now on."""
    try:
        with get_db().session_scope() as session:
            client = revoke_client(session, name, utcnow())
            when = client.revoked_at
    except CredentialError as exc:
        _fail(str(exc))
        return
    click.echo(f"credentials {name} revoked ({_when(when)})")
