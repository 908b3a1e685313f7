"""Assignment and Grade Services (LTI AGS 2.0): the line item a score goes to, and the score.

A resource link launched from a gradebook-enabled activity names its line item in the
launch (``lineitem``); a link placed without one names only the context's ``lineitems``
container, and the tool finds the line item tagged for that resource link there or creates
it (when the platform granted the ``lineitem`` scope).  Scores are posted to
``<lineitem>/scores`` (the path extended, any query kept), as the specification requires.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from elearn.lti.access_tokens import (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_SCORE,
                                      AccessTokens, TokenEndpoint, call_with_token)
from elearn.lti.service_http import ServiceResponse

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
LINEITEM_PAGES_MAX = 20  # a context with thousands of columns is not searched further


def scores_url(lineitem_url: str) -> str:
    """``<lineitem>/scores`` with the line item's query string kept."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def score_scopes(can_manage_lineitems: bool) -> frozenset[str]:
    return frozenset({SCOPE_SCORE, SCOPE_LINEITEM} if can_manage_lineitems else {SCOPE_SCORE})


def post_score(tokens: AccessTokens, endpoint: TokenEndpoint, lineitem_url: str,
               body: str, *, scopes: frozenset[str]) -> ServiceResponse:
    """POST one score document (already serialised, sent byte-identical on every retry)."""
    return call_with_token(tokens, endpoint, scopes, "POST", scores_url(lineitem_url),
                           data=body.encode("utf-8"),
                           headers={"Content-Type": SCORE_MEDIA_TYPE})


@dataclass(frozen=True)
class LineItemResult:
    """The line item's URL, or the answer that kept us from finding or creating it."""

    url: str | None
    response: ServiceResponse


def find_or_create_lineitem(tokens: AccessTokens, endpoint: TokenEndpoint, lineitems_url: str,
                            *, resource_link_id: str, label: str, score_maximum: float,
                            tag: str, scopes: frozenset[str]) -> LineItemResult:
    """The line item of ``resource_link_id`` in the ``lineitems`` container: an existing
    one with our ``tag`` (or any, when the platform keeps one per link), else a new one."""
    read_scopes = scopes | {SCOPE_LINEITEM_READONLY} if SCOPE_LINEITEM not in scopes else scopes
    url: str | None = lineitems_url
    first = True
    pages = 0
    while url and pages < LINEITEM_PAGES_MAX:
        params = {"resource_link_id": resource_link_id} if first else None
        response = call_with_token(tokens, endpoint, read_scopes, "GET", url, params=params,
                                   headers={"Accept": LINEITEMS_MEDIA_TYPE})
        if not response.ok:
            return LineItemResult(None, response)
        items = response.json()
        if not isinstance(items, list):
            return LineItemResult(None, ServiceResponse(502, "the line items answer is not "
                                                        "a JSON array"))
        mine = [item for item in items if isinstance(item, dict) and item.get("id")
                and item.get("resourceLinkId", resource_link_id) == resource_link_id]
        tagged = [item for item in mine if item.get("tag") == tag]
        if tagged or mine:
            return LineItemResult(str((tagged or mine)[0]["id"]), response)
        url, first, pages = response.links.get("next"), False, pages + 1
    if SCOPE_LINEITEM not in scopes:
        return LineItemResult(None, ServiceResponse(
            403, "the link has no line item and the platform did not grant the tool the "
                 "scope to create one"))
    body = json.dumps({"scoreMaximum": score_maximum, "label": label, "tag": tag,
                       "resourceLinkId": resource_link_id}, ensure_ascii=False)
    response = call_with_token(tokens, endpoint, scopes, "POST", lineitems_url,
                               data=body.encode("utf-8"),
                               headers={"Content-Type": LINEITEM_MEDIA_TYPE,
                                        "Accept": LINEITEM_MEDIA_TYPE})
    created = response.json() if response.ok else None
    if not isinstance(created, dict) or not created.get("id"):
        return LineItemResult(None, response if not response.ok else ServiceResponse(
            502, "the created line item has no id"))
    return LineItemResult(str(created["id"]), response)


__all__ = ["LINEITEMS_MEDIA_TYPE", "LINEITEM_MEDIA_TYPE", "LineItemResult",
           "SCORE_MEDIA_TYPE", "find_or_create_lineitem", "post_score", "score_scopes",
           "scores_url"]
