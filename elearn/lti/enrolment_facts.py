"""What the LTI side knows about one enrolment, read once per transaction: the learner's
platform accounts (issuer + ``sub``) and the resource links they launched into it.

Grade passback (which links take scores) and xAPI (whose actor, which LMS course) both ask
after every learning event; one query serves both and every event of the action, and for a
learner who never came from an LMS it finds nothing in one indexed look-up.  The answer is
dropped when the transaction ends, and when a launch links the enrolment anew.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from elearn.lti.models import LtiIdentity, LtiLaunchLink, LtiPlatform, LtiResourceLink
from elearn.models import Enrolment

CACHE = "elearn.lti.enrolment_facts"


@dataclass(frozen=True)
class PlatformAccount:
    platform_id: int
    issuer: str
    sub: str
    last_launch_at: datetime


@dataclass
class LtiFacts:
    accounts: list[PlatformAccount] = field(default_factory=list)
    links: list[tuple[LtiLaunchLink, LtiResourceLink]] = field(default_factory=list)

    def sub_on(self, platform_id: int) -> str | None:
        return next((a.sub for a in self.accounts if a.platform_id == platform_id), None)


def facts_of(session: Session, enrolment: Enrolment) -> LtiFacts:
    cache: dict[int, LtiFacts] = session.info.setdefault(CACHE, {})
    found = cache.get(enrolment.id)
    if found is not None:
        return found
    found = LtiFacts()
    rows = session.execute(
        select(LtiIdentity, LtiPlatform.issuer, LtiLaunchLink, LtiResourceLink)
        .join(LtiPlatform, LtiPlatform.id == LtiIdentity.platform_id)
        .outerjoin(LtiLaunchLink, and_(LtiLaunchLink.user_id == LtiIdentity.user_id,
                                       LtiLaunchLink.enrolment_id == enrolment.id))
        .outerjoin(LtiResourceLink, and_(LtiResourceLink.id == LtiLaunchLink.resource_link_id,
                                         LtiResourceLink.platform_id == LtiIdentity.platform_id))
        .where(LtiIdentity.user_id == enrolment.user_id)
        .order_by(LtiIdentity.last_launch_at.desc(), LtiIdentity.id.desc(),
                  LtiLaunchLink.last_launched_at.desc(), LtiLaunchLink.id.desc())).all()
    seen_accounts: set[int] = set()
    seen_links: set[int] = set()
    for identity, issuer, launch, link in rows:
        if identity.id not in seen_accounts:
            seen_accounts.add(identity.id)
            found.accounts.append(PlatformAccount(identity.platform_id, issuer, identity.sub,
                                                  identity.last_launch_at))
        if launch is not None and link is not None and launch.id not in seen_links:
            seen_links.add(launch.id)
            found.links.append((launch, link))
    cache[enrolment.id] = found
    return found


def forget(session: Session, enrolment_id: int | None = None) -> None:
    """Drop the cached facts (of one enrolment, or all at the end of a transaction)."""
    if enrolment_id is None:
        session.info.pop(CACHE, None)
    else:
        session.info.get(CACHE, {}).pop(enrolment_id, None)


__all__ = ["LtiFacts", "PlatformAccount", "facts_of", "forget"]
