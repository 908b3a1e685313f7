"""The delivery worker: claim due statements per destination, POST them, record the outcome.

Each destination has its own queue (its ``xapi_deliveries`` rows) and its own health
(``xapi_destination_states``), so one LRS that is down, slow or misconfigured never holds
up another.  A unit of work is one claim of up to ``claim_batches`` batches
(``ELEARN_XAPI_CLAIM_BATCHES``, 10 by default):

1. **claim** – in a short transaction, mark up to ``claim_batches × batch_size`` due
   pending rows with a lease (``claimed_until``) and commit *before* any HTTP.  PostgreSQL selects them with
   ``FOR UPDATE SKIP LOCKED`` so concurrent workers take disjoint rows; SQLite claims with one
   ``UPDATE … RETURNING`` under its single write lock.  A worker that dies leaves only a lease,
   which expires, and the rows become claimable again.
2. **send** – POST the payloads as JSON arrays of ``batch_size``, one after another in the
   claimed order (see :mod:`elearn.xapi.batching`); a halt, or a stop, leaves the batches
   not yet sent out, and they are given back untouched.
3. **record** – in a second transaction, write each row's outcome.  Every update is fenced
   by the lease value, so a worker whose lease already expired cannot overwrite the work of
   the worker that took the rows over.

The worker pipelines these steps per destination (depth 2; "batch" below is one claim):
while one batch's POSTs are in flight on a sender thread, the main thread records the
previous batch's outcome and claims the next batch in *one* transaction, so the database work hides behind the LRS's answer and
a batch costs one transaction instead of three.  The next batch is only sent once the answer
to the current one is known: a halt (retry, pause) releases the batch claimed behind it
untouched, and a stop does the same.  A batch claimed behind one in flight gets twice the
lease, since it waits for that batch before its own POST begins.  The destination's health
row is read only when a destination's pipeline starts (it changes only through this worker's
own outcomes, which it knows, or an operator's resume, which only makes it ready sooner).

Claiming several batches at once divides the per-transaction cost (commit, claim and record
statements, the health row) by ``claim_batches``; the rows' own updates are bulk statements
either way.

Resending a statement an LRS already has is harmless (same id and bytes: the LRS answers
204/409 and stores nothing new), which is what makes "at least once" here "exactly once" in
the LRS.
"""
from __future__ import annotations

import logging
import math
import random
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import and_, literal_column, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from elearn.db import Database, utcnow
from elearn.models.xapi import XapiDelivery, XapiDestinationState, XapiStatement
from elearn.xapi.backoff import parse_retry_after, retry_delay
from elearn.xapi.batching import Action, BatchReport, Item, send_batches
from elearn.xapi.destinations import Destination, destinations
from elearn.xapi.lrs_client import LrsClient, LrsResponse, safe_url, scrub

log = logging.getLogger("elearn.xapi.delivery")


@dataclass(frozen=True)
class DeliverySettings:
    """The worker's knobs (``ELEARN_XAPI_*``; see docs/operations.md)."""

    poll_seconds: float = 2.0
    backoff_base: float = 2.0
    backoff_max: float = 600.0
    retry_after_max: float = 3600.0
    lease_seconds: float = 0.0
    pause_retry_seconds: float = 3600.0
    claim_batches: int = 10

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "DeliverySettings":
        return cls(poll_seconds=float(config.get("XAPI_POLL_SECONDS", 2.0)),
                   backoff_base=float(config.get("XAPI_BACKOFF_BASE_SECONDS", 2.0)),
                   backoff_max=float(config.get("XAPI_BACKOFF_MAX_SECONDS", 600.0)),
                   retry_after_max=float(config.get("XAPI_RETRY_AFTER_MAX_SECONDS", 3600.0)),
                   lease_seconds=float(config.get("XAPI_CLAIM_LEASE_SECONDS", 0.0)),
                   pause_retry_seconds=float(config.get("XAPI_PAUSE_RETRY_SECONDS", 3600.0)),
                   claim_batches=max(1, int(config.get("XAPI_CLAIM_BATCHES", 10))))

    def claim_size(self, destination: Destination) -> int:
        """Rows leased per claim: ``claim_batches`` POSTs of the destination's batch size."""
        return destination.batch_size * self.claim_batches

    def lease_for(self, destination: Destination) -> float:
        """How long a claim lasts: unless set, long enough for one batch including the
        requests a rejected batch's splitting takes, each waiting up to the timeout, and for
        each further batch of the claim to wait out the timeout once.  (A lease that runs
        out early only costs a duplicate POST: the LRS keeps one copy, and this worker's
        late updates are fenced off.)"""
        if self.lease_seconds > 0:
            return self.lease_seconds
        requests = 2 * math.ceil(math.log2(max(2, destination.batch_size))) + 1
        return destination.timeout * (requests + self.claim_batches - 1) + 30.0


# --- claiming -----------------------------------------------------------------------------

def _due(destination: str, now: datetime):
    return and_(XapiDelivery.destination == destination,
                # A literal, not a parameter: it lets both databases use the partial index
                # ix_xapi_deliveries_due (pending rows only).
                XapiDelivery.state == literal_column("'pending'"),
                XapiDelivery.next_attempt_at <= now,
                or_(XapiDelivery.claimed_until.is_(None), XapiDelivery.claimed_until < now))


def claim_strategy(session: Session) -> str:
    """``skip_locked`` on PostgreSQL (many workers at once), ``write_lock`` on SQLite."""
    return "skip_locked" if session.get_bind().dialect.name == "postgresql" else "write_lock"


def claim_in(session: Session, destination: str, limit: int, *, now: datetime,
             lease_until: datetime) -> list[Item]:
    """Lease up to ``limit`` due rows of ``destination`` in ``session``'s transaction.

    Longest due first (``next_attempt_at``, then ``id``, i.e. the order statements were
    stored among rows due at the same time): the partial index ``ix_xapi_deliveries_due``
    (destination, next_attempt_at, id) of pending rows hands the due rows over in exactly
    that order, so the claim reads about ``limit`` index entries instead of sorting the whole
    backlog.  (Ordering by ``id`` alone let PostgreSQL walk the primary key through every
    delivered row instead.)
    """
    due = (select(XapiDelivery.id).where(_due(destination, now))
           .order_by(XapiDelivery.next_attempt_at, XapiDelivery.id).limit(limit))
    if claim_strategy(session) == "skip_locked":
        # One round trip: lock the due rows others have not locked, lease them and read
        # their payloads (a data-modifying CTE).
        claimed = (update(XapiDelivery)
                   .where(XapiDelivery.id.in_(
                       due.with_for_update(skip_locked=True).scalar_subquery()))
                   .values(claimed_until=lease_until)
                   .returning(XapiDelivery.id, XapiDelivery.statement_pk)
                   .cte("claimed"))
        rows = session.execute(
            select(claimed.c.id, XapiStatement.payload)
            .join(XapiStatement, XapiStatement.id == claimed.c.statement_pk)
            .order_by(claimed.c.id)).all()
        return [(row.id, row.payload) for row in rows]
    else:
        # One statement: SQLite takes its write lock first, then reads the newest rows,
        # so two workers can never lease the same row.
        ids = list(session.scalars(
            update(XapiDelivery).where(XapiDelivery.id.in_(due.scalar_subquery()))
            .values(claimed_until=lease_until).returning(XapiDelivery.id)
            .execution_options(synchronize_session=False)))
    if not ids:
        return []
    rows = session.execute(
        select(XapiDelivery.id, XapiStatement.payload)
        .join(XapiStatement, XapiStatement.id == XapiDelivery.statement_pk)
        .where(XapiDelivery.id.in_(ids)).order_by(XapiDelivery.id)).all()
    return [(row.id, row.payload) for row in rows]


def claim_batch(db: Database, destination: str, limit: int, *, now: datetime,
                lease_until: datetime) -> list[Item]:
    """Lease up to ``limit`` due rows of ``destination``; committed before returning."""
    with db.session_scope() as session:
        return claim_in(session, destination, limit, now=now, lease_until=lease_until)


def release_in(session: Session, ids: list[int], lease_until: datetime) -> None:
    """Give back claimed rows that were never sent (a halt or a stop came first): they are
    due again at once for whoever claims next, their attempts unchanged."""
    if ids:
        session.execute(update(XapiDelivery)
                        .where(XapiDelivery.id.in_(ids),
                               XapiDelivery.claimed_until == lease_until)
                        .values(claimed_until=None)
                        .execution_options(synchronize_session=False))


# --- destination health ---------------------------------------------------------------------

def destination_state(session: Session, name: str) -> XapiDestinationState:
    """The state row of ``name``, created if missing (safe when workers race to create it)."""
    state = session.get(XapiDestinationState, name)
    if state is None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(insert(XapiDestinationState)
                        .values(destination=name, consecutive_failures=0)
                        .on_conflict_do_nothing())
        state = session.get(XapiDestinationState, name)
        assert state is not None  # just inserted, or inserted by a concurrent worker
    return state


def ready_at(state: XapiDestinationState | None, pause_retry_seconds: float) -> datetime | None:
    """When the destination may be tried next: None means now; paused destinations wait for
    their automatic retry time (``backoff_until``), or forever when that is disabled."""
    if state is None:
        return None
    if state.paused_at is not None:
        if pause_retry_seconds <= 0 or state.backoff_until is None:
            return datetime.max.replace(tzinfo=state.paused_at.tzinfo)
        return state.backoff_until
    return state.backoff_until


def describe(response: LrsResponse, destination: Destination) -> str:
    """A one-line account of an answer for people (never containing the password)."""
    if response.status is None:
        return scrub(response.text, destination)
    text = " ".join(response.text.split())
    return scrub(f"HTTP {response.status} from {safe_url(destination.statements_url)}"
                 + (f": {text}" if text else ""), destination)


def pause_reason(response: LrsResponse, destination: Destination) -> str:
    advice = {401: "check the destination's username and password",
              403: "the LRS refuses these credentials write access to statements",
              404: "check the destination's endpoint"}.get(response.status or 0,
                                                           "check the destination's settings")
    return (f"{describe(response, destination)[:500]} — {advice}, then run "
            f"`elearn xapi resume {destination.name}`")


# --- recording --------------------------------------------------------------------------------

@dataclass
class BatchOutcome:
    """Counts of one batch, for progress output."""

    destination: str
    claimed: int
    delivered: int
    dead: int
    left_pending: int
    requests: int
    halt: str | None = None


def record_outcome(db: Database, destination: Destination, report: BatchReport, *,
                   now: datetime, lease_until: datetime, settings: DeliverySettings,
                   rand: Callable[[], float] = random.random) -> None:
    """Write what happened to each claimed row and to the destination's health."""
    with db.session_scope() as session:
        record_rows(session, destination, report, now=now, lease_until=lease_until)
        record_health(session, destination, report, now=now, lease_until=lease_until,
                      settings=settings, rand=rand)


def record_rows(session: Session, destination: Destination, report: BatchReport, *,
                now: datetime, lease_until: datetime) -> None:
    """Write the delivered and dead-lettered rows of a batch (fenced by its lease)."""
    mine = XapiDelivery.claimed_until == lease_until
    by_status: dict[int, list[int]] = defaultdict(list)
    for delivery_id, status in report.delivered.items():
        by_status[status].append(delivery_id)
    for status, ids in by_status.items():
        session.execute(update(XapiDelivery).where(XapiDelivery.id.in_(ids), mine).values(
            state="delivered", delivered_at=now, attempts=XapiDelivery.attempts + 1,
            last_status=status, last_error=None, claimed_until=None)
            .execution_options(synchronize_session=False))
    for delivery_id, response in report.dead.items():
        answer = scrub(response.text, destination) or f"HTTP {response.status}"
        session.execute(update(XapiDelivery).where(XapiDelivery.id == delivery_id, mine)
                        .values(state="dead", attempts=XapiDelivery.attempts + 1,
                                last_status=response.status, last_error=answer,
                                claimed_until=None)
                        .execution_options(synchronize_session=False))


def record_health(session: Session, destination: Destination, report: BatchReport, *,
                  now: datetime, lease_until: datetime, settings: DeliverySettings,
                  rand: Callable[[], float] = random.random) -> None:
    """Write the destination's health after a batch, and on a halt the rows it left."""
    mine = XapiDelivery.claimed_until == lease_until
    state = destination_state(session, destination.name)
    if report.delivered or report.dead:
        state.last_success_at = now
    halt = report.halt
    if halt is None:
        state.consecutive_failures = 0
        state.backoff_until = None
        if state.paused_at is not None:
            log.info("%s: answered again; delivery resumed", destination.name)
        state.paused_at = None
        state.paused_reason = None
        return
    untouched_values: dict[str, Any] = {
        "claimed_until": None, "attempts": XapiDelivery.attempts + 1,
        "last_status": halt.response.status,
        "last_error": describe(halt.response, destination)}
    if halt.action is Action.RETRY:
        state.consecutive_failures += 1
        wait = retry_delay(state.consecutive_failures,
                           parse_retry_after(halt.response.retry_after, now),
                           base=settings.backoff_base, cap=settings.backoff_max,
                           retry_after_cap=settings.retry_after_max, rand=rand)
        state.backoff_until = now + timedelta(seconds=wait)
        untouched_values["next_attempt_at"] = state.backoff_until
        log.warning("%s: %s; %d statements wait %.1f s (failure %d in a row)",
                    destination.name, describe(halt.response, destination)[:300],
                    len(report.untouched), wait, state.consecutive_failures)
    else:
        state.consecutive_failures += 1
        state.paused_at = state.paused_at or now
        state.paused_reason = pause_reason(halt.response, destination)
        state.backoff_until = (now + timedelta(seconds=settings.pause_retry_seconds)
                               if settings.pause_retry_seconds > 0 else None)
        log.error("%s: paused: %s", destination.name, state.paused_reason)
    if report.untouched:
        session.execute(update(XapiDelivery)
                        .where(XapiDelivery.id.in_(report.untouched), mine)
                        .values(**untouched_values)
                        .execution_options(synchronize_session=False))


# --- the worker -------------------------------------------------------------------------------
# --- the worker -------------------------------------------------------------------------------

@dataclass
class Totals:
    delivered: int = 0
    dead: int = 0
    batches: int = 0  # claims finished (each up to ``claim_batches`` POSTs)
    requests: int = 0  # POSTs sent
    by_destination: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class Claimed:
    """A leased batch: its rows and the lease value that fences their updates."""

    items: list[Item]
    lease_until: datetime

    @property
    def ids(self) -> list[int]:
        return [delivery_id for delivery_id, _ in self.items]


@dataclass
class Lane:
    """One destination's pipeline: at most one batch in flight and one claimed behind it."""

    in_flight: Claimed | None = None
    sending: Future[BatchReport] | None = None
    next: Claimed | None = None

    @property
    def idle(self) -> bool:
        return self.in_flight is None and self.next is None


class DeliveryWorker:
    """Delivers every configured destination's queue until stopped.

    ``client``, ``clock`` and ``rand`` are injectable so tests can use a fake LRS, a fixed
    time and a fixed jitter; production uses the real ones.  POSTs run on one sender thread
    per destination; every database transaction runs on the calling thread.
    """

    def __init__(self, app: Flask, *, client: Any = None,
                 clock: Callable[[], datetime] = utcnow,
                 rand: Callable[[], float] = random.random) -> None:
        self.db: Database = app.extensions["elearn.db"]
        self.settings = DeliverySettings.from_config(app.config)
        self.destinations = destinations(app)
        self.client = client if client is not None else LrsClient()
        self.clock = clock
        self.rand = rand
        self.totals = Totals()
        self._stop = threading.Event()
        self._lanes: dict[str, Lane] = {d.name: Lane() for d in self.destinations}
        self._senders: ThreadPoolExecutor | None = None
        self._finishing = False

    def stop(self) -> None:
        """Ask the loop to end after the batch in flight."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def _winding_down(self) -> bool:
        return self._finishing or self.stopping

    # -- the steps ------------------------------------------------------------------------

    def _lease(self, destination: Destination, now: datetime, *, behind: bool) -> datetime:
        # A few random microseconds make each lease value unique, so it can fence updates.
        seconds = self.settings.lease_for(destination) * (2 if behind else 1)
        return now + timedelta(seconds=seconds, microseconds=int(self.rand() * 999_999))

    def _ready(self, destination: Destination, now: datetime) -> bool:
        with self.db.session_scope() as session:
            state = session.get(XapiDestinationState, destination.name)
            next_try = ready_at(state, self.settings.pause_retry_seconds)
        return next_try is None or next_try <= now

    def _send(self, destination: Destination, batch: Claimed) -> Future[BatchReport]:
        if self._senders is None:
            self._senders = ThreadPoolExecutor(max_workers=max(1, len(self.destinations)),
                                               thread_name_prefix="xapi-send")
        post = lambda body: self.client.post_statements(destination, body)  # noqa: E731
        return self._senders.submit(send_batches, post, batch.items, destination.batch_size,
                                    lambda: self.stopping)

    def deliver_batch(self, destination: Destination) -> BatchOutcome | None:
        """Advance ``destination``'s pipeline by one batch: wait for the answer to the batch
        in flight, send the batch claimed behind it, and in one transaction record the answer
        and claim the next.  Returns the finished batch's outcome (None when nothing was sent
        yet, e.g. at the start of a pipeline); with nothing due and nothing in flight the lane
        stays idle."""
        lane = self._lanes.setdefault(destination.name, Lane())
        if lane.idle:
            if self._winding_down:
                return None
            now = self.clock()
            if not self._ready(destination, now):
                return None
            lease_until = self._lease(destination, now, behind=False)
            items = claim_batch(self.db, destination.name,
                                self.settings.claim_size(destination), now=now,
                                lease_until=lease_until)
            if not items:
                return None
            lane.next = Claimed(items, lease_until)

        finished, report = lane.in_flight, None
        if lane.sending is not None:
            report = lane.sending.result()
        lane.in_flight = lane.sending = None
        halted = report is not None and report.halt is not None
        if lane.next is not None and not halted and not self._winding_down:
            lane.in_flight, lane.next = lane.next, None
            lane.sending = self._send(destination, lane.in_flight)
        if finished is None and lane.in_flight is not None:
            self._claim_behind(destination, lane)  # the pipeline's first step: nothing to record
            return BatchOutcome(destination.name, 0, 0, 0, 0, 0)

        now = self.clock()
        keep_going = lane.in_flight is not None and not self._winding_down
        unsent, lane.next = (lane.next, None) if not keep_going else (None, None)
        with self.db.session_scope() as session:
            if finished is not None and report is not None:
                record_rows(session, destination, report, now=now,
                            lease_until=finished.lease_until)
                release_in(session, report.unsent, finished.lease_until)
            if unsent is not None:
                release_in(session, unsent.ids, unsent.lease_until)
            if keep_going:
                lease_until = self._lease(destination, now, behind=True)
                items = claim_in(session, destination.name,
                                 self.settings.claim_size(destination), now=now,
                                 lease_until=lease_until)
                lane.next = Claimed(items, lease_until) if items else None
            if finished is not None and report is not None:
                record_health(session, destination, report, now=now,
                              lease_until=finished.lease_until, settings=self.settings,
                              rand=self.rand)
        if finished is None or report is None:
            return None
        return self._count(destination, finished, report)

    def _claim_behind(self, destination: Destination, lane: Lane) -> None:
        now = self.clock()
        lease_until = self._lease(destination, now, behind=True)
        items = claim_batch(self.db, destination.name, self.settings.claim_size(destination),
                            now=now,
                            lease_until=lease_until)
        lane.next = Claimed(items, lease_until) if items else None

    def _count(self, destination: Destination, batch: Claimed,
               report: BatchReport) -> BatchOutcome:
        outcome = BatchOutcome(destination.name, len(batch.items), len(report.delivered),
                               len(report.dead), len(report.untouched) + len(report.unsent),
                               report.requests,
                               report.halt.action.value if report.halt else None)
        self.totals.delivered += outcome.delivered
        self.totals.dead += outcome.dead
        self.totals.batches += 1
        self.totals.requests += outcome.requests
        self.totals.by_destination[destination.name] += outcome.delivered
        log.info("%s: batch of %d: %d delivered, %d dead-lettered, %d left pending "
                 "(%d requests); %d delivered by this worker so far",
                 destination.name, outcome.claimed, outcome.delivered, outcome.dead,
                 outcome.left_pending, outcome.requests,
                 self.totals.by_destination[destination.name])
        return outcome

    def finish(self) -> None:
        """Wait for every batch in flight, record its answer and give back the batches
        claimed behind them (on stop, and when ``run`` ends)."""
        self._finishing = True
        try:
            for destination in self.destinations:
                while not self._lanes.get(destination.name, Lane()).idle:
                    self.deliver_batch(destination)
        finally:
            self._finishing = False

    def _abandon(self) -> None:
        """After a database error: wait for the POSTs in flight and forget every lane.  Their
        rows keep their leases, which expire, and are sent again (harmless: same ids)."""
        for lane in self._lanes.values():
            if lane.sending is not None:
                lane.sending.exception()
        self._lanes = {d.name: Lane() for d in self.destinations}

    # -- the loop --------------------------------------------------------------------------

    def run_pass(self) -> int:
        """One step per destination; returns how many statements moved (claimed or
        finished), 0 when nothing is due and nothing is in flight."""
        moved = 0
        for destination in self.destinations:
            if self.stopping:
                break
            outcome = self.deliver_batch(destination)
            lane = self._lanes[destination.name]
            if outcome is not None:
                moved += outcome.claimed
            if lane.in_flight is not None:
                moved += len(lane.in_flight.items)
        return moved

    def run(self, *, once: bool = False) -> Totals:
        """Deliver until stopped; with ``once``, until nothing is due any more."""
        if not self.destinations:
            log.warning("no LRS destinations configured (ELEARN_LRS_DESTINATIONS); "
                        "statements stay in the outbox")
        try:
            while not self.stopping:
                try:
                    moved = self.run_pass()
                except DBAPIError as exc:
                    self._abandon()
                    if once:
                        raise
                    # The database restarting must not end the worker; nothing is lost, the
                    # claim (if any) expires and is retried.
                    log.error("database error, retrying in %.0f s: %s",
                              self.settings.poll_seconds,
                              type(exc.orig).__name__ if exc.orig is not None else exc)
                    self._stop.wait(self.settings.poll_seconds)
                    continue
                if moved:
                    continue
                if once:
                    break
                self._stop.wait(self.settings.poll_seconds)
            self.finish()
        finally:
            if self._senders is not None:
                self._senders.shutdown(wait=True)
                self._senders = None
            if hasattr(self.client, "close"):
                self.client.close()
        return self.totals
