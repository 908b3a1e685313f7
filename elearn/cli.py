"""The ``elearn`` command (also ``flask --app elearn``).

Feature packages add their own groups (courses, xapi, reports) in their ``init_app``.
"""
from __future__ import annotations

import getpass
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from elearn.config import SettingError


def _create_app_or_exit():
    """Build the app, turning a bad setting into one line on stderr and exit status 2."""
    from elearn import create_app
    try:
        return create_app()
    except SettingError as exc:
        click.echo(f"elearn: configuration error: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app_or_exit, add_default_commands=True,
             add_version_option=False)
def main() -> None:
    """elearn – network-leadership course service."""


db_group = click.Group("db", help="Database schema.")


@db_group.command("upgrade")
@click.option("--check", is_flag=True, help="Only report whether migrations are pending (exit 1 if so).")
@with_appcontext
def db_upgrade(check: bool) -> None:
    """Bring the database schema to the newest migration."""
    from elearn.db import get_db
    from elearn.migrate import current_revisions, head_revisions, upgrade

    url = current_app.config["DATABASE_URL"]
    if check:
        current = current_revisions(get_db().engine)
        heads = head_revisions(url)
        if current == heads:
            click.echo("database is current (" + ", ".join(sorted(heads)) + ")")
            return
        click.echo("database is behind: at " + (", ".join(sorted(current)) or "nothing")
                   + "; newest is " + ", ".join(sorted(heads)), err=True)
        sys.exit(1)
    upgrade(url)
    click.echo("database upgraded to " + ", ".join(sorted(head_revisions(url))))


users_group = click.Group("users", help="Accounts.")


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["learner", "trainer", "hr", "admin"]), default="learner",
              show_default=True)
@click.option("--name", "display_name", default="", help="Name shown in pages and reports.")
@click.option("--email", default=None)
@click.option("--org-unit", "organisation_unit", default="", help="Organisation unit (for HR reports).")
@click.option("--password", envvar="ELEARN_NEW_USER_PASSWORD", default=None,
              help="Password; prompted for when not given (or set ELEARN_NEW_USER_PASSWORD).")
@click.option("--if-missing", is_flag=True, help="Do nothing if the username exists.")
@with_appcontext
def users_create(username, role, display_name, email, organisation_unit, password, if_missing):
    """Create an account."""
    from sqlalchemy import select

    from elearn.db import get_db
    from elearn.models import User
    from elearn.services.accounts import AccountError, create_user

    if password is None:
        password = getpass.getpass("Password: ")
    with get_db().session_scope() as session:
        if if_missing and session.scalar(select(User.id).where(User.username == username)):
            click.echo(f"user {username} exists; left as it is")
            return
        try:
            user = create_user(session, username=username, password=password, role=role,
                               display_name=display_name, email=email,
                               organisation_unit=organisation_unit)
        except AccountError as exc:
            click.echo(f"elearn: {exc.field}: {exc}", err=True)
            sys.exit(2)
        click.echo(f"created {user.role.value} {user.username}")


# A unix socket path must fit in sockaddr_un (108 bytes on Linux, 104 elsewhere).
_SOCKET_PATH_MAX = 100


def gunicorn_command(bin_dir: str, host: str, port: int, workers: int,
                     instance_path: str | None = None) -> list[str]:
    """The web server's command line.  Request lines are left to the application (gunicorn's
    ``0``: up to 1 MB), which answers those over ``ELEARN_MAX_URL_LENGTH`` with a 414 in the
    JSON error shape on /api/ and /xapi/ instead of gunicorn's HTML page.

    gunicorn's control socket would default to one path under the user's home, shared by
    every instance on the machine; each instance gets its own under its ``instance/`` folder
    (named by port, so two on one checkout differ too), or none without an instance folder or
    when that path is too long for a unix socket."""
    socket = os.path.join(instance_path, f"gunicorn-{port}.ctl") if instance_path else None
    control = (["--control-socket", socket]
               if socket and len(os.fsencode(socket)) <= _SOCKET_PATH_MAX
               else ["--no-control-socket"])
    return [os.path.join(bin_dir, "gunicorn"), "--workers", str(workers),
            "--bind", f"{host}:{port}", "--access-logfile", "-",
            "--limit-request-line", "0", *control, "elearn.wsgi:app"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=0, type=int, help="Web workers (default: 2 x cores).")
@click.option("--no-delivery", is_flag=True, help="Do not start the xAPI delivery worker.")
@with_appcontext
def serve(host: str, port: int, workers: int, no_delivery: bool) -> None:
    """Run the production web server (gunicorn) and the xAPI delivery worker; Ctrl-C stops both."""
    import os
    import signal
    import subprocess

    workers = workers or 2 * (os.cpu_count() or 1)
    bin_dir = os.path.dirname(sys.executable)
    children = [subprocess.Popen(gunicorn_command(bin_dir, host, port, workers,
                                                  current_app.instance_path))]
    xapi = current_app.cli.commands.get("xapi")
    if not no_delivery and xapi is not None and "worker" in getattr(xapi, "commands", {}):
        children.append(subprocess.Popen([sys.executable, "-m", "elearn.cli", "xapi", "worker"]))
    click.echo(f"elearn serving on http://{host}:{port} ({workers} web workers"
               + (", xAPI delivery worker" if len(children) > 1 else "") + ")")

    def stop(*_args):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            try:
                children[0].wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in children:
            child.wait()


def register_cli(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(users_group)
    app.cli.add_command(serve)


if __name__ == "__main__":  # python -m elearn.cli
    main()
