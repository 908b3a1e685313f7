"""Fixtures for the learner API tests: a published course and signed-in learners."""
from __future__ import annotations

import pytest

from tests.factories import make_course_version


@pytest.fixture
def course(app):
    """A published two-unit course, one question of every type per unit, three attempts, one
    reflection task (at least 20 characters) per unit."""
    with app.extensions["elearn.db"].session_scope() as session:
        version = make_course_version(session, slug="testikurssi", units=2)
        return {"slug": version.course.slug, "version_id": version.id}


@pytest.fixture
def learner(client_as, course):
    """A signed-in learner enrolled in the course."""
    client = client_as("learner")
    assert client.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
    return client

