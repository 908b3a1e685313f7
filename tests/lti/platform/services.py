"""The test platform's LTI Advantage services: token endpoint, Assignment and Grade Services
(line items, scores) and Names and Role Provisioning (memberships).

Everything security-relevant is done by ``lti1p3platform`` (an independent implementation of
the platform side): it checks the client-credentials request, fetches the tool's JWKS over
HTTP from the tool's ``/lti/jwks`` and verifies the RS256 client assertion against it, signs
the access tokens, and verifies them on every service call.  On top of the library this module
refuses what the library lets through — an assertion whose ``aud`` is not the token URL, whose
``iss``/``sub`` is not the client id, or whose ``jti`` was seen before — and a new platform
configuration is built for each token request, so a key rotated in the tool is fetched again.

Every request is recorded (:class:`ServiceRecord`) for the tests to read, and each endpoint
can be told to misbehave (:class:`Fault`: an HTTP status, a delay, for a number of calls) so
the tests can show that a platform that is down, slow or refusing loses no score.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import jwt as pyjwt
from flask import Blueprint, Response, jsonify, request
from lti1p3platform.exceptions import (LtiException, MissingRequiredClaim,
                                       UnsupportedGrantType)
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.registration import Registration

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEMBERSHIP_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_MEMBERSHIPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ACTIVITY_PROGRESS = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING_PROGRESS = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}


@dataclass
class Fault:
    """Make an endpoint misbehave: answer ``status`` (None: answer normally) after waiting
    ``delay`` seconds, for the next ``times`` calls (None: until cleared)."""

    status: int | None = 503
    delay: float = 0.0
    times: int | None = None
    body: str = '{"error": "temporarily_unavailable"}'


@dataclass
class ServiceRecord:
    """What the platform's services received, and what they hold."""

    token_requests: list[dict[str, Any]] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)  # accepted, in order received
    score_requests: list[dict[str, Any]] = field(default_factory=list)  # every POST
    lineitems: dict[str, dict[str, Any]] = field(default_factory=dict)
    lineitem_requests: list[dict[str, Any]] = field(default_factory=list)
    membership_requests: list[dict[str, Any]] = field(default_factory=list)
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # context -> members
    contexts: dict[str, str] = field(default_factory=dict)  # context id -> title
    faults: dict[str, Fault] = field(default_factory=dict)  # token|scores|lineitems|memberships
    refused_scores: dict[str, int] = field(default_factory=dict)  # lineitem id -> status
    revoked_tokens: set[str] = field(default_factory=set)
    issued_tokens: list[str] = field(default_factory=list)
    seen_jti: set[str] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def results(self, lineitem_id: str) -> dict[str, dict[str, Any]]:
        """The gradebook: per user the score with the newest timestamp for ``lineitem_id``."""
        with self.lock:
            found: dict[str, dict[str, Any]] = {}
            for score in self.scores:
                if score["lineitem"] == lineitem_id:
                    found[score["body"]["userId"]] = score["body"]
            return found

    def revoke_all_tokens(self) -> None:
        """Forget every issued token (a platform restart): services answer 401 to them."""
        with self.lock:
            self.revoked_tokens.update(self.issued_tokens)


@dataclass
class PlatformServices:
    """One platform's services for one registered tool, served under ``base_url``."""

    base_url: str
    issuer: str
    client_id: str
    tool_jwks_url: str
    private_key_pem: str
    public_key_pem: str
    record: ServiceRecord = field(default_factory=ServiceRecord)

    # -- helpers for the launch side (the AGS and NRPS claims of an id_token) ---------------

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    def lineitems_url(self, context_id: str) -> str:
        return f"{self.base_url}/ags/{quote(context_id, safe='')}/lineitems"

    def lineitem_url(self, context_id: str, lineitem_id: str) -> str:
        return f"{self.lineitems_url(context_id)}/{quote(lineitem_id, safe='')}"

    def memberships_url(self, context_id: str) -> str:
        return f"{self.base_url}/nrps/{quote(context_id, safe='')}/memberships"

    def add_lineitem(self, context_id: str, *, label: str, score_maximum: float = 100,
                     resource_link_id: str | None = None, tag: str = "") -> str:
        """Create a gradebook column (as a teacher adding the activity does); its id."""
        with self.record.lock:
            lineitem_id = f"{len(self.record.lineitems) + 1}"
            self.record.lineitems[lineitem_id] = {
                "context": context_id, "label": label, "scoreMaximum": score_maximum,
                "resourceLinkId": resource_link_id, "tag": tag}
            return lineitem_id

    def ags_claim(self, context_id: str, lineitem_id: str | None = None,
                  scopes: list[str] | None = None) -> dict[str, Any]:
        """The ``endpoint`` claim for a launch."""
        claim: dict[str, Any] = {
            "scope": scopes or [SCOPE_LINEITEM, SCOPE_RESULT_READONLY, SCOPE_SCORE],
            "lineitems": self.lineitems_url(context_id)}
        if lineitem_id is not None:
            claim["lineitem"] = self.lineitem_url(context_id, lineitem_id)
        return claim

    def nrps_claim(self, context_id: str) -> dict[str, Any]:
        return {"context_memberships_url": self.memberships_url(context_id),
                "service_versions": ["2.0"]}

    def set_members(self, context_id: str, title: str, members: list[dict[str, Any]]) -> None:
        with self.record.lock:
            self.record.contexts[context_id] = title
            self.record.members[context_id] = list(members)

    # -- lti1p3platform --------------------------------------------------------------------

    def conf(self) -> LTI1P3PlatformConfAbstract:
        """A fresh platform configuration (so the tool's JWKS is fetched again)."""
        services = self

        class _Conf(LTI1P3PlatformConfAbstract):
            def init_platform_config(self, **kwargs: Any) -> None:
                pass

            def get_registration_by_params(self, **kwargs: Any) -> Registration:
                return (Registration().set_iss(services.issuer)
                        .set_client_id(services.client_id)
                        .set_tool_key_set_url(services.tool_jwks_url)
                        .set_platform_public_key(services.public_key_pem)
                        .set_platform_private_key(services.private_key_pem))

        conf = _Conf()
        conf.get_registration()
        return conf


def _fault(services: PlatformServices, name: str) -> Response | None:
    """Apply the endpoint's fault, if any: wait, then answer its status."""
    with services.record.lock:
        fault = services.record.faults.get(name)
        if fault is None:
            return None
        if fault.times is not None:
            fault.times -= 1
            if fault.times <= 0:
                del services.record.faults[name]
    if fault.delay:
        time.sleep(fault.delay)
    if fault.status is None:
        return None
    return Response(fault.body, status=fault.status, mimetype="application/json")


def _oauth_error(code: str, description: str, status: int = 400) -> Response:
    response = jsonify(error=code, error_description=description)
    response.status_code = status
    return response


def _bearer(services: PlatformServices, scopes: list[str]) -> Response | None:
    """None when the request carries a valid token for one of ``scopes``; else the 401."""
    header = request.headers.get("Authorization", "").split()
    if len(header) != 2 or header[0].lower() != "bearer":
        return _oauth_error("invalid_token", "a bearer token is required", 401)
    token = header[1]
    with services.record.lock:
        revoked = token in services.record.revoked_tokens
    if revoked:
        return _oauth_error("invalid_token", "the token was revoked", 401)
    try:
        valid = services.conf().validate_token(token, scopes)
    except (LtiException, pyjwt.PyJWTError):
        valid = False
    if not valid:
        return _oauth_error("invalid_token", "the token is not valid for this service", 401)
    return None


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _score_problem(body: Any) -> str | None:
    """Why a score document breaks the AGS score schema, or None."""
    if not isinstance(body, dict):
        return "the score must be a JSON object"
    for key in ("userId", "activityProgress", "gradingProgress", "timestamp"):
        if key not in body:
            return f"{key} is required"
    if body["activityProgress"] not in ACTIVITY_PROGRESS:
        return "activityProgress is not a known value"
    if body["gradingProgress"] not in GRADING_PROGRESS:
        return "gradingProgress is not a known value"
    if _timestamp(body["timestamp"]) is None:
        return "timestamp must be an ISO 8601 date-time with a zone"
    if "scoreGiven" in body:
        if "scoreMaximum" not in body:
            return "scoreMaximum is required with scoreGiven"
        if not isinstance(body["scoreGiven"], (int, float)) or body["scoreGiven"] < 0:
            return "scoreGiven must be a number of at least 0"
        if not isinstance(body["scoreMaximum"], (int, float)) or body["scoreMaximum"] <= 0:
            return "scoreMaximum must be a positive number"
    return None


def services_blueprint(services: PlatformServices) -> Blueprint:
    """The services as a blueprint the platform's server registers (``url_prefix`` free)."""
    bp = Blueprint("lti_platform_services", __name__)
    record = services.record

    @bp.post("/token")
    def token():
        form = request.form.to_dict()
        entry: dict[str, Any] = {"at": time.time(), "scope": form.get("scope", ""),
                                 "grant_type": form.get("grant_type")}
        with record.lock:
            record.token_requests.append(entry)
        refused = _fault(services, "token")
        if refused is not None:
            entry["status"] = refused.status_code
            return refused
        conf = services.conf()
        try:
            claims = conf.tool_validate_and_decode(form.get("client_assertion", "")) \
                if form.get("client_assertion") else None
            answer = conf.get_access_token(form)
        except MissingRequiredClaim as exc:
            entry["status"] = 400
            return _oauth_error("invalid_request", str(exc))
        except UnsupportedGrantType:
            entry["status"] = 400
            return _oauth_error("unsupported_grant_type", "only client_credentials")
        except (LtiException, pyjwt.PyJWTError, AssertionError, KeyError) as exc:
            entry["status"] = 401
            return _oauth_error("invalid_client", f"{type(exc).__name__}: {exc}", 401)
        assert claims is not None
        entry["claims"] = claims
        token_url = services.token_url
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        problem = None
        if token_url not in audiences:
            problem = f"aud must be the token URL {token_url}"
        elif claims.get("iss") != services.client_id or claims.get("sub") != services.client_id:
            problem = "iss and sub must be the client id"
        elif not claims.get("jti"):
            problem = "jti is required"
        # The library's tokens carry no id, so two issued in the same second are equal; a
        # jti of their own lets a revoked token stay revoked when a new one is issued.
        answer["access_token"] = Registration.encode_and_sign(
            {"sub": services.client_id, "iss": services.issuer, "scopes": answer["scope"],
             "jti": uuid.uuid4().hex}, services.private_key_pem, expiration=answer["expires_in"])
        with record.lock:
            if problem is None and claims["jti"] in record.seen_jti:
                problem = "the assertion's jti was used before"
            if problem is None:
                record.seen_jti.add(claims["jti"])
                record.issued_tokens.append(answer["access_token"])
        if problem is not None:
            entry["status"] = 401
            return _oauth_error("invalid_client", problem, 401)
        entry["status"] = 200
        entry["granted"] = answer["scope"]
        return jsonify(answer)

    @bp.route("/ags/<context_id>/lineitems", methods=["GET", "POST"])
    def lineitems(context_id: str):
        refused = _fault(services, "lineitems")
        if refused is not None:
            return refused
        scopes = [SCOPE_LINEITEM] if request.method == "POST" else [SCOPE_LINEITEM,
                                                                      SCOPE_LINEITEM_READONLY]
        denied = _bearer(services, scopes)
        if denied is not None:
            return denied
        with record.lock:
            record.lineitem_requests.append({"method": request.method,
                                             "args": request.args.to_dict(),
                                             "body": request.get_json(silent=True)})
            if request.method == "POST":
                body = request.get_json(silent=True)
                if not isinstance(body, dict) or not body.get("label") or not isinstance(
                        body.get("scoreMaximum"), (int, float)):
                    return _oauth_error("invalid_request", "label and scoreMaximum required")
                lineitem_id = services.add_lineitem(
                    context_id, label=body["label"], score_maximum=body["scoreMaximum"],
                    resource_link_id=body.get("resourceLinkId"), tag=body.get("tag", ""))
                created = dict(record.lineitems[lineitem_id])
                created.pop("context")
                created["id"] = services.lineitem_url(context_id, lineitem_id)
                return Response(json.dumps(created), status=201,
                                mimetype=LINEITEM_MEDIA_TYPE)
            wanted_link = request.args.get("resource_link_id")
            wanted_tag = request.args.get("tag")
            items = []
            for lineitem_id, item in record.lineitems.items():
                if item["context"] != context_id:
                    continue
                if wanted_link and item.get("resourceLinkId") != wanted_link:
                    continue
                if wanted_tag and item.get("tag") != wanted_tag:
                    continue
                shown = {k: v for k, v in item.items() if k != "context" and v is not None}
                shown["id"] = services.lineitem_url(context_id, lineitem_id)
                items.append(shown)
        return Response(json.dumps(items), mimetype=LINEITEMS_MEDIA_TYPE)

    @bp.get("/ags/<context_id>/lineitems/<lineitem_id>")
    def lineitem(context_id: str, lineitem_id: str):
        denied = _bearer(services, [SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY])
        if denied is not None:
            return denied
        with record.lock:
            item = record.lineitems.get(lineitem_id)
            if item is None or item["context"] != context_id:
                return _oauth_error("not_found", "no such line item", 404)
            shown = {k: v for k, v in item.items() if k != "context" and v is not None}
        shown["id"] = services.lineitem_url(context_id, lineitem_id)
        return Response(json.dumps(shown), mimetype=LINEITEM_MEDIA_TYPE)

    @bp.post("/ags/<context_id>/lineitems/<lineitem_id>/scores")
    def scores(context_id: str, lineitem_id: str):
        entry: dict[str, Any] = {"at": time.time(), "lineitem": lineitem_id,
                                 "content_type": request.content_type,
                                 "body": request.get_json(silent=True, force=True)}
        with record.lock:
            record.score_requests.append(entry)
        refused = _fault(services, "scores")
        if refused is not None:
            entry["status"] = refused.status_code
            return refused
        denied = _bearer(services, [SCOPE_SCORE])
        if denied is not None:
            entry["status"] = denied.status_code
            return denied
        with record.lock:
            status = record.refused_scores.get(lineitem_id)
            item = record.lineitems.get(lineitem_id)
        if status is not None:
            entry["status"] = status
            return _oauth_error("refused", "this line item accepts no scores", status)
        if item is None or item["context"] != context_id:
            entry["status"] = 404
            return _oauth_error("not_found", "no such line item", 404)
        if request.mimetype != SCORE_MEDIA_TYPE:
            entry["status"] = 415
            return _oauth_error("invalid_request", f"send {SCORE_MEDIA_TYPE}", 415)
        problem = _score_problem(entry["body"])
        if problem is not None:
            entry["status"] = 400
            return _oauth_error("invalid_request", problem)
        body = entry["body"]
        with record.lock:
            newest = max((_timestamp(s["body"]["timestamp"]) for s in record.scores
                          if s["lineitem"] == lineitem_id
                          and s["body"]["userId"] == body["userId"]), default=None)
            if newest is not None and _timestamp(body["timestamp"]) <= newest:
                # AGS: a score not newer than the last one is not applied.
                entry["status"] = 409
                return _oauth_error("conflict", "a newer score is already recorded", 409)
            record.scores.append({"lineitem": lineitem_id, "body": body,
                                  "received": time.time(), "id": uuid.uuid4().hex})
        entry["status"] = 204
        return Response(status=204)

    @bp.get("/nrps/<context_id>/memberships")
    def memberships(context_id: str):
        with record.lock:
            record.membership_requests.append({"args": request.args.to_dict()})
        refused = _fault(services, "memberships")
        if refused is not None:
            return refused
        denied = _bearer(services, [SCOPE_MEMBERSHIPS])
        if denied is not None:
            return denied
        with record.lock:
            if context_id not in record.members:
                return _oauth_error("not_found", "no such context", 404)
            everyone = list(record.members[context_id])
            title = record.contexts.get(context_id, "")
        try:
            limit = max(1, int(request.args.get("limit", len(everyone) or 1)))
            page = max(1, int(request.args.get("page", 1)))
        except ValueError:
            return _oauth_error("invalid_request", "limit and page must be integers")
        chunk = everyone[(page - 1) * limit:page * limit]
        url = services.memberships_url(context_id)
        body = {"id": url, "context": {"id": context_id, "title": title}, "members": chunk}
        response = Response(json.dumps(body), mimetype=MEMBERSHIP_MEDIA_TYPE)
        if page * limit < len(everyone):
            response.headers["Link"] = f'<{url}?limit={limit}&page={page + 1}>; rel="next"'
        return response

    return bp


__all__ = ["Fault", "PlatformServices", "ServiceRecord", "services_blueprint"]
