"""``/media/<name>``: course images and files, public like the rest of the course text.

Only names of the store's own form (``<sha256>.<ext>``) are served, so no path can reach
outside the media folder; the content never changes under a name, so it may be cached
for a year.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory

from elearn.access import public
from elearn.content.media import NAME_PATTERN

bp = Blueprint("course_media", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get("/media/<name>")
@public
def media(name: str):
    if not NAME_PATTERN.match(name):
        abort(404)
    response = send_from_directory(current_app.config["COURSE_MEDIA_PATH"], name,
                                   max_age=ONE_YEAR)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response
