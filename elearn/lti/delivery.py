"""Grade passback, the sending side: claim due scores, post them to the platforms' line
items, record the outcome.  Run by the delivery worker (``elearn xapi worker``, and so by
``elearn serve``) beside xAPI delivery.

A unit of work is one claim of up to ``batch`` scores:

1. **claim** – in a short transaction, lease due pending rows that head their *lane* (no
   older pending row of the same learner and resource link exists) on platforms that are not
   backing off, and commit before any HTTP.  PostgreSQL uses ``FOR UPDATE SKIP LOCKED`` so
   several workers take disjoint rows; SQLite claims with one ``UPDATE … RETURNING`` under its
   write lock.  Because a lane's next row is only claimable once its head is resolved, the
   platform sees each learner's scores for a line item in the order they were written, and
   never two at once.
2. **send** – per row: find or create the line item when the link has none yet, get an
   access token (cached per process), POST the score.
3. **record** – in a second transaction, fenced by the lease value: delivered (2xx; 409 means
   the platform already holds this or a newer score), dead-lettered with the platform's
   answer (a 4xx about this score or line item), or left pending.  A platform that did not
   answer, answered 408/425/429/5xx, refused to issue a token, or refused a fresh token with
   401 *backs off as a whole* (exponential, full jitter, its ``Retry-After`` obeyed): its
   remaining rows are released untouched and nothing is lost; they go once it is back.

Sending a score twice is harmless — the same document with the same timestamp — which makes
"at least once" (a worker dying between send and record) safe.
"""
from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import and_, exists, literal_column, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from elearn.db import Database, utcnow
from elearn.lti import ags
from elearn.lti.access_tokens import AccessTokens, TokenEndpoint
from elearn.lti.models import LtiPlatform, LtiResourceLink
from elearn.lti.score_models import LtiPlatformHealth, LtiScore
from elearn.lti.service_http import ANSWER_TEXT_LIMIT, ServiceResponse
from elearn.xapi.backoff import parse_retry_after, retry_delay

log = logging.getLogger("elearn.lti.delivery")


@dataclass(frozen=True)
class PassbackSettings:
    """``ELEARN_LTI_PASSBACK_*`` (see docs/lms.md)."""

    poll_seconds: float = 2.0
    batch: int = 20
    timeout: float = 10.0
    lease_seconds: float = 120.0
    backoff_base: float = 2.0
    backoff_max: float = 600.0
    retry_after_max: float = 3600.0

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PassbackSettings:
        return cls(poll_seconds=float(config.get("LTI_PASSBACK_POLL_SECONDS", 2.0)),
                   batch=int(config.get("LTI_PASSBACK_BATCH", 20)),
                   timeout=float(config.get("LTI_PASSBACK_TIMEOUT_SECONDS", 10.0)),
                   lease_seconds=float(config.get("LTI_PASSBACK_LEASE_SECONDS", 120.0)),
                   backoff_base=float(config.get("LTI_PASSBACK_BACKOFF_BASE_SECONDS", 2.0)),
                   backoff_max=float(config.get("LTI_PASSBACK_BACKOFF_MAX_SECONDS", 600.0)),
                   retry_after_max=float(config.get("XAPI_RETRY_AFTER_MAX_SECONDS", 3600.0)))


@dataclass(frozen=True)
class Claimed:
    """A leased score with what sending it needs (read in the claim's transaction)."""

    id: int
    platform_id: int
    link_pk: int
    payload: str
    endpoint: TokenEndpoint
    lineitem_url: str | None
    lineitems_url: str | None
    scopes: frozenset[str]
    resource_link_id: str
    label: str
    tag: str


@dataclass
class Outcome:
    delivered: dict[int, int] = field(default_factory=dict)  # score id -> status
    dead: dict[int, ServiceResponse] = field(default_factory=dict)
    retry: dict[int, ServiceResponse] = field(default_factory=dict)  # tried, to go again
    untouched: list[int] = field(default_factory=list)  # not tried (platform halted)
    halted: dict[int, ServiceResponse] = field(default_factory=dict)  # platform -> why
    succeeded: set[int] = field(default_factory=set)  # platforms that took a score
    lineitems: dict[int, str] = field(default_factory=dict)  # link pk -> found line item


def _platform_wide(response: ServiceResponse) -> bool:
    """Whether an answer says the platform (not this score) is in trouble."""
    status = response.status
    if status is None or status in (408, 425, 429) or status >= 500:
        return True
    # A refused token request (400/401 invalid_client) or a fresh token refused with 401:
    # no score can pass until the platform or its registration is fixed; keep them all.
    return response.from_token_endpoint or status == 401


def _claimable(now: datetime):
    older = aliased(LtiScore)
    return and_(
        LtiScore.state == literal_column("'pending'"),
        LtiScore.next_attempt_at <= now,
        or_(LtiScore.claimed_until.is_(None), LtiScore.claimed_until < now),
        ~exists().where(older.resource_link_id == LtiScore.resource_link_id,
                        older.lti_user_id == LtiScore.lti_user_id,
                        older.state == "pending", older.id < LtiScore.id),
        ~exists().where(LtiPlatformHealth.platform_id == LtiScore.platform_id,
                        LtiPlatformHealth.backoff_until > now))


def claim(session: Session, limit: int, *, now: datetime, lease_until: datetime) -> list[Claimed]:
    """Lease up to ``limit`` lane heads, oldest first, in ``session``'s transaction."""
    due = select(LtiScore.id).where(_claimable(now)).order_by(LtiScore.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(due.with_for_update(skip_locked=True, of=LtiScore)))
        if ids:
            session.execute(update(LtiScore).where(LtiScore.id.in_(ids))
                            .values(claimed_until=lease_until)
                            .execution_options(synchronize_session=False))
    else:
        ids = list(session.scalars(
            update(LtiScore).where(LtiScore.id.in_(due.scalar_subquery()))
            .values(claimed_until=lease_until).returning(LtiScore.id)
            .execution_options(synchronize_session=False)))
    if not ids:
        return []
    rows = session.execute(
        select(LtiScore, LtiResourceLink, LtiPlatform)
        .join(LtiResourceLink, LtiResourceLink.id == LtiScore.resource_link_id)
        .join(LtiPlatform, LtiPlatform.id == LtiScore.platform_id)
        .where(LtiScore.id.in_(ids)).order_by(LtiScore.id)).all()
    return [Claimed(
        id=score.id, platform_id=platform.id, link_pk=link.id, payload=score.payload,
        endpoint=TokenEndpoint(platform.issuer, platform.client_id, platform.token_url),
        lineitem_url=link.lineitem_url, lineitems_url=link.lineitems_url,
        scopes=frozenset(link.ags_scopes or []), resource_link_id=link.resource_link_id,
        label=link.title or link.course_slug,
        tag=f"elearn:{link.course_slug}" + (f":{link.unit_key}" if link.unit_key else ""))
        for score, link, platform in rows]


def send(tokens: AccessTokens, batch: list[Claimed]) -> Outcome:
    """Post the claimed scores in order; a platform-wide failure halts that platform."""
    outcome = Outcome()
    lineitems: dict[int, str] = {}
    for item in batch:
        if item.platform_id in outcome.halted:
            outcome.untouched.append(item.id)
            continue
        url = item.lineitem_url or lineitems.get(item.link_pk)
        response: ServiceResponse
        if url is None:
            if not item.lineitems_url:
                outcome.dead[item.id] = ServiceResponse(
                    None, "the resource link has no line item and no line items container")
                continue
            found = ags.find_or_create_lineitem(
                tokens, item.endpoint, item.lineitems_url, resource_link_id=item.resource_link_id,
                label=item.label, score_maximum=100, tag=item.tag,
                scopes=ags.score_scopes(ags.SCOPE_LINEITEM in item.scopes))
            if found.url is None:
                _classify(outcome, item, found.response)
                continue
            url = lineitems[item.link_pk] = outcome.lineitems[item.link_pk] = found.url
        scopes = ags.score_scopes(False)
        response = ags.post_score(tokens, item.endpoint, url, item.payload, scopes=scopes)
        _classify(outcome, item, response)
    return outcome


def _classify(outcome: Outcome, item: Claimed, response: ServiceResponse) -> None:
    status = response.status
    if status is not None and (200 <= status < 300 or status == 409):
        outcome.delivered[item.id] = status
        outcome.succeeded.add(item.platform_id)
    elif _platform_wide(response):
        outcome.halted[item.platform_id] = response
        outcome.retry[item.id] = response
    else:
        outcome.dead[item.id] = response
        outcome.succeeded.add(item.platform_id)  # it answered; the fault is this score's


def _describe(response: ServiceResponse, item: Claimed) -> str:
    where = item.endpoint.token_url if response.from_token_endpoint else \
        (item.lineitem_url or item.lineitems_url or "")
    prefix = "token endpoint: " if response.from_token_endpoint else ""
    return (prefix + response.describe(where))[:ANSWER_TEXT_LIMIT]


def record(session: Session, batch: list[Claimed], outcome: Outcome, *, now: datetime,
           lease_until: datetime, settings: PassbackSettings,
           rand: Callable[[], float] = random.random) -> None:
    """Write each row's outcome (fenced by the lease), found line items and platform health."""
    mine = LtiScore.claimed_until == lease_until
    by_id = {item.id: item for item in batch}
    for score_id, status in outcome.delivered.items():
        session.execute(update(LtiScore).where(LtiScore.id == score_id, mine).values(
            state="delivered", delivered_at=now, attempts=LtiScore.attempts + 1,
            last_status=status, last_error=None, claimed_until=None)
            .execution_options(synchronize_session=False))
    for score_id, response in outcome.dead.items():
        session.execute(update(LtiScore).where(LtiScore.id == score_id, mine).values(
            state="dead", attempts=LtiScore.attempts + 1, last_status=response.status,
            last_error=_describe(response, by_id[score_id]), claimed_until=None)
            .execution_options(synchronize_session=False))
    for score_id, response in outcome.retry.items():
        session.execute(update(LtiScore).where(LtiScore.id == score_id, mine).values(
            attempts=LtiScore.attempts + 1, last_status=response.status,
            last_error=_describe(response, by_id[score_id]), claimed_until=None)
            .execution_options(synchronize_session=False))
    if outcome.untouched:
        session.execute(update(LtiScore).where(LtiScore.id.in_(outcome.untouched), mine)
                        .values(claimed_until=None)
                        .execution_options(synchronize_session=False))
    for link_pk, url in outcome.lineitems.items():
        session.execute(update(LtiResourceLink).where(LtiResourceLink.id == link_pk,
                                                      LtiResourceLink.lineitem_url.is_(None))
                        .values(lineitem_url=url).execution_options(synchronize_session=False))
    for platform_id in outcome.succeeded - set(outcome.halted):
        health = platform_health(session, platform_id)
        health.consecutive_failures = 0
        health.backoff_until = None
        health.last_error = None
        health.last_success_at = now
    for platform_id, response in outcome.halted.items():
        health = platform_health(session, platform_id)
        if platform_id in outcome.succeeded:
            health.last_success_at = now
        health.consecutive_failures += 1
        wait = retry_delay(health.consecutive_failures,
                           parse_retry_after(response.retry_after, now),
                           base=settings.backoff_base, cap=settings.backoff_max,
                           retry_after_cap=settings.retry_after_max, rand=rand)
        health.backoff_until = now + timedelta(seconds=wait)
        item = next(i for i in batch if i.platform_id == platform_id)
        health.last_error = _describe(response, item)
        log.warning("LTI platform %s: %s; its scores wait %.1f s (failure %d in a row)",
                    item.endpoint.issuer, health.last_error[:300], wait,
                    health.consecutive_failures)


def platform_health(session: Session, platform_id: int) -> LtiPlatformHealth:
    """The health row of a platform, created if missing (safe when workers race)."""
    health = session.get(LtiPlatformHealth, platform_id)
    if health is None:
        insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
                  else sqlite.insert)
        session.execute(insert(LtiPlatformHealth)
                        .values(platform_id=platform_id, consecutive_failures=0)
                        .on_conflict_do_nothing())
        health = session.get(LtiPlatformHealth, platform_id)
        assert health is not None
    return health


@dataclass
class PassbackTotals:
    delivered: int = 0
    dead: int = 0
    rounds: int = 0


class PassbackWorker:
    """Sends queued scores until stopped.  ``tokens``, ``clock`` and ``rand`` are injectable
    for tests; production builds the token client on the tool's current signing key."""

    def __init__(self, app: Flask, *, tokens: AccessTokens | None = None,
                 clock: Callable[[], datetime] = utcnow,
                 rand: Callable[[], float] = random.random) -> None:
        self.db: Database = app.extensions["elearn.db"]
        self.settings = PassbackSettings.from_config(app.config)
        self.tokens = tokens or AccessTokens(self._signing_key, timeout=self.settings.timeout)
        self.clock = clock
        self.rand = rand
        self.totals = PassbackTotals()
        self._stop = threading.Event()

    def _signing_key(self):
        from elearn.lti.keys import current_key
        with self.db.session_scope() as session:
            return current_key(session)

    def stop(self) -> None:
        self._stop.set()

    def run_once(self) -> int:
        """One claim, send and record; returns how many scores were claimed."""
        now = self.clock()
        lease_until = now + timedelta(seconds=self.settings.lease_seconds,
                                      microseconds=int(self.rand() * 999_999))
        with self.db.session_scope() as session:
            batch = claim(session, self.settings.batch, now=now, lease_until=lease_until)
        if not batch:
            return 0
        outcome = send(self.tokens, batch)
        with self.db.session_scope() as session:
            record(session, batch, outcome, now=self.clock(), lease_until=lease_until,
                   settings=self.settings, rand=self.rand)
        self.totals.delivered += len(outcome.delivered)
        self.totals.dead += len(outcome.dead)
        self.totals.rounds += 1
        log.info("LTI passback: %d scores: %d delivered, %d dead-lettered, %d waiting",
                 len(batch), len(outcome.delivered), len(outcome.dead),
                 len(outcome.retry) + len(outcome.untouched))
        return len(batch)

    def run(self, *, once: bool = False) -> PassbackTotals:
        """Send until stopped; with ``once``, until nothing is due any more."""
        while not self._stop.is_set():
            try:
                claimed = self.run_once()
            except DBAPIError as exc:
                if once:
                    raise
                log.error("LTI passback: database error, retrying in %.0f s: %s",
                          self.settings.poll_seconds,
                          type(exc.orig).__name__ if exc.orig is not None else exc)
                self._stop.wait(self.settings.poll_seconds)
                continue
            if claimed:
                continue
            if once:
                break
            self._stop.wait(self.settings.poll_seconds)
        return self.totals


def score_document(row: LtiScore) -> dict[str, Any]:
    return json.loads(row.payload)


__all__ = ["PassbackSettings", "PassbackTotals", "PassbackWorker", "claim", "platform_health",
           "record", "send"]
