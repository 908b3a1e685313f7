"""Names and Role Provisioning Services (LTI NRPS 2.0): the members of a linked LMS course.

The platform pages the membership container; the next page is named in the ``Link`` header
(``rel="next"``).  Only what the roster page needs is kept of each member: the LTI user id,
roles, status and — when the platform shares them — name and e-mail.  A platform that never
stops paging is cut off at ``MAX_PAGES``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from elearn.lti.access_tokens import (SCOPE_MEMBERSHIPS, AccessTokens, TokenEndpoint,
                                      call_with_token)
from elearn.lti.service_http import ServiceResponse

MEMBERSHIP_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 50
LEARNER_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@dataclass(frozen=True)
class Member:
    user_id: str
    roles: tuple[str, ...]
    status: str = "Active"
    name: str = ""
    email: str = ""

    @property
    def is_learner(self) -> bool:
        return any(role.endswith("#Learner") or role == "Learner" for role in self.roles)


@dataclass
class Roster:
    """Members of one context, or the platform's answer that kept us from reading them."""

    context_id: str = ""
    context_title: str = ""
    members: list[Member] = field(default_factory=list)
    pages: int = 0
    error: ServiceResponse | None = None
    truncated: bool = False


def _member(raw: object) -> Member | None:
    if not isinstance(raw, dict):
        return None
    user_id = raw.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        return None
    roles = tuple(r for r in raw.get("roles", []) if isinstance(r, str))
    name = raw.get("name") or " ".join(
        part for part in (raw.get("given_name"), raw.get("family_name")) if part) or ""
    return Member(user_id=user_id, roles=roles, status=str(raw.get("status") or "Active"),
                  name=str(name), email=str(raw.get("email") or ""))


def fetch_roster(tokens: AccessTokens, endpoint: TokenEndpoint, memberships_url: str, *,
                 page_size: int = 100) -> Roster:
    """Every member of the context at ``memberships_url``, following ``rel="next"``."""
    roster = Roster()
    url: str | None = memberships_url
    params: dict | None = {"limit": page_size}
    while url:
        if roster.pages >= MAX_PAGES:
            roster.truncated = True
            break
        response = call_with_token(tokens, endpoint, {SCOPE_MEMBERSHIPS}, "GET", url,
                                   params=params, headers={"Accept": MEMBERSHIP_MEDIA_TYPE})
        roster.pages += 1
        body = response.json() if response.ok else None
        if not isinstance(body, dict) or not isinstance(body.get("members"), list):
            roster.error = response if not response.ok else ServiceResponse(
                502, "the memberships answer is not a membership container")
            return roster
        context = body.get("context") or {}
        if isinstance(context, dict):
            roster.context_id = roster.context_id or str(context.get("id") or "")
            roster.context_title = roster.context_title or str(context.get("title") or "")
        roster.members.extend(m for m in map(_member, body["members"]) if m is not None)
        url, params = response.links.get("next"), None
    return roster


__all__ = ["MEMBERSHIP_MEDIA_TYPE", "Member", "Roster", "fetch_roster"]
