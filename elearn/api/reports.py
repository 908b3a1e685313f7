"""/api/reports: the completion report as JSON pages or a CSV download (HR and admin).

The query-argument schema is shared with the HR pages and CLI, so a filter means the same
everywhere and an invalid one is refused with 422 naming the field.
"""
from __future__ import annotations

from flask import Response, current_app, stream_with_context
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from elearn.access import roles
from elearn.db import get_db, get_session
from elearn.models import Role
from elearn.privacy import audit
from elearn.services.reports import (CSV_HEADER, DATE_FIELDS, MAX_PER_PAGE, SORT_COLUMNS,
                                     STATUSES, ReportFilters, completion_page, configured_destinations,
                                     csv_lines, iter_completion_rows)

HR_ROLES = (Role.HR, Role.ADMIN)
MAX_PAGE = 1_000_000  # far beyond any report; keeps OFFSET within the database's integers
DELIMITERS = {"comma": ",", "semicolon": ";", ",": ",", ";": ";"}

blp = Blueprint("reports_api", __name__, url_prefix="/api/reports",
                description="Completion reports for HR (roles hr and admin)")


class CompletionFilterSchema(Schema):
    """Filters of the completion report (pages, API, CSV)."""

    course = fields.String(validate=validate.Length(max=100),
                           metadata={"description": "Course slug"})
    organisation_unit = fields.String(validate=validate.Length(max=200))
    date_field = fields.String(load_default="enrolled", validate=validate.OneOf(DATE_FIELDS),
                               metadata={"description": "Which date since/until apply to"})
    since = fields.Date(metadata={"description": "First day (Finnish time), inclusive"})
    until = fields.Date(metadata={"description": "Last day (Finnish time), inclusive"})
    status = fields.String(validate=validate.OneOf(STATUSES))

    @validates_schema
    def _range(self, data, **_kwargs):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("must not be before since", "until")


class CompletionQuerySchema(CompletionFilterSchema):
    sort = fields.String(load_default="enrolled_at", validate=validate.OneOf(sorted(SORT_COLUMNS)))
    direction = fields.String(load_default="asc", validate=validate.OneOf(("asc", "desc")))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class CsvQuerySchema(CompletionFilterSchema):
    sort = fields.String(load_default="enrolled_at", validate=validate.OneOf(sorted(SORT_COLUMNS)))
    direction = fields.String(load_default="asc", validate=validate.OneOf(("asc", "desc")))
    delimiter = fields.String(load_default="comma", validate=validate.OneOf(sorted(DELIMITERS)),
                              metadata={"description": "comma (default) or semicolon "
                                                       "(Finnish Excel)"})
    headers = fields.String(load_default="keys", validate=validate.OneOf(("keys", "language")),
                            metadata={"description": "keys (default): machine-stable column "
                                                     "names; language: column names in the "
                                                     "interface language, for people"})


class CompletionRowSchema(Schema):
    name = fields.String()
    opaque_id = fields.String()
    username = fields.String()
    organisation_unit = fields.String()
    course = fields.String()
    version = fields.Integer()
    enrolled_at = fields.AwareDateTime()
    progress_percent = fields.Integer()
    completed_at = fields.AwareDateTime(allow_none=True)
    score = fields.Float(allow_none=True)
    passed = fields.Boolean()
    deliveries = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                             metadata={"description": "Per LRS destination: delivery state "
                                       "of the course-completion statement (delivered, "
                                       "pending, dead) or null when there is none"})


class PaginationSchema(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


class CompletionPageSchema(Schema):
    rows = fields.List(fields.Nested(CompletionRowSchema))
    pagination = fields.Nested(PaginationSchema)
    destinations = fields.List(fields.String())


def filters_from(args: dict) -> ReportFilters:
    return ReportFilters(course=args.get("course") or None,
                         organisation_unit=args.get("organisation_unit") or None,
                         date_field=args.get("date_field", "enrolled"),
                         since=args.get("since"), until=args.get("until"),
                         status=args.get("status") or None)


# Column names for people, in the interface language (the machine-stable keys are
# elearn.services.reports.CSV_HEADER); the order is the same.
CSV_LABELS = {"name": "Learner", "opaque_id": "Opaque id", "username": "Username",
              "organisation_unit": "Organisation unit", "course": "Course",
              "version": "Version", "enrolled_at": "Enrolled (UTC)",
              "progress_percent": "Progress (%)", "completed_at": "Completed (UTC)",
              "score": "Quiz score (0–1)", "passed": "Passed"}


def csv_labels(destinations) -> list[str]:
    """The CSV's header row in the interface language."""
    from elearn.i18n import gettext
    return [*(gettext(CSV_LABELS[key]) for key in CSV_HEADER),
            *(gettext("Completion delivered to LRS %(name)s", name=name)
              for name in destinations)]


def csv_response(args: dict) -> Response:
    """Stream the CSV: rows are read in batches while the response is written.

    The stream reads through its own session, closed when the last row is sent (or the
    client goes away): the request's session is committed and closed before a streamed
    body is produced, so it must not be used here."""
    names = configured_destinations(current_app)
    delimiter = DELIMITERS[args.get("delimiter", "comma")]
    header = csv_labels(names) if args.get("headers") == "language" else None
    filters = filters_from(args)
    sort, direction = args.get("sort", "enrolled_at"), args.get("direction", "asc")
    logged = {key: value for key, value in args.items()
              if not (key == "headers" and value == "keys")}  # the default is not a filter
    audit.record(get_session(), "hr_report_download", actor_id=current_user.id,
                 details={"filters": audit.plain_filters(logged)})
    session = get_db().sessionmaker()

    def body():
        try:
            rows = iter_completion_rows(session, filters, destinations=names, sort=sort,
                                        direction=direction)
            for chunk in csv_lines(rows, names, delimiter, header=header):
                yield chunk.encode("utf-8")
        finally:
            session.close()

    response = Response(stream_with_context(body()), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="completions.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.get("/completions")
@blp.arguments(CompletionQuerySchema, location="query", as_kwargs=False)
@blp.response(200, CompletionPageSchema)
@roles(*HR_ROLES)
def completions(args):
    """One page of the completion report (one row per learner and course version)."""
    result = completion_page(get_session(), filters_from(args),
                             destinations=configured_destinations(current_app),
                             sort=args["sort"], direction=args["direction"],
                             page=args["page"], per_page=args["per_page"])
    return {"rows": result.rows, "destinations": result.destinations,
            "pagination": {"page": result.page, "per_page": result.per_page,
                           "total": result.total, "pages": result.pages}}


@blp.get("/completions.csv")
@blp.arguments(CsvQuerySchema, location="query", as_kwargs=False)
@blp.response(200, content_type="text/csv",
              description="UTF-8 with BOM, header row, ISO 8601 UTC timestamps")
@roles(*HR_ROLES)
def completions_csv(args):
    """The whole filtered report as CSV (streamed)."""
    return csv_response(args)
