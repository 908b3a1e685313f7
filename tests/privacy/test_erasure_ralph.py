"""Erasure against a real Ralph LRS: every statement about the learner that Ralph received
before the erasure is voided there afterwards, with voiding statements valid under Ralph's
models; none of the learner's statements still queued at the erasure ever reach Ralph."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from elearn.local_lrs import LocalRalph
from elearn.models import User, XapiStatement
from elearn.services import learning
from elearn.xapi.delivery import DeliveryWorker
from tests.factories import make_course_version
from tests.privacy.support import learner_did_everything
from tests.xapi.support import ralph_errors

pytestmark = pytest.mark.lrs

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


@pytest.fixture(scope="module")
def ralph(tmp_path_factory):
    lrs = LocalRalph(tmp_path_factory.mktemp("ralph")).start()
    yield lrs
    lrs.stop()


@pytest.fixture
def app_overrides(ralph):
    return {"LRS_DESTINATIONS": [{**ralph.destination("ralph"), "batch_size": 50}],
            "XAPI_POLL_SECONDS": 0.1}


def statement_ids(app, username: str) -> set[str]:
    with app.extensions["elearn.db"].session_scope() as session:
        return set(session.scalars(select(XapiStatement.statement_id).join(
            User, User.id == XapiStatement.user_id).where(User.username == username)))


def test_delivered_statements_are_voided_in_ralph_and_queued_ones_never_arrive(
        app, ralph, make_user):
    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="testikurssi", units=2)
        make_course_version(session, slug="toinen", units=1)
    make_user("learner", username="anna")
    make_user("learner", username="bertil")
    learner_did_everything(app, "anna")
    learner_did_everything(app, "bertil")
    DeliveryWorker(app).run(once=True)
    delivered = statement_ids(app, "anna")
    bertils = statement_ids(app, "bertil")
    in_ralph = {s["id"] for s in ralph.statements()}
    assert delivered and delivered <= in_ralph

    # More learning while no worker runs: queued, not delivered.
    with app.app_context(), app.extensions["elearn.db"].session_scope() as session:
        anna = session.scalar(select(User).where(User.username == "anna"))
        enrolment = learning.enrol(session, anna, "toinen")
        learning.open_unit(session, enrolment, "unit-1")
    queued = statement_ids(app, "anna") - delivered
    assert queued

    result = app.test_cli_runner().invoke(args=["privacy", "erase", "anna", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"voiding statements queued: ralph {len(delivered)}" in result.output
    assert f"{len(queued)} undelivered statements dropped" in result.output

    DeliveryWorker(app).run(once=True)
    held = ralph.statements()
    voiding = [s for s in held if s["verb"]["id"] == VOIDED
               and s["object"].get("objectType") == "StatementRef"]
    voided = {s["object"]["id"] for s in voiding}
    assert delivered <= voided
    assert not voided & bertils  # nobody else's statements were touched
    assert not queued & {s["id"] for s in held}
    # Each voiding statement as elearn sent it is valid under Ralph's models, names the
    # service, not the learner, and keeps its deterministic id.
    sent = [{k: v for k, v in s.items() if k not in ("stored", "authority")}
            for s in voiding if s["object"]["id"] in delivered]
    assert ralph_errors(sent) == [[] for _ in sent]
    assert {json.dumps(s["actor"], sort_keys=True) for s in sent} == {
        json.dumps({"account": {"homePage": app.config["PUBLIC_URL"], "name": "elearn"},
                    "objectType": "Agent"}, sort_keys=True)}

    # Erasing again queues nothing new; a worker run finds nothing to send.
    again = app.test_cli_runner().invoke(args=["privacy", "erase", "anna", "--yes"])
    assert "already erased" in again.output
    assert DeliveryWorker(app).run(once=True).batches == 0
