"""The xAPI read API under ``/xapi/``: HR's systems pull statements as from any LRS.

``GET /xapi/about`` is public.  ``GET``/``HEAD /xapi/statements`` need HTTP Basic
credentials issued with ``elearn xapi credentials create`` and the
``X-Experience-API-Version`` header (1.0.x), as xAPI 1.0.3 requires of every request.  Any
parameter this resource does not define is refused with 400 naming it, so a typo in a
filter cannot silently return everything.
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from email.utils import format_datetime

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import func, select

from elearn.access import http_basic, public
from elearn.db import get_session, utcnow
from elearn.errors import APIError
from elearn.models.xapi import XapiStatement
from elearn.xapi.clients import authenticate
from elearn.xapi.served import authority_agent, authority_key, served
from elearn.xapi.statement_query import (MORE, PARAMETERS, SINGLE_COMPANIONS, bad,
                                         decode_cursor, encode_cursor, parse_format,
                                         parse_query, parse_uuid)
from elearn.xapi.statements import format_timestamp

XAPI_VERSION = "1.0.3"
# Statements are written in the learner's transaction, which may commit a moment after its
# rows got their ``stored`` time; we vouch only for what is older than this.
CONSISTENCY_MARGIN = timedelta(seconds=5)

bp = Blueprint("xapi_read", __name__, url_prefix="/xapi")


@bp.after_request
def _xapi_headers(response: Response) -> Response:
    """Every answer carries the version; statement answers also the consistency time."""
    response.headers["X-Experience-API-Version"] = XAPI_VERSION
    if request.endpoint == "xapi_read.statements":
        response.headers["X-Experience-API-Consistent-Through"] = format_timestamp(
            utcnow() - CONSISTENCY_MARGIN)
    return response


@bp.get("/about")
@public
def about():
    """The xAPI versions this LRS speaks (Communication §2.8)."""
    return jsonify(version=[XAPI_VERSION])


def _require_client() -> None:
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username or auth.password is None:
        raise APIError(401, "Send HTTP Basic credentials issued with "
                            "`elearn xapi credentials create`.")
    if authenticate(get_session(), auth.username, auth.password, utcnow()) is None:
        raise APIError(401, "Unknown or revoked credentials.")


def _require_version() -> None:
    version = request.headers.get("X-Experience-API-Version")
    if version is None:
        raise APIError(400, "The X-Experience-API-Version header is required (1.0.3).",
                       details={"fields": {"X-Experience-API-Version": ["required"]}})
    if not (version == "1.0" or version.startswith("1.0.")):
        raise APIError(400, f"X-Experience-API-Version {version!r} is not supported; use 1.0.3.",
                       details={"fields": {"X-Experience-API-Version": ["unsupported version"]}})


def _json(body: object, stored: datetime | None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                        mimetype="application/json")
    if stored is not None:
        response.headers["Last-Modified"] = format_datetime(stored, usegmt=True)
    return response


def _pick_language():
    """For ``format=canonical``: the language the client accepts best, else the service's
    default language, else the first one the map has."""
    default = current_app.config.get("DEFAULT_LANGUAGE", "fi")

    def pick(keys: list[str]) -> str | None:
        chosen = request.accept_languages.best_match(keys)
        return chosen or (default if default in keys else keys[0])
    return pick


@bp.route("/statements", methods=["GET"])
@http_basic
def statements():
    """Statements in stored order (newest first unless ``ascending=true``), or one by id."""
    _require_client()
    _require_version()
    args = request.args
    for name in args:
        if len(args.getlist(name)) > 1:
            raise bad(name, "given more than once")
    unknown = sorted(set(args) - PARAMETERS - {MORE})
    if unknown:
        raise APIError(400, f"unknown parameter {unknown[0]!r}; see xAPI 1.0.3 "
                            "Communication 2.1.3",
                       details={"fields": {name: ["unknown parameter"] for name in unknown}})
    authority = authority_agent(current_app.config["PUBLIC_URL"])
    if "statementId" in args or "voidedStatementId" in args:
        return _single(args, authority)
    if MORE in args:
        if len(args) > 1:
            raise bad(MORE, "a more link is complete; send no other parameters with it")
        query = decode_cursor(args[MORE], current_app.config["SECRET_KEY"])
    else:
        query = parse_query(args, default_limit=int(current_app.config["XAPI_READ_LIMIT"]),
                            max_limit=int(current_app.config["XAPI_READ_MAX_LIMIT"]),
                            authority_key=authority_key(current_app.config["PUBLIC_URL"]))
    session = get_session()
    if query.through is None:  # first page: pin what later pages may contain
        query = replace(query, through=session.scalar(select(func.max(XapiStatement.id))))
    rows = list(session.scalars(query.statements()))
    page, more = rows[:query.limit], len(rows) > query.limit
    pick = _pick_language()
    body = {"statements": [served(row, authority=authority, fmt=query.format,
                                  pick_language=pick) for row in page],
            "more": ""}
    if more and page:
        token = encode_cursor(query.next_page(page[-1].id),
                              current_app.config["SECRET_KEY"])
        body["more"] = url_for("xapi_read.statements") + f"?{MORE}={token}"
    newest = max((row.stored_at for row in page), default=None)
    return _json(body, newest)


def _single(args, authority):
    """``statementId`` / ``voidedStatementId``: one statement or 404."""
    if "statementId" in args and "voidedStatementId" in args:
        raise bad("statementId", "give statementId or voidedStatementId, not both")
    extra = sorted(set(args) - {"statementId", "voidedStatementId"} - SINGLE_COMPANIONS)
    if extra:
        raise bad(extra[0], "not allowed with statementId or voidedStatementId")
    fmt = parse_format(args)
    if "voidedStatementId" in args:
        parse_uuid("voidedStatementId", args["voidedStatementId"])
        # This service never voids statements, so no voided statement exists to fetch.
        raise APIError(404, "No voided statement with this id.")
    statement_id = parse_uuid("statementId", args["statementId"])
    row = get_session().scalar(select(XapiStatement)
                               .where(XapiStatement.statement_id == statement_id))
    if row is None:
        raise APIError(404, "No statement with this id.")
    return _json(served(row, authority=authority, fmt=fmt, pick_language=_pick_language()),
                 row.stored_at)
