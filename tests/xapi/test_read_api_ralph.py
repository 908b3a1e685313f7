"""Standard clients pull every statement of a large data set from the running service:
Ralph's own ``ralph read -b lrs`` (which re-sends its query beside each ``more`` token) with
its default page size and with ``-s 25``, and tincan's RemoteLRS.  The ids they receive equal
the outbox's, each once."""
from __future__ import annotations

import json
import os
import subprocess

import pytest
from sqlalchemy import select
from tincan import RemoteLRS

from elearn import PROJECT_ROOT
from elearn.models import XapiStatement
from tests.xapi.live import credentials, serving
from tests.xapi.outbox_rows import add, statement

RALPH = PROJECT_ROOT / ".venv-ralph" / "bin" / "ralph"
COUNT = 2_100


@pytest.fixture
def data_set(app) -> list[str]:
    """Statements of 30 learners, added in batches as learners' actions add them; the
    outbox's ids, newest stored first."""
    for start in range(0, COUNT, 300):
        add(app, [statement(n, learner=f"learner-{n % 30}")
                  for n in range(start, min(start + 300, COUNT))])
    with app.extensions["elearn.db"].session_scope() as session:
        return list(session.scalars(select(XapiStatement.statement_id)
                                    .order_by(XapiStatement.stored_at.desc(),
                                              XapiStatement.id.desc())))


@pytest.fixture
def live(app):
    issued = credentials(app)
    with serving(app) as url:
        yield url, issued


def ralph_read(url: str, key: str, secret: str, *extra: str) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RALPH_")}
    completed = subprocess.run(
        [str(RALPH), "read", "-b", "lrs", "--lrs-base-url", url, "--lrs-username", key,
         "--lrs-password", secret, "--lrs-statements-endpoint", "/xapi/statements", *extra],
        capture_output=True, text=True, timeout=300, env=env)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("page", [None, 25])
def test_ralph_reads_every_statement(live, data_set, page):
    url, issued = live
    extra = ["-s", str(page)] if page else []
    pulled = ralph_read(url, issued.key, issued.secret, *extra)
    assert len(data_set) == COUNT
    assert [s["id"] for s in pulled] == data_set


@pytest.mark.parametrize("limit", [None, 25])
def test_tincan_reads_every_statement(live, data_set, limit):
    url, issued = live
    lrs = RemoteLRS(endpoint=f"{url}/xapi/", username=issued.key, password=issued.secret)
    response = lrs.query_statements({"limit": limit} if limit else {})
    assert response.success, response.data
    pulled = [str(s.id) for s in response.content.statements]
    while response.content.more:
        response = lrs.more_statements(response.content)
        assert response.success, response.data
        pulled += [str(s.id) for s in response.content.statements]
    assert pulled == data_set
