"""Course content: the file format (load, validate), safe Markdown, media, and import.

``init_app`` adds the ``elearn courses`` commands and the ``/media/<name>`` route that serves
images copied from course folders.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from pathlib import Path

    from elearn.content import media_views

    # one absolute folder for the importer (writes) and the route (reads), whatever the cwd
    app.config["COURSE_MEDIA_PATH"] = str(Path(app.config["COURSE_MEDIA_PATH"]).resolve())
    from elearn.content.cli import courses_group
    from elearn.content.move_cli import move_learners_command

    app.register_blueprint(media_views.bp)
    if "move-learners" not in courses_group.commands:
        courses_group.add_command(move_learners_command)
    app.cli.add_command(courses_group)
