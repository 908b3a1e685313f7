"""Fixtures for the learner page tests: a published course and a signed-in learner."""
from __future__ import annotations

import pytest

from tests.factories import make_course_version


@pytest.fixture
def course(app):
    """A published two-unit course with one question of every type per unit."""
    with app.extensions["elearn.db"].session_scope() as session:
        version = make_course_version(session, slug="testikurssi", units=2, max_attempts=3,
                                      min_length=20)
        return {"slug": version.course.slug, "version_id": version.id}


@pytest.fixture
def learner(client_as):
    client = client_as("learner")
    client.post("/language", data={"language": "en", "next": "/"})
    return client
