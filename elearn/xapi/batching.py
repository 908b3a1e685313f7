"""What an LRS's answer means for a batch, and how a rejected batch is split to find the
statement the LRS refuses.

xAPI LRSs store a POSTed batch atomically: one invalid statement makes the whole batch fail
with 400.  Splitting the batch in halves and posting each half again isolates the bad
statement(s) in about ``2·log2(n)`` requests; everything else is delivered and only the
statement the LRS itself rejects is dead-lettered, with the LRS's answer kept for people.

This module knows nothing of databases or sockets: the poster is a plain function, so the
rules are unit-tested with a fake LRS.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from elearn.xapi.lrs_client import LrsResponse


class Action(Enum):
    """What delivery does with the statements a request carried."""

    DELIVERED = "delivered"  # stored, or already there (409/204)
    REJECT = "reject"        # the content is refused: split, then dead-letter the culprit
    PAUSE = "pause"          # our credentials or configuration are wrong: stop this destination
    RETRY = "retry"          # the LRS or the network is struggling: back off and try again


def classify(status: int | None) -> Action:
    """The action for an HTTP status (None = no answer: refused connection, timeout)."""
    if status is None:
        return Action.RETRY
    if 200 <= status < 300 or status == 409:
        return Action.DELIVERED
    if status in (400, 413, 422):
        # 413: the batch is too big for the LRS; halves will fit (a single statement
        # that is still too big is dead-lettered like an invalid one).
        return Action.REJECT
    if status in (408, 425, 429) or status >= 500:
        return Action.RETRY
    if 300 <= status < 500:
        # 401/403 wrong or revoked credentials; 404/405 wrong endpoint; 3xx moved LRS:
        # retrying cannot help until a person changes something.
        return Action.PAUSE
    return Action.RETRY


@dataclass(frozen=True)
class Halt:
    """Why the rest of a batch was not sent."""

    action: Action
    response: LrsResponse


@dataclass
class BatchReport:
    """The outcome of sending one claimed batch.

    ``delivered`` and ``dead`` map delivery ids to the status the LRS answered;
    ``untouched`` ids were not resolved (a halt stopped them) and stay pending; ``unsent``
    ids belong to later POSTs of the same claim that a halt kept from being sent at all
    (given back with their attempts unchanged).
    """

    delivered: dict[int, int] = field(default_factory=dict)
    dead: dict[int, LrsResponse] = field(default_factory=dict)
    untouched: list[int] = field(default_factory=list)
    unsent: list[int] = field(default_factory=list)
    halt: Halt | None = None
    requests: int = 0


Item = tuple[int, str]  # (delivery id, statement payload JSON)
Poster = Callable[[bytes], LrsResponse]


def batch_body(payloads: Sequence[str]) -> bytes:
    """The JSON array of ``payloads``, each exactly as stored (no re-serialisation)."""
    return ("[" + ",".join(payloads) + "]").encode("utf-8")


def send_batch(post: Poster, items: Sequence[Item]) -> BatchReport:
    """Send ``items`` with ``post``, splitting on rejection; stops at the first answer that
    concerns the whole destination (pause or retry)."""
    report = BatchReport()
    if items:
        _send(post, list(items), report)
    return report


def send_batches(post: Poster, items: Sequence[Item], batch_size: int,
                 stopping: Callable[[], bool] = lambda: False) -> BatchReport:
    """Send ``items`` (one claim) as consecutive POSTs of at most ``batch_size``, in order.
    After a halt, or once ``stopping()`` says so, the POSTs not yet sent are left out
    (``unsent``): a stop waits for one POST at most."""
    report = BatchReport()
    for start in range(0, len(items), max(1, batch_size)):
        chunk = list(items[start:start + batch_size])
        if report.halt is not None or (report.requests and stopping()):
            report.unsent.extend(delivery_id for delivery_id, _ in chunk)
        else:
            _send(post, chunk, report)
    return report


def _send(post: Poster, items: list[Item], report: BatchReport) -> None:
    ids = [delivery_id for delivery_id, _ in items]
    if report.halt is not None:
        report.untouched.extend(ids)
        return
    response = post(batch_body([payload for _, payload in items]))
    report.requests += 1
    action = classify(response.status)
    if action is Action.DELIVERED:
        report.delivered.update(dict.fromkeys(ids, response.status or 200))
    elif action is Action.REJECT:
        if len(items) == 1:
            report.dead[ids[0]] = response
        else:
            middle = len(items) // 2
            _send(post, items[:middle], report)
            _send(post, items[middle:], report)
    else:
        report.halt = Halt(action, response)
        report.untouched.extend(ids)
