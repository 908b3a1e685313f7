"""Learner page routes.  Each view parses the request, asks the learning service, and renders.

Only learners may open these pages: enrolling, opening units and submitting quizzes create
learning records and xAPI statements, which must never be produced by a trainer, HR or admin
user browsing the course.  Trainers preview content on their own pages.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from elearn.access import roles
from elearn.db import get_session
from elearn.errors import APIError
from elearn.i18n import current_language, fmt_number
from elearn.i18n import gettext as _
from elearn.models import Enrolment, QuizAttempt, Role, Unit
from elearn.security.converters import parse_id
from elearn.services import learning
from elearn.services.course_structure import UnitInfo, structure_of
from elearn.web.learner import fragments, quiz_form
from elearn.web.learner.presenters import CourseView

bp = Blueprint("learner", __name__, url_prefix="/learn")
learner_only = roles(Role.LEARNER)


# --- helpers -------------------------------------------------------------------------------

def _enrolment_or_404(slug: str) -> Enrolment:
    enrolment = learning.enrolment_for(get_session(), current_user, slug)
    if enrolment is None:
        abort(404)
    return enrolment


def _course_view(enrolment: Enrolment) -> CourseView:
    return CourseView.of(learning.progress_of(get_session(), enrolment), enrolment.version)


def _courses_of_learner() -> list[dict[str, Any]]:
    """Every course of the catalogue (newest version, ordered by slug) with the learner's
    current enrolment in it, its progress and the newer version they could start; read in
    the same few queries however many courses there are."""
    session = get_session()
    catalogue = learning.catalogue_of(session, current_user)
    enrolled = [enrolment for _, enrolment in catalogue if enrolment is not None]
    progress = {p.enrolment_id: p for p in learning.progress_of_each(session, enrolled)}
    courses = []
    for newest, enrolment in catalogue:
        shown = enrolment.version if enrolment is not None else newest
        courses.append({
            "slug": newest.course.slug, "enrolment": enrolment, "version": shown,
            "structure": structure_of(session, shown),
            "progress": (CourseView.of(progress[enrolment.id], shown)
                         if enrolment is not None else None),
            "newer": (learning.newer_version_for(session, enrolment, newest)
                      if enrolment is not None else None)})
    return courses


def _neighbours(enrolment: Enrolment, unit: Unit) -> tuple[UnitInfo | None, UnitInfo | None]:
    """The units before and after ``unit`` (key and title, from the cached structure)."""
    return structure_of(get_session(), enrolment.version).neighbours(unit.id)


def _field_errors(exc: APIError) -> dict[str, list[str]]:
    fields = (exc.details or {}).get("fields") or {}
    return {str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
            for k, v in fields.items()}


def _presented(attempt: QuizAttempt | None) -> list[dict[str, Any]]:
    if attempt is None:
        return []
    language = current_language()
    return [learning.present_question(q, language, attempt)
            for q in learning.attempt_questions(get_session(), attempt)]


def _render_unit(enrolment: Enrolment, unit: Unit, *, status: int = 200, submitted=None,
                 quiz_errors: dict[str, list[str]] | None = None,
                 quiz_messages: list[str] | None = None, reflection_task: str | None = None,
                 reflection_text: str | None = None,
                 reflection_errors: list[str] | None = None):
    """The unit page; after a rejected form it shows the learner's input and the problems."""
    session = get_session()
    try:
        attempt = learning.current_attempt(session, enrolment, unit)
    except learning.QuizLocked:
        attempt = None
    course = _course_view(enrolment)  # after the attempt: it may have opened a new round
    questions = _presented(attempt)
    quiz_errors = quiz_errors or {}
    entries = [("#" + quiz_form.first_control_id(q),
                _("Question %(number)s", number=number) + ": " + " ".join(quiz_errors[q["key"]]))
               for number, q in enumerate(questions, start=1) if q["key"] in quiz_errors]
    entries += [("#quiz", message) for message in quiz_messages or []]
    entries += [(f"#reflection-{reflection_task}-text", message)
                for message in reflection_errors or []]
    previous_unit, next_unit = _neighbours(enrolment, unit)
    unit_progress = course.unit(unit.unit_key)
    own = learning.reflections_in_unit(session, enrolment, unit)
    info = structure_of(session, enrolment.version).unit(unit.id)
    return render_template(
        "learner/unit.html", enrolment=enrolment, version=enrolment.version, unit=unit,
        course=course, unit_progress=unit_progress, attempt=attempt,
        questions=questions, submitted=submitted, quiz_errors=quiz_errors,
        error_entries=entries, reflections=own, reflection_task=reflection_task,
        reflection_text=reflection_text, reflection_errors=reflection_errors or [],
        prev_unit=previous_unit, next_unit=next_unit, field_name=quiz_form.field_name,
        slug=enrolment.version.course.slug,
        unit_number=[row.unit.id for row in course.units].index(unit.id) + 1,
        units_total=course.units_total, reflection_max=learning.REFLECTION_MAX_LENGTH,
        unit_content=fragments.unit_content(enrolment.version, unit),
        reflection_tasks=info.reflection_tasks if info is not None else (),
    ), status


# --- pages ---------------------------------------------------------------------------------

@bp.get("/dashboard")
@learner_only
def dashboard():
    """The learner's start page: each course they are on, with unit progress and a way on."""
    courses = [course for course in _courses_of_learner() if course["enrolment"] is not None]
    return render_template("learner/dashboard.html", courses=courses)


@bp.get("/courses")
@learner_only
def catalogue():
    return render_template("learner/catalogue.html", cards=_courses_of_learner())


@bp.get("/courses/<slug>")
@learner_only
def overview(slug: str):
    session = get_session()
    enrolment = learning.enrolment_for(session, current_user, slug)
    if enrolment is not None:
        version = enrolment.version
        return render_template("learner/overview.html", version=version,
                               structure=structure_of(session, version),
                               progress=_course_view(enrolment), slug=slug,
                               newer=learning.newer_version_for(session, enrolment))
    version = learning.latest_version(session, slug)  # 404 for an unknown course
    return render_template("learner/overview.html", version=version,
                           structure=structure_of(session, version), progress=None, slug=slug,
                           newer=None)


@bp.post("/courses/<slug>/enrol")
@learner_only
def enrol(slug: str):
    """Start (or rejoin) the course and go to the unit to work on.  After completing an
    enrolment this starts the newest version when one was published since (a new
    enrolment; the completed one stays on record)."""
    enrolment = learning.enrol(get_session(), current_user, slug)
    course = _course_view(enrolment)
    target = course.resume_unit
    if target is None:
        return redirect(url_for(".overview", slug=slug), code=303)
    return redirect(url_for(".unit", slug=slug, unit_key=target.unit_key), code=303)


@bp.get("/courses/<slug>/units/<unit_key>")
@learner_only
def unit(slug: str, unit_key: str):
    enrolment = learning.enrolment_for(get_session(), current_user, slug)
    if enrolment is None:
        learning.latest_version(get_session(), slug)  # 404 for an unknown course
        flash(_("Start the course to open its units."), "info")
        return redirect(url_for(".overview", slug=slug))
    # Render first, then write the visit: on SQLite the write lock is then held only for
    # that UPDATE and the commit, not through the template.
    opened = learning.open_unit(get_session(), enrolment, unit_key, record_later=True)
    page = _render_unit(enrolment, opened)
    learning.record_visits(get_session())
    return page


@bp.post("/courses/<slug>/units/<unit_key>/quiz")
@learner_only
def submit_quiz(slug: str, unit_key: str):
    """Score the posted attempt.  A rejected answer shows the unit again with the learner's
    input kept and each problem next to its question; an attempt that is no longer open
    (another tab submitted it, or no attempts are left) sends the learner back to the quiz."""
    session = get_session()
    enrolment = _enrolment_or_404(slug)
    unit_ = learning.unit_of(session, enrolment, unit_key)
    attempt_id = parse_id(request.form.get("attempt_id"))
    posted = session.get(QuizAttempt, attempt_id) if attempt_id is not None else None
    open_attempt = (posted is not None and posted.enrolment_id == enrolment.id
                    and posted.unit_id == unit_.id and posted.submitted_at is None)
    questions = _presented(posted) if open_attempt else []
    answers, form_errors = quiz_form.parse_answers(request.form, questions)
    try:
        scored = learning.submit_attempt(session, enrolment, unit_, attempt_id, answers)
    except APIError as exc:
        fields = _field_errors(exc) if exc.code == 422 else {}
        if exc.code == 409 or (exc.code == 422 and "attempt_id" in fields):
            flash(_("This quiz form was no longer current. Your answers were not saved; "
                    "please check the quiz below."), "error")
            return redirect(url_for(".unit", slug=slug, unit_key=unit_key, _anchor="quiz"),
                            code=303)
        if exc.code != 422:
            raise
        per_question, other = quiz_form.question_errors(fields, form_errors, questions)
        return _render_unit(enrolment, unit_, status=422, submitted=request.form,
                            quiz_errors=per_question, quiz_messages=other)
    return redirect(url_for(".attempt_result", slug=slug, unit_key=unit_key,
                            attempt_id=scored.id), code=303)


@bp.get("/courses/<slug>/units/<unit_key>/attempts/<int:attempt_id>")
@learner_only
def attempt_result(slug: str, unit_key: str, attempt_id: int):
    """Score, pass mark, outcome and per-question feedback of one of the learner's attempts."""
    session = get_session()
    enrolment = _enrolment_or_404(slug)
    unit_ = learning.unit_of(session, enrolment, unit_key)
    attempt = learning.attempt_of_user(session, current_user, attempt_id)
    if attempt.unit_id != unit_.id:
        abort(404)
    language = current_language()
    feedback = learning.attempt_feedback(session, attempt, language)
    shown = {q["key"]: q for q in _presented(attempt)}
    course = _course_view(enrolment)
    _, next_unit = _neighbours(enrolment, unit_)
    return render_template(
        "learner/result.html", version=enrolment.version, unit=unit_, feedback=feedback,
        rows=[(item, shown.get(item.key)) for item in feedback.questions], course=course,
        unit_progress=course.unit(unit_key), next_unit=next_unit, slug=slug)


@bp.post("/courses/<slug>/units/<unit_key>/reflections/<task_key>")
@learner_only
def save_reflection(slug: str, unit_key: str, task_key: str):
    session = get_session()
    enrolment = _enrolment_or_404(slug)
    unit_ = learning.unit_of(session, enrolment, unit_key)
    text = request.form.get("text", "")
    try:
        learning.save_reflection(session, enrolment, unit_, task_key, text)
    except APIError as exc:
        if exc.code != 422:
            raise
        task = next(t for t in unit_.reflection_tasks if t.task_key == task_key)
        # The service's messages are for API clients in English; say the same in the
        # learner's language: the length limits and where the text stands now.
        messages = [_("Your reflection was not saved. Write %(min)s–%(max)s characters; "
                      "it now has %(now)s.", min=fmt_number(task.min_length),
                      max=fmt_number(learning.REFLECTION_MAX_LENGTH),
                      now=fmt_number(len(text.strip())))]
        return _render_unit(enrolment, unit_, status=422, reflection_task=task_key,
                            reflection_text=text, reflection_errors=messages)
    # Confirmed in the form's own status line, where the learner pressed Save (the page
    # opens at it), not in the page's messages at the top, off-screen.
    flash(_("Your reflection was saved."), f"placed:reflection-{task_key}")
    return redirect(url_for(".unit", slug=slug, unit_key=unit_key,
                            _anchor=f"reflection-{task_key}-status"), code=303)


@bp.get("/courses/<slug>/completion")
@learner_only
def completion(slug: str):
    enrolment = _enrolment_or_404(slug)
    course = _course_view(enrolment)
    if not course.completed:
        flash(_("You have not completed this course yet."), "info")
        return redirect(url_for(".overview", slug=slug))
    return render_template("learner/completion.html", version=enrolment.version,
                           progress=course, slug=slug)


@bp.get("/reflections")
@learner_only
def reflections():
    """Every reflection of the signed-in learner (and nobody else's)."""
    items = learning.reflections_of(get_session(), current_user)
    return render_template("learner/reflections.html", groups=_grouped(items))


@bp.get("/reflections/download")
@learner_only
def download_reflections():
    """The learner's own reflections as a Markdown file they can keep."""
    body = learning.reflections_markdown(get_session(), current_user, current_language(),
                                         heading=_("My reflections"))
    response = Response(body, mimetype="text/markdown")
    response.headers["Content-Disposition"] = 'attachment; filename="reflections.md"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _grouped(reflections) -> list[dict[str, Any]]:
    """``[{"version", "units": [{"unit", "items": [...]}]}]`` in course and unit order."""
    courses: dict[int, dict[str, Any]] = {}
    for reflection in sorted(reflections, key=lambda r: (r.enrolment.version_id,
                                                         r.task.unit.position, r.task.position)):
        course = courses.setdefault(reflection.enrolment.version_id,
                                    {"version": reflection.enrolment.version, "units": {}})
        unit_ = reflection.task.unit
        course["units"].setdefault(unit_.id, {"unit": unit_, "items": []})["items"].append(
            reflection)
    return [{"version": c["version"], "units": list(c["units"].values())}
            for c in courses.values()]
