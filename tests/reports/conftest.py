"""These tests read English interface texts: signed-in clients ask for English (the
Finnish and Swedish catalogues are checked in their own test)."""
from __future__ import annotations

import pytest

from tests.reports.cohort import DESTINATIONS, PUBLIC_URL, build_cohort


@pytest.fixture
def client_as(client_as):
    def english(role, **fields):
        client = client_as(role, **fields)
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client
    return english


@pytest.fixture
def app_overrides():
    """The cohort's public URL and LRS destinations, for every report test."""
    return {"PUBLIC_URL": PUBLIC_URL, "LRS_DESTINATIONS": DESTINATIONS}


@pytest.fixture
def cohort(app, db_session):
    """The hand-computed cohort of ``tests/reports/cohort.py``, committed."""
    with app.app_context():
        built = build_cohort(db_session)
        db_session.commit()
    return built
