"""A standard xAPI client (the ``tincan`` library's RemoteLRS) against the read API served
over real HTTP: it pages through everything with ``more`` and polls with ``since``."""
from __future__ import annotations

import threading

import pytest
from tincan import RemoteLRS
from werkzeug.serving import make_server

from elearn.local_lrs import free_port
from elearn.xapi.clients import create_client
from tests.xapi.outbox_rows import add, statement


@pytest.fixture
def served(app):
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/xapi/"
    server.shutdown()


@pytest.fixture
def lrs(app, served):
    with app.extensions["elearn.db"].session_scope() as session:
        issued = create_client(session, "tincan-client")
    return RemoteLRS(endpoint=served, username=issued.key, password=issued.secret)


def test_about(lrs):
    response = lrs.about()
    assert response.success
    assert "1.0.3" in [str(v) for v in response.content.version]


def test_pages_through_everything_then_polls_with_since(app, lrs):
    made = [statement(n) for n in range(23)]
    add(app, made)
    response = lrs.query_statements({"limit": 10, "ascending": True})
    assert response.success, response.data
    seen = [str(s.id) for s in response.content.statements]
    while response.content.more:
        response = lrs.more_statements(response.content)
        assert response.success, response.data
        seen += [str(s.id) for s in response.content.statements]
    assert seen == [s["id"] for s in made]

    last_stored = lrs.query_statements({"limit": 1}).content.statements[0].stored
    newer = [statement(100 + n) for n in range(3)]
    add(app, newer)
    polled = lrs.query_statements({"since": last_stored, "ascending": True})
    assert polled.success, polled.data
    assert [str(s.id) for s in polled.content.statements] == [s["id"] for s in newer]


def test_wrong_secret_is_refused(served):
    wrong = RemoteLRS(endpoint=served, username="nobody", password="nothing")
    response = wrong.query_statements({"limit": 1})
    assert not response.success and response.response.status == 401
