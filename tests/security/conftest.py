"""Fixtures for the hardening tests: a published course, an enrolled learner, xAPI credentials."""
from __future__ import annotations

import base64

import pytest

from elearn.xapi.clients import create_client
from tests.factories import make_course_version

SLUG = "testikurssi"
UNIT = f"/api/courses/{SLUG}/units/unit-1"


@pytest.fixture
def course(app):
    with app.extensions["elearn.db"].session_scope() as session:
        version = make_course_version(session, slug=SLUG, units=2)
        return {"slug": version.course.slug, "version_id": version.id}


@pytest.fixture
def learner(client_as, course):
    """A signed-in learner enrolled in the course."""
    client = client_as("learner")
    assert client.post(f"/api/courses/{SLUG}/enrolment", json={}).status_code == 201
    return client


def basic(key: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}


@pytest.fixture
def xapi_headers(app):
    with app.extensions["elearn.db"].session_scope() as session:
        issued = create_client(session, "hr-system")
    return basic(issued.key, issued.secret)


def assert_json_error(response, status: int, field: str | None = None) -> dict:
    """The one JSON error shape, naming ``field`` when given."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    if field is not None:
        assert field in body["error"]["details"]["fields"], body
    return body["error"]
