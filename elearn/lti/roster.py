"""Rosters of linked LMS courses (NRPS): who the platform says is in the course, joined to
what they did in elearn, so HR and trainers see who has not started yet — including members
who never launched the activity and so have no elearn account at all.

The roster is read from the platform when the page is opened (nothing of it is stored: the
platform is the source of truth for membership, and names and e-mail addresses the platform
shares stay out of elearn's database).  Member statuses come from the enrolment of the
linked course: *not started* (never launched, or enrolled but nothing opened), *in progress*,
*completed*, *passed*.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from elearn.lti.access_tokens import AccessTokens, TokenEndpoint
from elearn.lti.models import LtiIdentity, LtiPlatform, LtiResourceLink
from elearn.lti.nrps import Member, fetch_roster
from elearn.models import Course, CourseVersion, Enrolment, UnitProgress, User

STATUSES = ("not_started", "in_progress", "completed", "passed")
_TOKENS = "elearn.lti.roster.tokens"


@dataclass(frozen=True)
class LinkedContext:
    """An LMS course elearn is linked into (one of its resource links stands for it)."""

    link_id: int
    platform: str
    context_id: str
    context_title: str
    course_slug: str
    links: int


@dataclass(frozen=True)
class RosterRow:
    member: Member
    status: str
    username: str | None
    progress_percent: int | None


@dataclass
class RosterView:
    context: LinkedContext
    rows: list[RosterRow] = field(default_factory=list)
    error: str | None = None
    truncated: bool = False

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(STATUSES, 0)
        for row in self.rows:
            found[row.status] += 1
        return found


def linked_contexts(session: Session) -> list[LinkedContext]:
    """Every platform course with a memberships service, one entry per context."""
    rows = session.execute(
        select(LtiResourceLink, LtiPlatform)
        .join(LtiPlatform, LtiPlatform.id == LtiResourceLink.platform_id)
        .where(LtiResourceLink.context_memberships_url.is_not(None))
        .order_by(LtiPlatform.issuer, LtiResourceLink.context_title, LtiResourceLink.id)).all()
    found: dict[tuple[int, str], LinkedContext] = {}
    for link, platform in rows:
        key = (platform.id, link.context_id or "")
        if key in found:
            entry = found[key]
            found[key] = LinkedContext(entry.link_id, entry.platform, entry.context_id,
                                       entry.context_title, entry.course_slug, entry.links + 1)
            continue
        found[key] = LinkedContext(link.id, platform.name or platform.issuer,
                                   link.context_id or "", link.context_title or "",
                                   link.course_slug, 1)
    return list(found.values())


def _tokens(app: Flask) -> AccessTokens:
    """The process's token client for roster reads (tokens cached per process)."""
    tokens = app.extensions.get(_TOKENS)
    if tokens is None:
        db = app.extensions["elearn.db"]

        def signing_key():
            from elearn.lti.keys import current_key
            with db.session_scope() as session:
                return current_key(session)

        tokens = app.extensions[_TOKENS] = AccessTokens(
            signing_key, timeout=float(app.config.get("LTI_PASSBACK_TIMEOUT_SECONDS", 10.0)))
    return tokens


def _status(enrolment: Enrolment | None, started: bool) -> str:
    if enrolment is None:
        return "not_started"
    if enrolment.passed_at is not None:
        return "passed"
    if enrolment.completed_at is not None:
        return "completed"
    return "in_progress" if started else "not_started"


def roster_of(session: Session, link_id: int, *, learners_only: bool = True) -> RosterView | None:
    """The roster of the context of resource link ``link_id`` with each member's status;
    None when there is no such link with a memberships service."""
    link = session.get(LtiResourceLink, link_id)
    if link is None or not link.context_memberships_url:
        return None
    platform = session.get(LtiPlatform, link.platform_id)
    assert platform is not None
    context = LinkedContext(link.id, platform.name or platform.issuer, link.context_id or "",
                            link.context_title or "", link.course_slug, 1)
    view = RosterView(context)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    roster = fetch_roster(_tokens(app),
                          TokenEndpoint(platform.issuer, platform.client_id, platform.token_url),
                          link.context_memberships_url)
    if roster.error is not None:
        view.error = roster.error.describe(link.context_memberships_url)
        return view
    view.truncated = roster.truncated
    if roster.context_title:  # the platform's own title is newer than the launch's
        view.context = LinkedContext(context.link_id, context.platform, context.context_id,
                                     roster.context_title, context.course_slug, 1)
    members = [m for m in roster.members if m.is_learner or not learners_only]
    subs = [m.user_id for m in members]
    # One query: each member's account and current enrolment in the linked course.
    started = exists().where(UnitProgress.enrolment_id == Enrolment.id)
    rows = session.execute(
        select(LtiIdentity.sub, User.username, Enrolment, started.label("started"))
        .join(User, User.id == LtiIdentity.user_id)
        .outerjoin(Enrolment, (Enrolment.user_id == User.id)
                   & Enrolment.moved_to_id.is_(None)
                   & Enrolment.version_id.in_(
                       select(CourseVersion.id).join(Course)
                       .where(Course.slug == link.course_slug)))
        .where(LtiIdentity.platform_id == platform.id, LtiIdentity.sub.in_(subs))
        .order_by(Enrolment.enrolled_at)).all()
    known: dict[str, tuple[str, Enrolment | None, bool]] = {}
    for sub, username, enrolment, was_started in rows:
        known[sub] = (username, enrolment, bool(was_started))  # the newest enrolment wins
    for member in members:
        username, enrolment, was_started = known.get(member.user_id, (None, None, False))
        view.rows.append(RosterRow(
            member=member, status=_status(enrolment, was_started), username=username,
            progress_percent=None if enrolment is None
            else round((enrolment.progress or 0.0) * 100)))
    return view


__all__ = ["LinkedContext", "RosterRow", "RosterView", "STATUSES", "linked_contexts",
           "roster_of"]
