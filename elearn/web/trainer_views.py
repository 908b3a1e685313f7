"""Trainer pages: preview of the course files, and quiz analytics per course version.

Trainers and admins may use them.  Analytics pages show aggregates only, with small groups
withheld (see :mod:`elearn.services.analytics`); no page shows a learner's name, answers
or reflections.
"""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request

from elearn.access import roles
from elearn.db import get_session
from elearn.i18n import current_language
from elearn.models import Role
from elearn.services import analytics
from elearn.web import trainer_preview
from elearn.web.learner.quiz_form import field_name

TRAINER_ROLES = (Role.TRAINER, Role.ADMIN)
CONTENT_LANGUAGES = ("fi", "sv", "en")

bp = Blueprint("trainer", __name__, url_prefix="/trainer")


def _pick(value, language: str) -> str:
    """The ``language`` text of a course language map (Finnish when missing)."""
    if isinstance(value, dict):
        return value.get(language) or value.get("fi") or next(iter(value.values()), "")
    return "" if value is None else str(value)


@bp.get("/preview")
@roles(*TRAINER_ROLES)
def preview_index():
    """The course folders under ELEARN_COURSES_PATH."""
    folders = trainer_preview.course_folders(current_app.config["COURSES_PATH"])
    return render_template("trainer/preview_index.html", slugs=sorted(folders))


@bp.get("/preview/<slug>")
@roles(*TRAINER_ROLES)
def preview(slug: str):
    """Every unit of one course folder, as learners would see it in the chosen language."""
    language = request.args.get("lang", "fi")
    if language not in CONTENT_LANGUAGES:
        language = "fi"
    found = trainer_preview.preview(current_app.config["COURSES_PATH"], slug,
                                    current_app.config["COURSE_MEDIA_PATH"], language)
    if found is None:
        abort(404)
    return render_template("trainer/preview.html", course=found, language=language,
                           languages=CONTENT_LANGUAGES, pick=_pick,
                           unit_field_name=_unit_field_name)


def _unit_field_name(prefix: str):
    """The learner form's control names, prefixed per unit: the preview shows every unit's
    quiz on one page, and question ids are only unique within a unit."""
    def name(question_key: str, part: str | None = None) -> str:
        return f"{prefix}-{field_name(question_key, part)}"
    return name


@bp.get("/analytics")
@roles(*TRAINER_ROLES)
def analytics_index():
    """Published course versions with a link to each one's quiz analytics."""
    return render_template("trainer/analytics_index.html",
                           versions=analytics.versions(get_session()), pick=_pick,
                           language=current_language())


def _stats(slug: str, number: int) -> analytics.VersionStats:
    session = get_session()
    version = analytics.find_version(session, slug, number)
    if version is None:
        abort(404)
    return analytics.version_stats(session, version)


@bp.get("/analytics/<slug>/<int:number>")
@roles(*TRAINER_ROLES)
def analytics_page(slug: str, number: int):
    stats = _stats(slug, number)
    return render_template("trainer/analytics.html", stats=stats, pick=_pick,
                           language=current_language())


@bp.get("/analytics/<slug>/<int:number>.csv")
@roles(*TRAINER_ROLES)
def analytics_csv(slug: str, number: int):
    """Per-question figures as CSV (UTF-8 with BOM); withheld cells say so."""
    stats = _stats(slug, number)
    language = request.args.get("lang", current_language())
    if language not in CONTENT_LANGUAGES:
        language = "fi"
    delimiter = ";" if request.args.get("delimiter") == "semicolon" else ","
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(analytics.CSV_HEADER)
    writer.writerows(analytics.csv_rows(stats, language))
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="quiz-analytics-{slug}-v{number}.csv"'
    return response


def init_app(app: Flask) -> None:
    """Register the trainer pages and API, navigation and the trainer landing page."""
    from elearn import api
    from elearn.api import analytics as analytics_api
    from elearn.web.nav import register_nav

    app.register_blueprint(bp)
    api.register(analytics_api.blp)
    app.config["ROLE_LANDING"].setdefault("trainer", "trainer.preview_index")
    register_nav(app, "trainer.preview_index", "Course preview", order=60)
    register_nav(app, "trainer.analytics_index", "Quiz analytics", order=65)
