"""Course content: the file format (load, validate), safe Markdown, media, and import.

``init_app`` adds the ``elearn courses`` commands and the ``/media/<name>`` route that serves
images copied from course folders.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from elearn.content import media_views
    from elearn.content.cli import courses_group

    app.register_blueprint(media_views.bp)
    app.cli.add_command(courses_group)
