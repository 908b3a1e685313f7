"""Trainer pages for publishing from the browser: upload a course package, preview a draft
or a published version unit by unit, compare a draft with the published version, publish it,
download any version's package and move learners to the new version.

Views only parse, authorise and render; the rules live in the services of this package.
Every page is for trainers and admins; every form carries the CSRF token.
"""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_login import current_user

from elearn.access import roles
from elearn.db import get_session
from elearn.i18n import current_language, gettext as _
from elearn.models import Role
from elearn.publishing import drafts as drafts_service
from elearn.publishing.builds import (cached_version_build, find_version, find_version_row,
                                     version_build)
from elearn.publishing.models import CourseDraft
from elearn.publishing.package import Limits, PackageRefused
from elearn.publishing.preview import unit_page
from elearn.security.input_guard import allow_larger_body
from elearn.web.learner.quiz_form import field_name
from elearn.web.trainer_views import CONTENT_LANGUAGES, _pick

TRAINER_ROLES = (Role.TRAINER, Role.ADMIN)

bp = Blueprint("publishing", __name__, url_prefix="/trainer/courses",
               template_folder="templates")


def _language() -> str:
    """The content language asked for (``?lang=``), else the interface language."""
    language = request.args.get("lang") or current_language()
    return language if language in CONTENT_LANGUAGES else "fi"


def _limits() -> Limits:
    config = current_app.config
    return Limits(max_files=int(config["PUBLISH_MAX_FILES"]),
                  max_unpacked_bytes=int(config["PUBLISH_MAX_UNPACKED_BYTES"]))


def _draft(draft_id: int) -> CourseDraft:
    draft = get_session().get(CourseDraft, draft_id)
    if draft is None:
        abort(404)
    return draft


def _message(status: int, heading: str, message: str, back_url: str | None = None):
    return _render("publishing/message.html", status, heading=heading, message=message,
                   back_url=back_url or url_for("publishing.index"),
                   back_label=_("Back to publishing"))


def _draft_unit_url(draft_id: int):
    return lambda key, lang: url_for("publishing.draft_unit", draft_id=draft_id, unit_key=key,
                                     lang=lang)


def _version_unit_url(slug: str, number: int):
    return lambda key, lang: url_for("publishing.version_unit", slug=slug, number=number,
                                     unit_key=key, lang=lang)


def _render(template: str, status: int = 200, **context):
    limit = int(current_app.config["PUBLISH_MAX_UPLOAD_BYTES"])
    return render_template(template, pick=_pick, languages=CONTENT_LANGUAGES,
                           max_upload_mb=round(limit / 1024 / 1024, 1) if limit else None,
                           **context), status


@bp.get("")
@roles(*TRAINER_ROLES)
def index():
    """Published courses with their versions, and the drafts waiting to be published."""
    from elearn.publishing.overview import published_courses

    session = get_session()
    return _render("publishing/index.html", courses=published_courses(session),
                   drafts=drafts_service.drafts(session))


@bp.get("/upload")
@roles(*TRAINER_ROLES)
def upload_form():
    return _render("publishing/upload.html", refused=None, problems=[])


@bp.post("/upload")
@roles(*TRAINER_ROLES)
@allow_larger_body("PUBLISH_MAX_UPLOAD_BYTES")
def upload():
    """Check the zip, validate the course and keep a draft; refusals and problems are shown
    on the form's page and nothing is stored."""
    storage = request.files.get("package")
    if storage is None or not storage.filename:
        return _render("publishing/upload.html", 422, refused=PackageRefused(
            "", "Choose the zip of a course folder."),
            refusal_text=_("Choose the zip of a course folder."), problems=[])
    try:
        result = drafts_service.upload(
            get_session(), storage.read(), uploaded_by_id=current_user.id, limits=_limits(),
            media_dir=current_app.config["COURSE_MEDIA_PATH"])
    except PackageRefused as refused:
        return _render("publishing/upload.html", 422, refused=refused, problems=[],
                       refusal_text=refused.translated(_), filename=storage.filename)
    if result.draft is None:
        return _render("publishing/upload.html", 422, refused=None, problems=result.problems,
                       filename=storage.filename)
    flash(_("The course is valid and was saved as a draft. Nothing has been published yet."))
    return redirect(url_for("publishing.draft", draft_id=result.draft.id), 303)


@bp.get("/drafts/<int:draft_id>")
@roles(*TRAINER_ROLES)
def draft(draft_id: int):
    """A draft: its units (links to their preview pages), what publishing would change, and
    the publish form."""
    from elearn.publishing.diff import diff_draft

    found = _draft(draft_id)
    build = drafts_service.draft_build(found)
    changes = diff_draft(get_session(), found) if found.published_version_id is None else None
    language = _language()
    return _render("publishing/draft.html", draft=found, build=build, changes=changes,
                   language=language, unit_url=_draft_unit_url(draft_id),
                   lang_url=lambda code: url_for("publishing.draft", draft_id=draft_id,
                                                 lang=code))


@bp.post("/drafts/<int:draft_id>/discard")
@roles(*TRAINER_ROLES)
def discard(draft_id: int):
    """Delete a draft that will not be published."""
    found = _draft(draft_id)
    if found.published_version_id is not None:
        return _message(409, _("The draft was not discarded"),
                        _("A published draft stays as the record of its version."))
    drafts_service.discard(get_session(), found)
    flash(_("Draft %(number)s was discarded.", number=draft_id), "info")
    return redirect(url_for("publishing.index"), 303)


@bp.get("/drafts/<int:draft_id>/units/<unit_key>")
@roles(*TRAINER_ROLES)
def draft_unit(draft_id: int, unit_key: str):
    found = _draft(draft_id)
    language = _language()
    page = unit_page(drafts_service.draft_build(found), unit_key, language)
    if page is None:
        abort(404)
    unit_url = _draft_unit_url(draft_id)
    return _render("publishing/unit.html", page=page, language=language, draft=found,
                   version=None, unit_url=unit_url, field_name=field_name,
                   lang_url=lambda code: unit_url(unit_key, code))


@bp.get("/<slug>/versions/<int:number>")
@roles(*TRAINER_ROLES)
def version(slug: str, number: int):
    found = find_version(get_session(), slug, number)
    if found is None:
        abort(404)
    return _render("publishing/version.html", version=found, build=version_build(found),
                   language=_language(), unit_url=_version_unit_url(slug, number),
                   lang_url=lambda code: url_for("publishing.version", slug=slug,
                                                 number=number, lang=code))


@bp.get("/<slug>/versions/<int:number>/units/<unit_key>")
@roles(*TRAINER_ROLES)
def version_unit(slug: str, number: int, unit_key: str):
    found = find_version_row(get_session(), slug, number)
    if found is None:
        abort(404)
    language = _language()
    page = unit_page(cached_version_build(get_session(), found), unit_key, language)
    if page is None:
        abort(404)
    unit_url = _version_unit_url(slug, number)
    return _render("publishing/unit.html", page=page, language=language, draft=None,
                   version=found, unit_url=unit_url, field_name=field_name,
                   lang_url=lambda code: unit_url(unit_key, code))


def _zip_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/drafts/<int:draft_id>/package.zip")
@roles(*TRAINER_ROLES)
def draft_package(draft_id: int):
    found = _draft(draft_id)
    return _zip_response(found.package.data, f"{found.slug}-draft-{found.id}.zip")


@bp.get("/<slug>/versions/<int:number>/package.zip")
@roles(*TRAINER_ROLES)
def version_package(slug: str, number: int):
    from elearn.publishing.packages import package_of_version

    found = find_version(get_session(), slug, number)
    if found is None:
        abort(404)
    stored = package_of_version(get_session(), found)
    if stored is None:
        return _message(404, _("No package for this version"),
                        _("The files of this version were not kept: it was published before "
                          "packages were stored. Import it again from the course folder to "
                          "keep them."))
    return _zip_response(stored.data, f"{slug}-v{number}.zip")


@bp.get("/drafts/<int:draft_id>/diff")
@roles(*TRAINER_ROLES)
def diff(draft_id: int):
    """Everything publishing the draft would change, and the publish button."""
    from elearn.publishing.diff import diff_draft

    found = _draft(draft_id)
    if found.published_version_id is not None:
        return redirect(url_for("publishing.draft", draft_id=draft_id), 303)
    return _render("publishing/diff.html", draft=found, build=drafts_service.draft_build(found),
                   changes=diff_draft(get_session(), found), language=_language(),
                   public_url=current_app.config["PUBLIC_URL"])


@bp.post("/drafts/<int:draft_id>/publish")
@roles(*TRAINER_ROLES)
def publish(draft_id: int):
    """Publish the draft in this request's one transaction (as ``elearn courses import``)."""
    from sqlalchemy.exc import IntegrityError

    from elearn.publishing.publish import PublishError, publish_draft

    found = _draft(draft_id)
    session = get_session()
    try:
        outcome = publish_draft(session, found, current_user)
        session.flush()
    except PublishError:
        session.rollback()
        return _message(409, _("The draft was not published"),
                        _("This draft has already been published, or its files no longer give "
                          "the same course; upload it again."))
    except IntegrityError:
        session.rollback()
        return _message(409, _("The draft was not published"),
                        _("Another version of this course was published at the same time; "
                          "nothing was published. Look at the changes again."))
    result = outcome.result
    if result.published:
        flash(_("Version %(number)s of %(course)s is published.", number=result.version,
                course=found.slug), "info")
    else:
        flash(_("Nothing changed: the draft is the same as version %(number)s, so no version "
                "was published.", number=result.version), "info")
    return redirect(url_for("publishing.move_form", slug=found.slug), 303)


@bp.get("/<slug>/move")
@roles(*TRAINER_ROLES)
def move_form(slug: str):
    """The dry run of moving every unfinished enrolment to the newest version."""
    from elearn.publishing.publish import move_to_newest
    from elearn.services.version_move import MoveError

    session = get_session()
    try:
        result = move_to_newest(session, slug, current_user, dry_run=True)
    except MoveError:
        abort(404)
    session.rollback()  # a dry run changes nothing
    return _render("publishing/move.html", slug=slug, result=result, done=False)


@bp.post("/<slug>/move")
@roles(*TRAINER_ROLES)
def move(slug: str):
    from elearn.publishing.publish import move_to_newest
    from elearn.services.version_move import MoveError

    expected = request.form.get("to_version", "")
    session = get_session()
    try:
        result = move_to_newest(session, slug, current_user, dry_run=False)
    except MoveError:
        abort(404)
    if str(result.target_version) != expected:
        # a newer version appeared after the dry run: show the new dry run instead
        session.rollback()
        return _message(409, _("Nobody was moved"),
                        _("A newer version was published after the dry run; nothing was "
                          "moved. Look at the dry run again."),
                        url_for("publishing.move_form", slug=slug))
    return _render("publishing/move.html", slug=slug, result=result, done=True)
