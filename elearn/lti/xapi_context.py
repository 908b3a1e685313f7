"""What a launch from an LMS adds to a learner's xAPI statements: the platform's account as
the actor (when ``ELEARN_LTI_XAPI_ACTOR=platform``, so the LMS's own LRS can join statements
to its users) and the LMS course as a context extension.  Registered with
:func:`elearn.xapi.statements.register_lms_lookup`, so xAPI never imports the LTI tool.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from elearn.lti.enrolment_facts import facts_of
from elearn.models import Enrolment
from elearn.xapi.statements import LmsLaunch


def lms_launch_of(session: Session, enrolment: Enrolment) -> LmsLaunch | None:
    """The platform account of the enrolment's learner (the platform they launched from
    most recently) and the LMS course of their latest launch into this enrolment.  The
    account is known from the moment the launch signed them in, so even the ``registered``
    statement of a first launch (written before the launch link exists) carries it."""
    facts = facts_of(session, enrolment)
    if not facts.accounts:
        return None
    account = facts.accounts[0]
    link = next((link for _launch, link in facts.links
                 if link.platform_id == account.platform_id), None)
    return LmsLaunch(issuer=account.issuer, sub=account.sub,
                     context_id=link.context_id if link else None,
                     context_title=link.context_title if link else None)


__all__ = ["lms_launch_of"]
