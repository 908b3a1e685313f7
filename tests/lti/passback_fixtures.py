"""Fixtures of the grade-passback and roster tests (imported by their modules, so the
tool's own tests under tests/lti/ keep their conftest to themselves)."""
from __future__ import annotations

import pytest

from tests.factories import make_course_version


@pytest.fixture
def course(app):
    """A published two-unit course (slug ``testikurssi``), one question of every type per
    unit, one reflection task per unit."""
    with app.extensions["elearn.db"].session_scope() as session:
        version = make_course_version(session, slug="testikurssi", units=2)
        return {"slug": version.course.slug, "version_id": version.id}
