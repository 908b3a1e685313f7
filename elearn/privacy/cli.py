"""``elearn privacy``: answer erasure requests and apply the retention settings."""
from __future__ import annotations

import click
from flask import Flask

privacy_group = click.Group("privacy", help="Personal data: erasure and retention.")


def register(app: Flask) -> None:
    if "privacy" not in app.cli.commands:
        app.cli.add_command(privacy_group)
