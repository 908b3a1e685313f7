"""Rounds of quiz attempts: a learner who used every attempt without passing is not stuck.

A quiz with ``max_attempts`` gives that many attempts per *round*.  When a round is used up
and the quiz is still not passed, the next round (the same number of attempts, each with a
new random draw and choice order) opens by itself ``ELEARN_QUIZ_RETRY_WAIT_HOURS`` after the
round's last attempt — time to go back to the unit instead of guessing again — or at once
when a trainer opens it (``elearn quiz new-round``, the trainer page).  A learner who passed
has nothing to wait for: passing does not lock the quiz while attempts are left, and a used-up
round of a passed quiz stays closed.

Only attempts submitted since the round began (``UnitProgress.round_started_at``; all when
it is empty) count against the limit; the attempt numbers keep counting across rounds, so
every attempt stays on record and in xAPI.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_app_context

DEFAULT_WAIT_HOURS = 24.0


def retry_wait() -> timedelta:
    """How long after a used-up round the next one opens (the setting, or its default)."""
    hours = (current_app.config.get("QUIZ_RETRY_WAIT_HOURS", DEFAULT_WAIT_HOURS)
             if has_app_context() else DEFAULT_WAIT_HOURS)
    return timedelta(hours=float(hours))


def next_round_at(max_attempts: int, used_in_round: int, passed: bool,
                  last_submitted_at: datetime | None) -> datetime | None:
    """When a new round opens for a learner who used up this one without passing; None when
    attempts are left, the quiz has no limit, or it was passed."""
    if not max_attempts or used_in_round < max_attempts or passed or last_submitted_at is None:
        return None
    return last_submitted_at + retry_wait()
