"""``elearn xapi ...`` commands: status, resend, resume, credentials, worker --once."""
from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select, update

from elearn.db import utcnow
from elearn.models import XapiClient, XapiDelivery, XapiDestinationState
from elearn.local_lrs import free_port
from tests.xapi.outbox_rows import add, deliveries, statement, states

SECRET = "destination-secret-123"


@pytest.fixture
def app_overrides():
    closed = free_port()
    # A long backoff: with full jitter a short base could make the retry due again within
    # the same ``worker --once`` run, and the test would see two failures instead of one.
    return {"XAPI_BACKOFF_BASE_SECONDS": 3600.0, "LRS_DESTINATIONS": [
        {"name": "alpha", "endpoint": f"http://127.0.0.1:{closed}/xAPI/", "username": "a",
         "password": SECRET, "timeout": 2},
        {"name": "beta", "endpoint": f"http://127.0.0.1:{closed}/xAPI/", "username": "b",
         "password": SECRET}]}


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(args=["xapi", *args])
        assert SECRET not in result.output
        return result
    return invoke


def make_dead(app, destination: str, n: int = 1):
    with app.extensions["elearn.db"].session_scope() as session:
        ids = list(session.scalars(select(XapiDelivery.id)
                                   .where(XapiDelivery.destination == destination)
                                   .order_by(XapiDelivery.id).limit(n)))
        session.execute(update(XapiDelivery).where(XapiDelivery.id.in_(ids))
                        .values(state="dead", last_status=400, last_error="invalid"))


def test_status_lists_each_destination(app, run):
    add(app, [statement(n) for n in range(3)])
    make_dead(app, "beta")
    result = run("status")
    assert result.exit_code == 0
    alpha, beta = result.output.split("\nbeta\n")
    assert "queued:         3" in alpha and "dead-lettered:  0" in alpha
    assert "queued:         2" in beta and "dead-lettered:  1" in beta
    assert "elearn xapi resend --destination beta --all" in beta
    data = json.loads(run("status", "--json").output)
    assert [d["name"] for d in data] == ["alpha", "beta"]
    assert data[1]["dead"] == 1 and data[0]["queued"] == 3
    assert data[0]["oldest_queued_age_seconds"] >= 0
    assert data[0]["paused_at"] is None


def test_worker_once_backs_off_when_the_lrs_is_unreachable(app, run):
    add(app, [statement(n) for n in range(2)])
    result = run("worker", "--once")
    assert result.exit_code == 0, result.output
    assert "delivering to alpha, beta" in result.output
    assert "0 delivered" in result.output
    assert states(app) == {"pending": 4}
    status = json.loads(run("status", "--json").output)
    assert all(d["backoff_until"] and d["consecutive_failures"] == 1 for d in status)
    assert "backing off until" in run("status").output


def test_resend_by_id_destination_since_and_all(app, run):
    made = [statement(n) for n in range(4)]
    add(app, made)
    make_dead(app, "alpha", 4)
    make_dead(app, "beta", 4)
    refused = run("resend")
    assert refused.exit_code == 2 and "--all" in refused.output
    result = run("resend", "--id", made[0]["id"])
    assert result.exit_code == 0 and result.output.strip() == \
        "2 dead-lettered deliveries queued again"
    assert "1 dead-lettered" in run("resend", "--id", made[1]["id"],
                                    "--destination", "beta").output
    assert "0 dead-lettered" in run("resend", "--since", "2999-01-01").output
    assert run("resend", "--since", "last tuesday").exit_code == 2
    assert "3 dead-lettered" in run("resend", "--destination", "alpha", "--since",
                                    "2000-01-01T00:00:00Z").output
    assert "2 dead-lettered" in run("resend", "--all").output
    assert states(app) == {"pending": 8}
    assert all(d.attempts == 0 and d.last_error is None for d in deliveries(app))


def test_resume_clears_pause_and_refuses_unknown_names(app, run):
    add(app, [statement(1)])
    with app.extensions["elearn.db"].session_scope() as session:
        session.add(XapiDestinationState(destination="alpha", paused_at=utcnow(),
                                         paused_reason="HTTP 401", consecutive_failures=1))
    assert "PAUSED since" in run("status").output
    result = run("resume", "alpha")
    assert result.exit_code == 0 and "resumed" in result.output
    with app.extensions["elearn.db"].session_scope() as session:
        state = session.get(XapiDestinationState, "alpha")
        assert state.paused_at is None and state.paused_reason is None
    assert "was not paused" in run("resume", "beta").output
    unknown = run("resume", "gamma")
    assert unknown.exit_code == 2 and "gamma" in unknown.output


def test_credentials_create_list_revoke(app, run):
    created = run("credentials", "create", "hr-pull")
    assert created.exit_code == 0
    lines = dict(line.split(": ", 1) for line in created.output.splitlines()
                 if line.startswith(("key:", "secret:")))
    key, secret = lines["key"].strip(), lines["secret"].strip()
    with app.extensions["elearn.db"].session_scope() as session:
        stored = session.scalar(select(XapiClient))
        assert stored.key == key and secret not in stored.secret_hash
    basic = base64.b64encode(f"{key}:{secret}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}", "X-Experience-API-Version": "1.0.3"}
    client = app.test_client()
    assert client.get("/xapi/statements", headers=headers).status_code == 200

    assert run("credentials", "create", "hr-pull").exit_code == 2  # name taken
    listed = run("credentials", "list").output
    assert "hr-pull" in listed and key in listed and secret not in listed
    assert "active" in listed and "last used" in listed

    assert "revoked" in run("credentials", "revoke", "hr-pull").output
    assert client.get("/xapi/statements", headers=headers).status_code == 401
    assert "revoked" in run("credentials", "list").output
    assert run("credentials", "revoke", "nobody").exit_code == 2


def test_destination_removed_from_settings_still_shows_its_queue(app, run):
    add(app, [statement(1)])
    app.config["LRS_DESTINATIONS"] = app.config["LRS_DESTINATIONS"][:1]
    app.extensions.pop("elearn.xapi.destinations", None)
    output = run("status").output
    assert "beta (no longer configured)" in output
