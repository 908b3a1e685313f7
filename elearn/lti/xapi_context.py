"""What a launch from an LMS adds to a learner's xAPI statements: the platform's account as
the actor (when ``ELEARN_LTI_XAPI_ACTOR=platform``, so the LMS's own LRS can join statements
to its users) and the LMS course as a context extension.  Registered with
:func:`elearn.xapi.statements.register_lms_lookup`, so xAPI never imports the LTI tool.

The launch is the enrolment's most recent one; the answer is kept for the transaction (one
query per enrolment however many statements an action writes, none repeated per event).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.lti.models import LtiIdentity, LtiLaunchLink, LtiPlatform, LtiResourceLink
from elearn.models import Enrolment
from elearn.xapi.statements import LmsLaunch

CACHE = "elearn.lti.xapi_context"


def lms_launch_of(session: Session, enrolment: Enrolment) -> LmsLaunch | None:
    """The platform account of the enrolment's learner (their most recent platform) and the
    LMS course of their latest launch into this enrolment.  The account is known from the
    moment the launch signed them in, so even the ``registered`` statement of a first
    launch (written before the launch link exists) carries it."""
    cache = session.info.setdefault(CACHE, {})
    if enrolment.id in cache:
        return cache[enrolment.id]
    identity = session.execute(
        select(LtiPlatform.issuer, LtiIdentity.sub, LtiIdentity.platform_id)
        .join(LtiPlatform, LtiPlatform.id == LtiIdentity.platform_id)
        .where(LtiIdentity.user_id == enrolment.user_id)
        .order_by(LtiIdentity.last_launch_at.desc(), LtiIdentity.id.desc()).limit(1)).first()
    found = None
    if identity is not None:
        context = session.execute(
            select(LtiResourceLink.context_id, LtiResourceLink.context_title)
            .join(LtiLaunchLink, LtiLaunchLink.resource_link_id == LtiResourceLink.id)
            .where(LtiLaunchLink.enrolment_id == enrolment.id,
                   LtiResourceLink.platform_id == identity.platform_id)
            .order_by(LtiLaunchLink.last_launched_at.desc(), LtiLaunchLink.id.desc())
            .limit(1)).first()
        found = LmsLaunch(issuer=identity.issuer, sub=identity.sub,
                          context_id=context.context_id if context else None,
                          context_title=context.context_title if context else None)
    cache[enrolment.id] = found
    return found


__all__ = ["lms_launch_of"]
