"""Publishing from the browser: trainers upload a course package (the zip of one course
folder), preview it unit by unit as a draft, see what publishing would change, publish it
with the importer ``elearn courses import`` uses, download any version's package and move
learners to the new version.

Before this a trainer needed a shell on the server; now the course folder format is the
only thing shared between the two ways of publishing, and ``courses/`` stays the seed that
``make run`` imports.  See docs/authoring.md ("Publishing from the browser").
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the publishing pages and their navigation entry."""
    from elearn.publishing import views
    from elearn.web.nav import register_nav

    app.register_blueprint(views.bp)
    register_nav(app, "publishing.index", "Publishing", order=62)
