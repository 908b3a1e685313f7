"""Fixtures for the learning service tests: an app context with an open session, a learner,
a published course and a recorder of the learning events the services publish."""
from __future__ import annotations

import pytest

from elearn.events import subscribe
from elearn.models import Role
from elearn.services.accounts import create_user
from tests.factories import make_course_version


@pytest.fixture
def session(app):
    """A session inside an app context (events are published through ``current_app``)."""
    with app.app_context():
        db_session = app.extensions["elearn.db"].sessionmaker()
        yield db_session
        db_session.rollback()
        db_session.close()


@pytest.fixture
def recorded(app):
    """Every learning event published in ``app``, in order."""
    events = []
    subscribe(app, lambda _session, event: events.append(event))
    return events


@pytest.fixture
def learner(session):
    return create_user(session, username="oppija", password="correct horse battery",
                       role=Role.LEARNER)


@pytest.fixture
def course(session):
    """Two units, one question of every type each, three attempts, one reflection task."""
    return make_course_version(session, slug="testikurssi", units=2)

