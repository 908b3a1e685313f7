"""The xAPI read API under ``/xapi/``: a read-only statement resource (not an LRS) from
which HR's systems pull statements with any standard xAPI client.

``GET /xapi/about`` is public.  ``GET``/``HEAD /xapi/statements`` (also as the alternate
request syntax, ``POST ?method=GET|HEAD`` with headers and parameters as form fields) need
HTTP Basic credentials issued with ``elearn xapi credentials create`` and the
``X-Experience-API-Version`` header (1.0.x), as xAPI 1.0.3 requires of every request; so does
``GET /xapi/activities?activityId=`` (an activity's definition from its statements).  Any
parameter this resource does not define is refused with 400 naming it, so a typo in a
filter cannot silently return everything.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import Authorization, Headers, LanguageAccept, MultiDict
from werkzeug.http import parse_accept_header

from elearn.access import http_basic, public
from elearn.db import get_session, utcnow
from elearn.errors import APIError
from elearn.models.xapi import XapiStatement
from elearn.xapi.clients import authenticate
from elearn.xapi import activities as acts
from elearn.xapi.consistency import consistent_through
from elearn.xapi.served import authority_agent, authority_key, served
from elearn.xapi.statement_query import (MORE, PARAMETERS, SINGLE_COMPANIONS, bad,
                                         check_repeated, decode_cursor, encode_cursor,
                                         in_context, parse_attachments, parse_format,
                                         parse_query, parse_uuid)
from elearn.xapi.vocabulary import MASTERY_SCORE_EXTENSION, PROGRESS_EXTENSION
from elearn.xapi.statements import format_timestamp

XAPI_VERSION = "1.0.3"

bp = Blueprint("xapi_read", __name__, url_prefix="/xapi")


@bp.after_request
def _xapi_headers(response: Response) -> Response:
    """Every answer carries the version (statement answers also their consistency point)."""
    response.headers["X-Experience-API-Version"] = XAPI_VERSION
    return response


@bp.get("/about")
@public
def about():
    """The xAPI versions this resource speaks (Communication §2.8), and under this profile's
    ``served`` extension what it serves: its resources and the extensions its statements
    carry (docs/xapi-profile.md)."""
    public_url = current_app.config["PUBLIC_URL"]
    served_extension = acts.extension_iri(public_url, "served")
    return jsonify(version=[XAPI_VERSION], extensions={served_extension: {
        "profile": acts.profile_iri(public_url),
        "resources": [url_for("xapi_read.about"), url_for("xapi_read.statements"),
                      url_for("xapi_read.activities")],
        "readOnly": True,
        "statementExtensions": statement_extensions(public_url)}})


def statement_extensions(public_url: str) -> list[str]:
    """Every extension IRI the served statements may carry."""
    return sorted([MASTERY_SCORE_EXTENSION, PROGRESS_EXTENSION,
                   acts.extension_iri(public_url, "attempt"),
                   acts.extension_iri(public_url, "attempt-id")])


def _require_client(headers) -> None:
    auth = Authorization.from_header(headers.get("Authorization"))
    if auth is None or auth.type != "basic" or not auth.username or auth.password is None:
        raise APIError(401, "Send HTTP Basic credentials issued with "
                            "`elearn xapi credentials create`.")
    if authenticate(get_session(), auth.username, auth.password, utcnow()) is None:
        raise APIError(401, "Unknown or revoked credentials.")


def _require_version(headers) -> None:
    version = headers.get("X-Experience-API-Version")
    if version is None:
        raise APIError(400, "The X-Experience-API-Version header is required (1.0.3).",
                       details={"fields": {"X-Experience-API-Version": ["required"]}})
    if not (version == "1.0" or version.startswith("1.0.")):
        raise APIError(400, f"X-Experience-API-Version {version!r} is not supported; use 1.0.3.",
                       details={"fields": {"X-Experience-API-Version": ["unsupported version"]}})


def _json(body: object, stored: datetime | None, *, attachments: bool = False) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    if attachments:
        response = _multipart(text)
    else:
        response = Response(text, mimetype="application/json")
    if stored is not None:
        response.headers["Last-Modified"] = format_datetime(stored, usegmt=True)
    return response


def _multipart(text: str) -> Response:
    """``attachments=true`` (Communication §2.1.3): ``multipart/mixed`` whose first part is
    the statement result; these statements carry no attachments, so no other part follows."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{text}\r\n"
            f"--{boundary}--\r\n")
    return Response(body.encode("utf-8"),
                    content_type=f"multipart/mixed; boundary={boundary}")


def _pick_language(headers):
    """For ``format=canonical``: the language the client accepts best, else the service's
    default language, else the first one the map has."""
    default = current_app.config.get("DEFAULT_LANGUAGE", "fi")
    accepted = parse_accept_header(headers.get("Accept-Language"), LanguageAccept)

    def pick(keys: list[str]) -> str | None:
        chosen = accepted.best_match(keys)
        return chosen or (default if default in keys else keys[0])
    return pick


class _Request:
    """What a statements request says: parameters and headers, read from the query string and
    headers, or for the alternate request syntax (Communication §1.3) from the form."""

    def __init__(self, args, headers):
        self.args = args
        self.headers = headers

    @classmethod
    def current(cls) -> "_Request":
        if request.method != "POST":
            return cls(request.args, request.headers)
        return cls._alternate()

    @classmethod
    def _alternate(cls) -> "_Request":
        """``POST /xapi/statements?method=GET|HEAD`` with the headers and parameters as form
        fields; ``method`` is then the only query parameter allowed."""
        method = request.args.get("method")
        if method not in ("GET", "HEAD"):
            _require_client(request.headers)  # who may not read learns nothing more
            raise APIError(405, "This resource answers GET and HEAD only; POST is for "
                                "the alternate syntax with method=GET or method=HEAD.")
        if request.mimetype != "application/x-www-form-urlencoded":
            _require_client(request.headers)
            raise APIError(415, "Send the alternate request syntax as "
                                "application/x-www-form-urlencoded.")
        extra = sorted(set(request.args) - {"method"})
        if extra:
            raise bad(extra[0], "with method= send every parameter as a form field")
        form = request.form
        for name in form:
            if len(form.getlist(name)) > 1:
                raise bad(name, "given more than once")
        names = {name.lower(): name for name in form}
        headers = Headers(request.headers)
        params = MultiDict()
        for name in form:
            if name.lower() in _FORM_HEADERS:
                headers[names[name.lower()]] = form[name]
            elif name == "content":
                raise bad("content", "GET and HEAD take no content")
            else:
                params[name] = form[name]
        return cls(params, headers)


# Headers a client may send as form fields in the alternate request syntax.
_FORM_HEADERS = {"authorization", "x-experience-api-version", "accept-language",
                 "content-type", "if-match", "if-none-match"}


@bp.route("/statements", methods=["GET", "POST"])
@http_basic
def statements():
    """Statements in stored order (newest first unless ``ascending=true``), or one by id."""
    asked = _Request.current()
    head = request.method == "HEAD" or (request.method == "POST"
                                         and request.args.get("method") == "HEAD")
    _require_client(asked.headers)
    _require_version(asked.headers)
    args = asked.args
    for name in args:
        if len(args.getlist(name)) > 1:
            raise bad(name, "given more than once")
    unknown = sorted(set(args) - PARAMETERS - {MORE})
    if unknown:
        raise APIError(400, f"unknown parameter {unknown[0]!r}; see xAPI 1.0.3 "
                            "Communication 2.1.3",
                       details={"fields": {name: ["unknown parameter"] for name in unknown}})
    authority = authority_agent(current_app.config["PUBLIC_URL"])
    session = get_session()
    pick = _pick_language(asked.headers)
    if "statementId" in args or "voidedStatementId" in args:
        return _finish(_single(args, authority, pick), head)
    max_limit = int(current_app.config["XAPI_READ_MAX_LIMIT"])
    authority_id = authority_key(current_app.config["PUBLIC_URL"])
    if MORE in args:
        query = decode_cursor(args[MORE], current_app.config["SECRET_KEY"])
        check_repeated(args, query, max_limit=max_limit, authority_key=authority_id)
    else:
        query = parse_query(args, max_limit=max_limit, authority_key=authority_id)
    through = consistent_through(session)
    if query.through is None:  # first page: pin what later pages may contain
        query = replace(query, through=through.isoformat())
    rows = list(session.scalars(query.statements()))
    page, more = rows[:query.limit], len(rows) > query.limit
    body = {"statements": [served(row, authority=authority, fmt=query.format,
                                  pick_language=pick) for row in page],
            "more": ""}
    if more and page:
        token = encode_cursor(query.next_page(page[-1]), current_app.config["SECRET_KEY"])
        body["more"] = url_for("xapi_read.statements") + f"?{MORE}={token}"
    newest = max((row.stored_at for row in page), default=None)
    response = _json(body, newest, attachments=query.attachments)
    response.headers["X-Experience-API-Consistent-Through"] = format_timestamp(through)
    return _finish(response, head)


@bp.route("/activities", methods=["GET", "POST"])
@http_basic
def activities():
    """``GET /xapi/activities?activityId=<IRI>`` (Communication §2.5): the Activity with the
    definition its newest statement carries; an Activity of the id alone when no statement
    defines it, as the spec asks."""
    asked = _Request.current()
    head = request.method == "HEAD" or (request.method == "POST"
                                         and request.args.get("method") == "HEAD")
    _require_client(asked.headers)
    _require_version(asked.headers)
    args = asked.args
    unknown = sorted(set(args) - {"activityId"})
    if unknown:
        raise APIError(400, f"unknown parameter {unknown[0]!r}; this resource takes "
                            "activityId only",
                       details={"fields": {name: ["unknown parameter"] for name in unknown}})
    if "activityId" not in args:
        raise bad("activityId", "required")
    if len(args.getlist("activityId")) > 1:
        raise bad("activityId", "given more than once")
    activity_id = args["activityId"]
    parts = urlsplit(activity_id)
    if not parts.scheme or not (parts.netloc or parts.path) or len(activity_id) > 500 \
            or any(c.isspace() for c in activity_id):
        raise bad("activityId", "expected an IRI")
    activity = _defined_activity(get_session(), activity_id) or {
        "objectType": "Activity", "id": activity_id}
    return _finish(_json(activity, None), head)


def _defined_activity(session, activity_id: str) -> dict | None:
    """The newest definition of ``activity_id`` as a statement's object, else as one of its
    context activities (the profile's category carries one)."""
    newest = (XapiStatement.stored_at.desc(), XapiStatement.id.desc())
    row = session.scalar(select(XapiStatement).where(XapiStatement.activity_id == activity_id)
                         .order_by(*newest).limit(1))
    if row is not None:
        found = json.loads(row.payload)["object"]
        return {"objectType": "Activity", **found}
    for row in session.scalars(select(XapiStatement).where(in_context(activity_id))
                               .order_by(*newest).limit(20)):
        context = json.loads(row.payload).get("context") or {}
        for value in (context.get("contextActivities") or {}).values():
            for found in value if isinstance(value, list) else [value]:
                if found.get("id") == activity_id and "definition" in found:
                    return {"objectType": "Activity", **found}
    return None


def _finish(response: Response, head: bool) -> Response:
    """HEAD (also through the alternate syntax) answers the headers of GET, no body."""
    if head and request.method == "POST":
        length = response.calculate_content_length()
        response.set_data(b"")
        if length is not None:
            response.headers["Content-Length"] = str(length)
    return response


def _single(args, authority, pick) -> Response:
    """``statementId`` / ``voidedStatementId``: one statement or 404."""
    if "statementId" in args and "voidedStatementId" in args:
        raise bad("statementId", "give statementId or voidedStatementId, not both")
    extra = sorted(set(args) - {"statementId", "voidedStatementId"} - SINGLE_COMPANIONS)
    if extra:
        raise bad(extra[0], "not allowed with statementId or voidedStatementId")
    fmt = parse_format(args)
    attachments = parse_attachments(args)
    through = consistent_through(get_session())
    if "voidedStatementId" in args:
        parse_uuid("voidedStatementId", args["voidedStatementId"])
        # Statements voided at an erasure are deleted from the outbox (elearn.xapi.voiding);
        # their voiding statements are served like any other, so none can be fetched.
        raise APIError(404, "No voided statement with this id.")
    statement_id = parse_uuid("statementId", args["statementId"])
    row = get_session().scalar(select(XapiStatement)
                               .where(XapiStatement.statement_id == statement_id))
    if row is None:
        raise APIError(404, "No statement with this id.")
    response = _json(served(row, authority=authority, fmt=fmt, pick_language=pick),
                     row.stored_at, attachments=attachments)
    response.headers["X-Experience-API-Consistent-Through"] = format_timestamp(through)
    return response
