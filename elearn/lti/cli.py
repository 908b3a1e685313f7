"""``elearn lti``: platforms (add, list, show, remove, approve), the tool's keys (list,
rotate, retire) and the tool's own values for a platform's registration form
(``tool-config``).  Each command is one transaction; problems exit 2 with one line."""
from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from elearn.db import get_db
from elearn.lti import keys as tool_keys
from elearn.lti import platforms
from elearn.lti.models import LtiPlatform
from elearn.lti.registration import ToolUrls

lti_group = click.Group("lti", help="LTI 1.3 tool: platforms, keys, tool configuration.")
platforms_group = click.Group("platforms", help="Registered LMS platforms.")
keys_group = click.Group("keys", help="The tool's signing keys.")
lti_group.add_command(platforms_group)
lti_group.add_command(keys_group)


def _fail(message: str) -> None:
    click.echo(f"elearn: {message}", err=True)
    sys.exit(2)


def _describe(platform: LtiPlatform) -> dict:
    return {"issuer": platform.issuer, "client_id": platform.client_id, "name": platform.name,
            "status": platform.status, "registered_by": platform.registered_by,
            "auth_login_url": platform.auth_login_url, "token_url": platform.token_url,
            "jwks_url": platform.jwks_url,
            "deployment_ids": [d.deployment_id for d in platform.deployments],
            "created_at": platform.created_at.isoformat(timespec="seconds"),
            "approved_at": (platform.approved_at.isoformat(timespec="seconds")
                            if platform.approved_at else None)}


@platforms_group.command("add")
@click.option("--issuer", required=True, help="The platform's issuer (Moodle: its site URL).")
@click.option("--client-id", required=True, help="Client ID the platform gave the tool.")
@click.option("--deployment-id", "deployment_ids", required=True, multiple=True,
              help="Deployment ID (repeat for several).")
@click.option("--auth-login-url", required=True, help="Authentication request URL.")
@click.option("--token-url", required=True, help="Access token URL.")
@click.option("--jwks-url", required=True, help="Public keyset URL.")
@click.option("--name", default="", help="Name shown on /admin/lti.")
@with_appcontext
def platforms_add(issuer, client_id, deployment_ids, auth_login_url, token_url, jwks_url,
                  name):
    """Register a platform by hand (approved at once), or add deployments to it."""
    try:
        with get_db().session_scope() as session:
            platform = platforms.register(session, platforms.Registration(
                issuer=issuer, client_id=client_id, auth_login_url=auth_login_url,
                token_url=token_url, jwks_url=jwks_url, deployment_ids=tuple(deployment_ids),
                name=name), status="approved", registered_by="manual")
            click.echo(f"registered {platform.issuer} (client {platform.client_id}), "
                       f"deployments: {', '.join(d.deployment_id for d in platform.deployments)}")
    except platforms.PlatformError as exc:
        _fail(str(exc))


@platforms_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def platforms_list(as_json: bool):
    """Every registered platform with its status."""
    with get_db().session_scope() as session:
        found = [_describe(p) for p in platforms.list_platforms(session)]
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    if not found:
        click.echo("no platforms registered")
    for p in found:
        click.echo(f"{p['status']:<9} {p['issuer']}  client {p['client_id']}  "
                   f"deployments {', '.join(p['deployment_ids']) or '-'}  ({p['registered_by']})")


def _one(session, issuer: str, client_id: str | None) -> LtiPlatform:
    try:
        return platforms.find(session, issuer, client_id)
    except platforms.PlatformError as exc:
        _fail(str(exc))
        raise  # not reached


@platforms_group.command("show")
@click.argument("issuer")
@click.option("--client-id", default=None)
@with_appcontext
def platforms_show(issuer: str, client_id: str | None):
    """One platform's registration."""
    with get_db().session_scope() as session:
        described = _describe(_one(session, issuer, client_id))
    for key, value in described.items():
        click.echo(f"{key}: {', '.join(value) if isinstance(value, list) else value}")


@platforms_group.command("approve")
@click.argument("issuer")
@click.option("--client-id", default=None)
@with_appcontext
def platforms_approve(issuer: str, client_id: str | None):
    """Accept launches from a platform registered dynamically."""
    with get_db().session_scope() as session:
        platform = platforms.approve(session, _one(session, issuer, client_id))
        click.echo(f"approved {platform.issuer} (client {platform.client_id})")


@platforms_group.command("remove")
@click.argument("issuer")
@click.option("--client-id", default=None)
@with_appcontext
def platforms_remove(issuer: str, client_id: str | None):
    """Delete a registration (accounts and learning records stay)."""
    with get_db().session_scope() as session:
        platform = _one(session, issuer, client_id)
        described = f"{platform.issuer} (client {platform.client_id})"
        platforms.remove(session, platform)
        click.echo(f"removed {described}")


@lti_group.command("tool-config")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def tool_config(as_json: bool):
    """The values a platform admin types into the tool registration form."""
    rows = ToolUrls(current_app.config["PUBLIC_URL"]).as_rows()
    if as_json:
        click.echo(json.dumps(dict(rows), indent=2))
        return
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label:<{width}}  {value}")


@keys_group.command("list")
@with_appcontext
def keys_list():
    """The tool's keys, newest (the signing key) first."""
    with get_db().session_scope() as session:
        rows = tool_keys.list_keys(session)
        signing = next((row.kid for row in rows if row.retired_at is None), None)
        for row in rows:
            state = ("signing" if row.kid == signing else
                     f"retired {row.retired_at.isoformat(timespec='seconds')}"
                     if row.retired_at else "published")
            click.echo(f"{row.kid}  created {row.created_at.isoformat(timespec='seconds')}  "
                       f"{state}")
        if not rows:
            click.echo("no keys yet (the first is made on first use)")


@keys_group.command("rotate")
@with_appcontext
def keys_rotate():
    """Sign with a new key from now on; older keys stay published until retired."""
    with get_db().session_scope() as session:
        row = tool_keys.rotate(session)
        click.echo(f"new signing key {row.kid}; older keys stay in /lti/jwks until "
                   "`elearn lti keys retire KID`")


@keys_group.command("retire")
@click.argument("kid")
@with_appcontext
def keys_retire(kid: str):
    """Stop publishing an old key (not the signing key)."""
    try:
        with get_db().session_scope() as session:
            tool_keys.retire(session, kid)
            click.echo(f"retired {kid}")
    except tool_keys.KeyCommandError as exc:
        _fail(str(exc))
