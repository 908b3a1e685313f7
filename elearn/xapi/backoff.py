"""How long a destination waits after a temporary failure (429, 5xx, network, timeout).

Exponential backoff with *full jitter*: the wait is drawn uniformly from
``[0, min(cap, base * 2**(failures-1))]``.  Jitter spreads the retries of many workers (and
of many services behind one LRS) so a recovering LRS is not hit by all of them at once.
An LRS that says ``Retry-After`` is obeyed: we never come back earlier than it asked.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime


def backoff_delay(failures: int, *, base: float, cap: float,
                  rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after ``failures`` consecutive failures (1 = the first failure)."""
    if failures < 1:
        return 0.0
    # 2**64 is far past any cap; bounding the exponent keeps the float finite.
    ceiling = min(cap, base * (2 ** min(failures - 1, 64)))
    return rand() * ceiling


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from ``now`` that a ``Retry-After`` header asks for (delta-seconds or an
    HTTP date), or None when the header is absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def retry_delay(failures: int, retry_after: float | None, *, base: float, cap: float,
                retry_after_cap: float, rand: Callable[[], float] = random.random) -> float:
    """The wait before the next try: the jittered backoff, but never less than the LRS's
    ``Retry-After`` (itself bounded by ``retry_after_cap`` so a wrong header cannot stall a
    destination for days)."""
    delay = backoff_delay(failures, base=base, cap=cap, rand=rand)
    if retry_after is not None:
        delay = max(delay, min(retry_after, retry_after_cap))
    return delay
