"""What operators and HR see of grade passback: per platform the scores queued, the oldest
waiting, delivered (in total and today), dead-lettered with the platform's answer, and
whether the platform is backing off and why; and the resend of dead-lettered scores.

Shared by ``elearn lti status`` / ``elearn lti resend`` and the ``/hr/delivery`` page, so
both show one truth (the same split as :mod:`elearn.xapi.queue` for LRSs).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from elearn.lti.models import LtiPlatform, LtiResourceLink
from elearn.lti.score_models import LtiPlatformHealth, LtiScore
from elearn.xapi.queue import start_of_day

DEAD_LIST_LIMIT = 200


@dataclass(frozen=True)
class DeadScore:
    score_id: int
    course_slug: str
    unit_key: str | None
    link_title: str
    created_at: datetime
    attempts: int
    last_status: int | None
    last_error: str


@dataclass(frozen=True)
class PlatformPassback:
    platform_id: int
    issuer: str
    name: str
    queued: int
    oldest_queued_at: datetime | None
    delivered: int
    delivered_today: int
    dead: int
    backoff_until: datetime | None
    consecutive_failures: int
    last_error: str | None
    last_success_at: datetime | None
    dead_scores: list[DeadScore] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.issuer})" if self.name else self.issuer

    def oldest_age(self, now: datetime) -> timedelta | None:
        return None if self.oldest_queued_at is None else now - self.oldest_queued_at

    def as_dict(self, now: datetime) -> dict:
        age = self.oldest_age(now)
        return {"platform": self.issuer, "name": self.name, "queued": self.queued,
                "oldest_queued_age_seconds": None if age is None
                else round(age.total_seconds(), 1),
                "delivered": self.delivered, "delivered_today": self.delivered_today,
                "dead": self.dead,
                "backoff_until": None if self.backoff_until is None
                else self.backoff_until.isoformat(timespec="seconds"),
                "consecutive_failures": self.consecutive_failures,
                "last_error": self.last_error,
                "last_success_at": None if self.last_success_at is None
                else self.last_success_at.isoformat(timespec="seconds")}


def status(session: Session, now: datetime, *, with_dead: bool = False) -> list[PlatformPassback]:
    """Every platform that has scores or health, in issuer order (a few grouped queries)."""
    counts = {(row.platform_id, row.state): row.n for row in session.execute(
        select(LtiScore.platform_id, LtiScore.state, func.count().label("n"))
        .group_by(LtiScore.platform_id, LtiScore.state))}
    today = dict(session.execute(
        select(LtiScore.platform_id, func.count())
        .where(LtiScore.state == "delivered", LtiScore.delivered_at >= start_of_day(now))
        .group_by(LtiScore.platform_id)).all())
    oldest = dict(session.execute(
        select(LtiScore.platform_id, func.min(LtiScore.created_at))
        .where(LtiScore.state == "pending").group_by(LtiScore.platform_id)).all())
    health = {h.platform_id: h for h in session.scalars(select(LtiPlatformHealth))}
    ids = {platform_id for platform_id, _ in counts} | set(health)
    if not ids:
        return []
    platforms = session.scalars(select(LtiPlatform).where(LtiPlatform.id.in_(ids))
                                .order_by(LtiPlatform.issuer, LtiPlatform.id)).all()
    dead: dict[int, list[DeadScore]] = {}
    if with_dead:
        rows = session.execute(
            select(LtiScore, LtiResourceLink)
            .join(LtiResourceLink, LtiResourceLink.id == LtiScore.resource_link_id)
            .where(LtiScore.state == "dead").order_by(LtiScore.id)).all()
        for score, link in rows:
            bucket = dead.setdefault(score.platform_id, [])
            if len(bucket) < DEAD_LIST_LIMIT:
                bucket.append(DeadScore(score.id, link.course_slug, link.unit_key, link.title,
                                        score.created_at, score.attempts, score.last_status,
                                        score.last_error or ""))
    found = []
    for platform in platforms:
        state = health.get(platform.id)
        found.append(PlatformPassback(
            platform_id=platform.id, issuer=platform.issuer, name=platform.name,
            queued=counts.get((platform.id, "pending"), 0),
            oldest_queued_at=oldest.get(platform.id),
            delivered=counts.get((platform.id, "delivered"), 0),
            delivered_today=today.get(platform.id, 0),
            dead=counts.get((platform.id, "dead"), 0),
            backoff_until=state.backoff_until if state else None,
            consecutive_failures=state.consecutive_failures if state else 0,
            last_error=state.last_error if state else None,
            last_success_at=state.last_success_at if state else None,
            dead_scores=dead.get(platform.id, [])))
    return found


def resend(session: Session, *, now: datetime, platform_id: int | None = None,
           score_ids: list[int] | None = None) -> int:
    """Queue dead-lettered scores again (all, one platform's, or by id); returns how many.
    The platform's backoff is cleared too, so the worker tries at once."""
    chosen = update(LtiScore).where(LtiScore.state == "dead")
    if platform_id is not None:
        chosen = chosen.where(LtiScore.platform_id == platform_id)
    if score_ids:
        chosen = chosen.where(LtiScore.id.in_(score_ids))
    result = session.execute(chosen.values(state="pending", attempts=0, next_attempt_at=now,
                                           claimed_until=None, last_status=None,
                                           last_error=None)
                             .execution_options(synchronize_session=False))
    health = update(LtiPlatformHealth)
    if platform_id is not None:
        health = health.where(LtiPlatformHealth.platform_id == platform_id)
    session.execute(health.values(backoff_until=None)
                    .execution_options(synchronize_session=False))
    return result.rowcount or 0


def platform_id_of(session: Session, issuer: str) -> int | None:
    """The id of the platform registered with ``issuer`` (the first, when registered twice)."""
    return session.scalar(select(LtiPlatform.id).where(LtiPlatform.issuer == issuer)
                          .order_by(LtiPlatform.id).limit(1))


__all__ = ["DeadScore", "PlatformPassback", "platform_id_of", "resend", "status"]
