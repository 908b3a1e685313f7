"""The worker's retention purge: due from the accountability log (a real purge by anyone
resets the clock, a dry run does not), off with ``PRIVACY_PURGE_EVERY_HOURS=0``, a bad
setting refused at start-up, and the real ``elearn xapi worker`` process purging on its own."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn import PROJECT_ROOT, create_app
from elearn.config import SettingError
from elearn.db import utcnow
from elearn.models import LoginFailure
from elearn.privacy.models import AuditEvent
from elearn.privacy.schedule import PurgeSchedule, last_purge


def add_failures(app, **ages_in_days: int) -> None:
    now = utcnow()
    with app.extensions["elearn.db"].session_scope() as session:
        for username, days in ages_in_days.items():
            session.add(LoginFailure(username=username, remote_addr="203.0.113.5",
                                     at=now - timedelta(days=days)))


def failures(app) -> list[str]:
    with app.extensions["elearn.db"].session_scope() as session:
        return sorted(session.scalars(select(LoginFailure.username)))


def purges(app) -> list[tuple[str, bool]]:
    with app.extensions["elearn.db"].session_scope() as session:
        return [(e.actor_label, e.details["dry_run"]) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "purge").order_by(AuditEvent.id))]


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


def test_purges_when_due_and_waits_for_the_interval(app):
    add_failures(app, old=120, recent=10)
    clock = Clock()
    schedule = PurgeSchedule(app, clock=clock)
    assert schedule.enabled and schedule.interval == timedelta(hours=24)

    report = schedule.run_due()  # never purged before: due at once
    assert report is not None and report.due["login_records"] == 1
    assert failures(app) == ["recent"]
    assert purges(app) == [("worker", False)]

    add_failures(app, older=200)
    clock.now += timedelta(hours=23)
    assert schedule.run_due() is None  # within the interval: nothing happens
    assert failures(app) == ["older", "recent"]

    clock.now += timedelta(hours=2)
    assert schedule.run_due() is not None
    assert failures(app) == ["recent"]
    assert purges(app) == [("worker", False), ("worker", False)]


def test_a_purge_from_the_command_line_counts_a_dry_run_does_not(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["privacy", "purge", "--dry-run"]).exit_code == 0
    with app.extensions["elearn.db"].session_scope() as session:
        assert last_purge(session) is None
    assert runner.invoke(args=["privacy", "purge"]).exit_code == 0
    with app.extensions["elearn.db"].session_scope() as session:
        done = last_purge(session)
    assert done is not None and utcnow() - done < timedelta(minutes=1)

    add_failures(app, old=120)
    assert PurgeSchedule(app).run_due() is None  # cron purged a moment ago
    assert failures(app) == ["old"]


def test_zero_turns_the_worker_purge_off(app):
    app.config["PRIVACY_PURGE_EVERY_HOURS"] = 0
    add_failures(app, old=120)
    schedule = PurgeSchedule(app, check_seconds=0.01)
    assert not schedule.enabled
    schedule.run()  # returns at once instead of looping
    assert failures(app) == ["old"] and purges(app) == []


@pytest.mark.parametrize("value", [-1, "daily", 1.5, True])
def test_a_bad_interval_stops_start_up_naming_the_setting(database_url, value):
    with pytest.raises(SettingError, match="ELEARN_PRIVACY_PURGE_EVERY_HOURS"):
        create_app({"ENV": "testing", "DATABASE_URL": database_url,
                    "SECRET_KEY": "test-secret-key-that-is-long-enough-0123",
                    "PRIVACY_PURGE_EVERY_HOURS": value})


def test_the_running_worker_purges_without_cron(app, database_url):
    add_failures(app, old=120, recent=10)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELEARN_")}
    env.update({"ELEARN_DATABASE_URL": database_url, "ELEARN_LRS_DESTINATIONS": "[]",
                "ELEARN_XAPI_POLL_SECONDS": "0.2"})
    worker = subprocess.Popen([sys.executable, "-m", "elearn.cli", "xapi", "worker"],
                              cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while failures(app) != ["recent"] and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.2)
        assert failures(app) == ["recent"]
        assert purges(app) == [("worker", False)]
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(func.count(AuditEvent.id))) == 1
