"""What a validated resource-link launch does: link the person to an elearn account, record
the resource link and its service endpoints, enrol a learner, and remember which enrolment
the link launched into (for grade passback), then publish ``LtiLaunched``.

Account linking: the platform's ``iss`` + ``sub`` (an ``LtiIdentity``) names one elearn account,
created on the first launch with a pseudonymous username and no usable password; its name
and e-mail are kept only when the platform sends them and ``LTI_KEEP_NAME_AND_EMAIL`` is on.

Role mapping (the platform is the authority, so the account's role follows each launch):
system or institution Administrator → admin; a context Instructor or ContentDeveloper role
(or one of their sub-roles) → trainer; anything else → learner.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearn.db import utcnow
from elearn.events import LtiLaunched, publish
from elearn.lti import claims as C
from elearn.lti.models import (LtiHandoff, LtiIdentity, LtiLaunchLink, LtiPlatform,
                               LtiResourceLink)
from elearn.lti.validation import LaunchRefused, ValidLaunch
from elearn.models import Course, Enrolment, Role, Unit, User
from elearn.services import learning

HANDOFF_LIFETIME = timedelta(minutes=5)


def role_for(roles: list[Any]) -> Role:
    """The elearn role for a launch's LIS role URIs."""
    names = {str(role) for role in roles}
    if names & C.ROLE_ADMINISTRATORS:
        return Role.ADMIN
    for name in names:
        for teaching in C.ROLE_TEACHING:
            if name in (teaching, C.MEMBERSHIP + teaching) or name.startswith(
                    f"http://purl.imsglobal.org/vocab/lis/v2/membership/{teaching}#"):
                return Role.TRAINER
    return Role.LEARNER


def _username(platform: LtiPlatform, sub: str) -> str:
    digest = hashlib.sha256(f"{platform.issuer}\n{platform.client_id}\n{sub}".encode())
    return f"lti-{platform.id}-{digest.hexdigest()[:20]}"


def _new_identity(session: Session, platform: LtiPlatform, sub: str, role: Role) -> LtiIdentity:
    """Create the account and its link; when a simultaneous first launch of the same person
    created them a moment earlier, use theirs."""
    try:
        with session.begin_nested():
            user = User(username=_username(platform, sub), role=role,
                        display_name=platform.name or "LMS")
            user.set_password(secrets.token_urlsafe(32))  # never told: no local sign-in
            session.add(user)
            session.flush()
            identity = LtiIdentity(platform_id=platform.id, sub=sub, user_id=user.id)
            session.add(identity)
        return identity
    except IntegrityError:
        return session.scalar(select(LtiIdentity).where(LtiIdentity.platform_id == platform.id,
                                                        LtiIdentity.sub == sub))


def link_account(session: Session, launch: ValidLaunch, *, keep_personal: bool) -> User:
    """The account linked to the launch's ``iss`` + ``sub``, created on first launch."""
    claims = launch.claims
    platform = launch.platform
    role = role_for(claims[C.ROLES])
    identity = session.scalar(select(LtiIdentity).where(
        LtiIdentity.platform_id == platform.id, LtiIdentity.sub == claims["sub"]))
    if identity is None:
        identity = _new_identity(session, platform, claims["sub"], role)
    user = session.get(User, identity.user_id)
    user.role = role
    identity.last_launch_at = utcnow()
    if keep_personal:
        name = claims.get("name") or " ".join(
            part for part in (claims.get("given_name"), claims.get("family_name")) if part)
        if isinstance(name, str) and name.strip():
            user.display_name = name.strip()[:200]
        email = claims.get("email")
        if isinstance(email, str) and "@" in email and len(email) <= 254:
            user.email = email
    locale = (claims.get(C.LAUNCH_PRESENTATION) or {}).get("locale") \
        if isinstance(claims.get(C.LAUNCH_PRESENTATION), dict) else None
    if isinstance(locale, str) and locale[:2].lower() in {"fi", "sv", "en"}:
        user.preferred_language = locale[:2].lower()
    session.flush()
    return user


@dataclass(frozen=True)
class Placement:
    """The course (and unit) a resource link opens."""

    course_slug: str
    unit_key: str | None


def placement_of(session: Session, launch: ValidLaunch) -> Placement:
    """From the link's custom parameters (``course``, ``unit``; set by deep linking or typed
    by the Moodle admin), or the only published course when there is exactly one."""
    custom = launch.claims.get(C.CUSTOM)
    custom = custom if isinstance(custom, dict) else {}
    slug = str(custom.get("course") or "").strip()
    unit_key = str(custom.get("unit") or "").strip() or None
    if not slug:
        slugs = session.scalars(select(Course.slug).order_by(Course.slug).limit(2)).all()
        if len(slugs) != 1:
            raise LaunchRefused("no_course", "the link names no course (custom parameter "
                                "course=<slug>) and elearn has more than one",
                                platform=launch.platform)
        slug = slugs[0]
    if session.scalar(select(Course.id).where(Course.slug == slug)) is None:
        raise LaunchRefused("unknown_course", f"elearn has no course {slug[:100]!r}",
                            status=404, platform=launch.platform)
    if unit_key is not None:
        newest = learning.latest_version(session, slug)
        if session.scalar(select(Unit.id).where(Unit.version_id == newest.id,
                                                Unit.unit_key == unit_key)) is None:
            raise LaunchRefused("unknown_unit", f"the course {slug!r} has no unit "
                                f"{unit_key[:100]!r}", status=404, platform=launch.platform)
    return Placement(slug, unit_key)


def _text(value: Any, limit: int) -> str | None:
    return str(value)[:limit] if value not in (None, "") else None


def record_resource_link(session: Session, launch: ValidLaunch,
                         placement: Placement) -> LtiResourceLink:
    """Create or update the launch's resource link with its context and endpoints."""
    claims = launch.claims
    link_claim = claims[C.RESOURCE_LINK]
    link = session.scalar(select(LtiResourceLink).where(
        LtiResourceLink.platform_id == launch.platform.id,
        LtiResourceLink.deployment_id == launch.deployment.id,
        LtiResourceLink.resource_link_id == str(link_claim["id"])[:255]))
    if link is None:
        link = LtiResourceLink(platform_id=launch.platform.id,
                               deployment_id=launch.deployment.id,
                               resource_link_id=str(link_claim["id"])[:255],
                               course_slug=placement.course_slug)
        session.add(link)
    context = claims.get(C.CONTEXT) if isinstance(claims.get(C.CONTEXT), dict) else {}
    ags = claims.get(C.AGS_ENDPOINT) if isinstance(claims.get(C.AGS_ENDPOINT), dict) else {}
    nrps = claims.get(C.NRPS) if isinstance(claims.get(C.NRPS), dict) else {}
    link.title = _text(link_claim.get("title"), 500) or ""
    link.context_id = _text(context.get("id"), 255)
    link.context_title = _text(context.get("title"), 500)
    link.course_slug = placement.course_slug
    link.unit_key = placement.unit_key
    link.lineitem_url = _text(ags.get("lineitem"), 1000)
    link.lineitems_url = _text(ags.get("lineitems"), 1000)
    scopes = ags.get("scope")
    link.ags_scopes = [str(s) for s in scopes] if isinstance(scopes, list) else []
    link.context_memberships_url = _text(nrps.get("context_memberships_url"), 1000)
    link.updated_at = utcnow()
    session.flush()
    return link


def record_launch_link(session: Session, user: User, link: LtiResourceLink,
                       enrolment: Enrolment) -> LtiLaunchLink:
    launch_link = session.scalar(select(LtiLaunchLink).where(
        LtiLaunchLink.resource_link_id == link.id, LtiLaunchLink.enrolment_id == enrolment.id))
    now = utcnow()
    if launch_link is None:
        launch_link = LtiLaunchLink(user_id=user.id, resource_link_id=link.id,
                                    enrolment_id=enrolment.id, first_launched_at=now)
        session.add(launch_link)
    launch_link.last_launched_at = now
    session.flush()
    return launch_link


@dataclass
class LaunchResult:
    user: User
    role: Role
    placement: Placement
    resource_link: LtiResourceLink
    enrolment: Enrolment | None


def resource_link_launch(session: Session, launch: ValidLaunch, *,
                         keep_personal: bool) -> LaunchResult:
    """Everything a resource-link launch changes, flushed in the caller's transaction."""
    placement = placement_of(session, launch)
    user = link_account(session, launch, keep_personal=keep_personal)
    link = record_resource_link(session, launch, placement)
    enrolment = None
    if user.role == Role.LEARNER:
        enrolment = learning.enrol(session, user, placement.course_slug)
        launch_link = record_launch_link(session, user, link, enrolment)
        publish(session, LtiLaunched(enrolment_id=enrolment.id, at=utcnow(),
                                     launch_link_id=launch_link.id, resource_link_id=link.id))
    return LaunchResult(user=user, role=user.role, placement=placement, resource_link=link,
                        enrolment=enrolment)


def new_handoff(session: Session, user: User, platform: LtiPlatform, target: str) -> str:
    """A one-time ticket for the landing page; returns the token (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    session.add(LtiHandoff(token_hash=hashlib.sha256(token.encode()).hexdigest(),
                           user_id=user.id, platform_id=platform.id, target=target,
                           expires_at=utcnow() + HANDOFF_LIFETIME))
    session.flush()
    return token


def handoff_for(session: Session, token: str) -> LtiHandoff | None:
    """The unexpired hand-off of ``token`` (spent or not), or None."""
    if not token or len(token) > 100:
        return None
    row = session.scalar(select(LtiHandoff).where(
        LtiHandoff.token_hash == hashlib.sha256(token.encode()).hexdigest()))
    if row is None or row.expires_at < utcnow():
        return None
    return row


def spend_handoff(session: Session, handoff: LtiHandoff) -> None:
    handoff.used_at = utcnow()
    session.flush()
