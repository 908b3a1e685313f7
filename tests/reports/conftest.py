"""These tests read English interface texts: signed-in clients ask for English (the
Finnish and Swedish catalogues are checked in their own test)."""
from __future__ import annotations

import pytest


@pytest.fixture
def client_as(client_as):
    def english(role, **fields):
        client = client_as(role, **fields)
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client
    return english
