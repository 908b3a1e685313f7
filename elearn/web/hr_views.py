"""HR pages: the completion report (filters, sorting, pages, CSV) and xAPI delivery health.

HR and admin may use them (admins run the service and need the same view when HR asks for
help).  No HR page shows learners' answers or reflections: the report reads only the stored
results of enrolments and the outbox's delivery states.
"""
from __future__ import annotations

from typing import Any

from flask import (Blueprint, Flask, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from elearn.access import roles
from elearn.api.reports import (HR_ROLES, CompletionQuerySchema, CsvQuerySchema, csv_response,
                                filters_from)
from elearn.db import get_session, utcnow
from elearn.i18n import gettext as _
from elearn.services.delivery_backlog import DEFAULT_SPAN, SPANS, BacklogSeries, backlog_series
from elearn.services.delivery_health import (dead_count, destination_health,
                                             destination_names, resend_dead)
from elearn.i18n import current_language, ngettext
from elearn.services.completion_overview import completion_overview, course_titles
from elearn.services.i18n_text import text_in
from elearn.services.reports import (DATE_FIELDS, SORT_COLUMNS, STATUSES, ReportFilters,
                                     completion_page, completions_per_week,
                                     configured_destinations, organisation_units)
from elearn.web.charts import bar_chart, line_chart, stacked_bars
from elearn.xapi.queue import HELSINKI

bp = Blueprint("hr", __name__, url_prefix="/hr")

FILTER_KEYS = ("course", "organisation_unit", "date_field", "since", "until", "status")
STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress",
                 "completed": "Completed", "passed": "Passed"}
DATE_FIELD_LABELS = {"enrolled": "Enrolled", "completed": "Completed"}
# Sortable columns in table order, what HR reads most first: (sort key, header text)
SORTABLE_HEADERS = [("name", "Learner"), ("organisation_unit", "Organisation unit"),
                    ("progress", "Progress"), ("completed_at", "Completed"),
                    ("score", "Quiz score"), ("course", "Course"), ("version", "Version"),
                    ("enrolled_at", "Enrolled"), ("username", "Username and opaque id")]
assert {key for key, _label in SORTABLE_HEADERS} == set(SORT_COLUMNS)


def _args(schema_class) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Parse the query with the API's schema; on errors fall back to the defaults and hand
    the messages to the template, which ties each to its field."""
    schema = schema_class()
    raw = {key: value for key, value in request.args.items() if value != ""}
    try:
        return schema.load(raw, unknown="exclude"), {}
    except ValidationError as exc:
        errors = {key: list(value) if isinstance(value, list) else [str(value)]
                  for key, value in exc.messages.items()}
        cleaned = {key: value for key, value in raw.items() if key not in errors}
        return schema.load(cleaned, unknown="exclude"), errors


def _filter_query(args: dict[str, Any]) -> dict[str, str]:
    query = {}
    for key in FILTER_KEYS:
        value = args.get(key)
        if value not in (None, ""):
            query[key] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return query


# The parts of each organisation unit's bar, in drawing order (figures of Figures).
OVERVIEW_PARTS = (("completed", "Completed"), ("in_progress", "In progress"),
                  ("not_started", "Not started"))


def _titles() -> dict[str, str]:
    """Course titles in the interface language, by slug (slug order)."""
    language = current_language()
    return {slug: text_in(title, language) or slug
            for slug, title in course_titles(get_session()).items()}


@bp.get("/reports")
@roles(*HR_ROLES)
def overview():
    """The figures HR reports upward, at a glance: per organisation unit and course,
    enrolled / in progress / completed / passed and the completion rate, as charts first and
    then as tables with the same figures."""
    session = get_session()
    titles = _titles()
    course = request.args.get("course") or None
    course_error = None
    if course is not None and course not in titles:
        course_error = _("Choose one of the listed courses.")
        course = None
    figures = completion_overview(session, course)
    no_unit = _("No organisation unit")
    units_chart = stacked_bars(
        [(unit.organisation_unit or no_unit,
          [getattr(unit.figures, key) for key, _label in OVERVIEW_PARTS])
         for unit in figures.units],
        [_(label) for _key, label in OVERVIEW_PARTS])
    weekly = completions_per_week(session, ReportFilters(course=course))
    weekly_chart = bar_chart([(monday.strftime("%d.%m."), count) for monday, count in weekly],
                             height=220)
    return render_template(
        "hr/overview.html", overview=figures, titles=titles, course=course,
        course_error=course_error, units_chart=units_chart, weekly_chart=weekly_chart,
        no_unit=no_unit), (422 if course_error else 200)


@bp.get("/reports/completions")
@roles(*HR_ROLES)
def completions():
    """The completion report page."""
    args, errors = _args(CompletionQuerySchema)
    session = get_session()
    filters = filters_from(args)
    names = configured_destinations(current_app)
    result = completion_page(session, filters, destinations=names, sort=args["sort"],
                             direction=args["direction"], page=args["page"],
                             per_page=args["per_page"])
    weekly = completions_per_week(session, filters)
    chart = bar_chart([(monday.strftime("%d.%m."), count) for monday, count in weekly])
    query = _filter_query(args)
    status = 422 if errors else 200
    return render_template(
        "hr/completions.html", result=result, args=args, errors=errors, query=query,
        raw=MultiDict(request.args), courses=_titles(),
        units=organisation_units(session), statuses=STATUSES, status_labels=STATUS_LABELS,
        date_fields=DATE_FIELDS, date_field_labels=DATE_FIELD_LABELS,
        headers=SORTABLE_HEADERS, weekly=weekly, chart=chart), status


@bp.get("/reports/completions.csv")
@roles(*HR_ROLES)
def completions_csv():
    """The report as CSV with the page's filters; ``delimiter=semicolon`` for Finnish Excel."""
    args, errors = _args(CsvQuerySchema)
    if errors:
        abort(422, description=_("The filters are invalid: %(fields)s",
                                 fields=", ".join(sorted(errors))))
    return csv_response(args)


class ResendForm(FlaskForm):
    """Only the CSRF token: the destination is in the URL."""


@bp.get("/delivery")
@roles(*HR_ROLES)
def delivery():
    """Delivery health of every LRS destination, with the backlog over time (``span``
    ``48h`` hourly or ``14d`` daily), its chart and table."""
    session = get_session()
    now = utcnow()
    health = destination_health(session, configured_destinations(current_app), now=now)
    span_key = request.args.get("span", DEFAULT_SPAN)
    span_error = None
    if span_key not in SPANS:
        span_error = _("Choose one of the listed periods.")
        span_key = DEFAULT_SPAN
    span = SPANS[span_key]
    series = backlog_series(session, [entry.name for entry in health], now=now, span=span)
    hourly = span.step.total_seconds() < 86400
    labels = [_moment_label(moment) for moment in series.moments]
    chart = line_chart(labels, series.counts, tick_every=6 if hourly else 2)
    lms = None
    if current_app.extensions.get("elearn.lti.advantage"):  # LMS grade passback
        from elearn.lti.hr_views import passback_section
        lms = passback_section(session)
    return render_template("hr/delivery.html", health=health, now=now, chart=chart, lms=lms,
                           age_text=age_text, spans=SPANS, span=span, span_error=span_error,
                           backlog_rows=list(zip(labels, (values for _m, values in series.rows()))),
                           backlog_summary=_backlog_summary(series, labels)), \
        (422 if span_error else 200)


def _moment_label(moment) -> str:
    """Day and time in Finland (daily points fall at the current time of day)."""
    return moment.astimezone(HELSINKI).strftime("%d.%m. %H:%M")


def _backlog_summary(series: BacklogSeries, labels: list[str]) -> str:
    """The chart's description: per destination the backlog now and its highest point."""
    parts = []
    for name, values in series.counts.items():
        peak = max(values, default=0)
        parts.append(_("%(name)s: %(now)s queued now, at most %(peak)s (%(when)s)",
                       name=name, now=values[-1] if values else 0, peak=peak,
                       when=labels[values.index(peak)] if values else "–"))
    return "; ".join(parts) if parts else _("No destinations.")


def age_text(age) -> str:
    """A queue age people can read at a glance: minutes, hours and minutes, or days."""
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return _("%(minutes)s min", minutes=minutes)
    if minutes < 24 * 60:
        return _("%(hours)s h %(minutes)s min", hours=minutes // 60, minutes=minutes % 60)
    return _("%(days)s d %(hours)s h", days=minutes // (24 * 60), hours=minutes // 60 % 24)


def _known_destination(name: str) -> str:
    if name not in destination_names(get_session(), configured_destinations(current_app)):
        abort(404)
    return name


@bp.get("/delivery/<name>/resend")
@roles(*HR_ROLES)
def resend_confirm(name: str):
    """Confirmation step before dead-lettered statements are queued again."""
    name = _known_destination(name)
    return render_template("hr/resend_confirm.html", name=name,
                           count=dead_count(get_session(), name), form=ResendForm())


@bp.post("/delivery/<name>/resend")
@roles(*HR_ROLES)
def resend(name: str):
    """Move the destination's dead-lettered deliveries back to pending."""
    name = _known_destination(name)
    form = ResendForm()
    if not form.validate_on_submit():
        abort(400)
    moved = resend_dead(get_session(), name)
    flash(ngettext("%(count)s dead-lettered statement for %(name)s is queued again.",
                   "%(count)s dead-lettered statements for %(name)s are queued again.", moved,
                   count=moved, name=name), "info")
    return redirect(url_for("hr.delivery"))


def init_app(app: Flask) -> None:
    """Register the HR pages, API, CLI, navigation and the HR landing page."""
    from elearn import api
    from elearn.api import reports as reports_api
    from elearn.hr_cli import register_cli
    from elearn.web.nav import register_nav

    app.register_blueprint(bp)
    api.register(reports_api.blp)
    register_cli(app)
    app.config["ROLE_LANDING"].setdefault("hr", "hr.overview")
    # One entry for the overview and the report under it (/hr/reports/...).
    register_nav(app, "hr.overview", "Completions", order=50)
    register_nav(app, "hr.delivery", "Delivery health", order=55)
