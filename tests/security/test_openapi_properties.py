"""Property-based test of the JSON API against its own OpenAPI document, for every role.

Schemathesis generates requests from ``/api/openapi.json`` — valid ones (positive) and ones
the schema forbids (negative) — and sends them to the app in-process, signed in as each role
in turn and anonymously.  Every answer must be below 500 and, where the document describes
the status, match its schema.  Each operation is tried twice: with generated path
parameters (mostly unknown resources) and with the ids of real data, so documented 200
bodies are checked against real rows.  The number of examples is bounded so the whole
module stays within a few minutes of ``make test``.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.failures import FailureGroup
from sqlalchemy import select

from elearn.models import QuizAttempt, Reflection
from tests.security.conftest import SLUG, UNIT

EXAMPLES = 15
ROLES = ["anonymous", "learner", "trainer", "hr", "admin"]


@pytest.fixture
def real_ids(app, learner, db_session) -> dict[str, object]:
    """Data the learner made: an open attempt and a reflection in unit 1."""
    unit = learner.get(UNIT).get_json()
    assert learner.put(f"{UNIT}/reflections/r1",
                       json={"text": "Luottamus rakentuu yhteisestä työstä."}).status_code == 200
    attempt_id = db_session.scalar(select(QuizAttempt.id))
    reflection_id = db_session.scalar(select(Reflection.id))
    assert unit["quiz"]["attempt_id"] == attempt_id
    return {"slug": SLUG, "unit_key": "unit-1", "task_key": "r1", "attempt_id": attempt_id,
            "reflection_id": reflection_id, "number": 1}


def _cookie_of(client) -> dict[str, str]:
    cookie = client.get_cookie("session")
    return {"Cookie": f"session={cookie.value}"} if cookie is not None else {}


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_below_500_and_as_documented(app, role, learner, client_as,
                                                             real_ids):
    client = learner if role == "learner" else (
        app.test_client() if role == "anonymous" else client_as(role))
    headers = _cookie_of(client)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        declared = {p.name for p in operation.path_parameters}
        fixed = {name: value for name, value in real_ids.items() if name in declared}
        strategies = [operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                      operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)]
        if fixed:
            strategies.append(operation.as_strategy(generation_mode=GenerationMode.POSITIVE,
                                                    path_parameters=fixed))
        for strategy in strategies:
            _explore(strategy, headers, failures, operation.label)
    assert not failures, "\n".join(failures[:20])


def _explore(strategy, headers, failures: list[str], label: str) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        merged = dict(case.headers or {})
        merged.update(headers)
        response = case.call(headers=merged)
        try:
            case.validate_response(response, checks=[not_a_server_error,
                                                     response_schema_conformance])
        except (AssertionError, FailureGroup) as failure:
            failures.append(f"{label} {response.status_code} {case.path_parameters} "
                            f"{case.query} {case.body!r:.200}: {failure!s:.500}")

    run()


def test_the_property_check_notices_a_server_error(app):
    """The harness itself: an operation that fails on some input is reported, not passed."""
    from flask_smorest import Blueprint
    from marshmallow import Schema, fields

    from elearn.access import public
    from elearn.api import api

    class _Query(Schema):
        n = fields.Integer(required=True)

    blp = Blueprint("probe_5xx", __name__, url_prefix="/api/probe-5xx")

    @blp.get("/")
    @blp.arguments(_Query, location="query")
    @public
    def fails_on_odd(query):
        if query["n"] % 2:
            raise RuntimeError("odd")
        return {}

    api.register_blueprint(blp)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operation = next(r.ok() for r in schema.get_all_operations()
                     if r.ok().path == "/api/probe-5xx/")
    failures: list[str] = []
    _explore(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), {}, failures,
             operation.label)
    assert failures and "500" in failures[0]
