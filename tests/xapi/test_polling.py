"""Polling with ``since`` never loses or repeats a statement, though transactions commit out
of the order in which they wrote their statements.

Writers run concurrently, each transaction writing a few statements and then staying open for
a varying time before it commits (as a learner's request does while it finishes its work);
two pollers follow the recipe of docs/operations.md meanwhile, one taking ``since`` from the
newest ``stored`` it received, the other from the first page's
``X-Experience-API-Consistent-Through``.  Every statement reaches both exactly once.
"""
from __future__ import annotations

import base64
import random
import threading
import time

from sqlalchemy import select

from elearn.models import XapiStatement
from elearn.xapi.outbox import enqueue
from tests.xapi.live import credentials
from tests.xapi.outbox_rows import statement

WRITERS = 8
STATEMENTS = 2_400
CT = "X-Experience-API-Consistent-Through"


def _writer(app, number: int, count: int, seed: int, errors: list) -> None:
    rng = random.Random(seed)
    made = 0
    try:
        with app.app_context():
            sessionmaker = app.extensions["elearn.db"].sessionmaker
            while made < count:
                size = min(rng.randint(1, 4), count - made)
                batch = [statement(number * 100_000 + made + k, learner=f"w{number}")
                         for k in range(size)]
                with sessionmaker() as session:
                    enqueue(session, batch, course_slug="verkostojohtaminen", user_id=None,
                            enrolment_id=None)
                    session.flush()
                    time.sleep(rng.choice((0, 0, 0.002, 0.005, 0.01, 0.02)))
                    session.commit()
                made += size
    except Exception as error:  # pragma: no cover - reported by the test
        errors.append(error)


class Poller:
    """Follows the pull recipe: ``since`` (none at first) and ``ascending=true``, every
    ``more`` link to the end; then the next pass from the new ``since``."""

    def __init__(self, app, headers: dict[str, str], use_header: bool):
        self.client = app.test_client()
        self.headers = headers
        self.use_header = use_header
        self.seen: list[str] = []
        self.passes_with_news = 0
        self.since: str | None = None

    def one_pass(self) -> None:
        query = {"ascending": "true", "limit": "100"}
        if self.since:
            query["since"] = self.since
        response = self.client.get("/xapi/statements", query_string=query,
                                   headers=self.headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        through = response.headers[CT]
        newest = None
        got = 0
        while True:
            body = response.get_json()
            for served in body["statements"]:
                self.seen.append(served["id"])
                newest = served["stored"]
                got += 1
            if not body["more"]:
                break
            response = self.client.get(body["more"], headers=self.headers)
            assert response.status_code == 200, response.get_data(as_text=True)
        if got:
            self.passes_with_news += 1
        if self.use_header:
            self.since = through
        elif newest is not None:
            self.since = newest


def test_concurrent_writers_and_pollers_lose_and_repeat_nothing(app):
    issued = credentials(app)
    token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
    pollers = [Poller(app, headers, use_header=False), Poller(app, headers, use_header=True)]
    errors: list = []
    per_writer = STATEMENTS // WRITERS
    writers = [threading.Thread(target=_writer, args=(app, n, per_writer, n, errors))
               for n in range(WRITERS)]
    poll_errors: list = []
    done = threading.Event()

    def poll(poller: Poller) -> None:
        try:
            while not done.is_set():
                poller.one_pass()
                time.sleep(0.005)
        except Exception as error:  # pragma: no cover - reported by the test
            poll_errors.append(error)

    polling = [threading.Thread(target=poll, args=(p,)) for p in pollers]
    for thread in polling + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    done.set()
    for thread in polling:
        thread.join(timeout=60)
    assert not errors and not poll_errors, (errors, poll_errors)

    with app.extensions["elearn.db"].session_scope() as session:
        stored = set(session.scalars(select(XapiStatement.statement_id)))
    assert len(stored) == STATEMENTS
    for poller in pollers:
        deadline = time.monotonic() + 30
        while len(poller.seen) < STATEMENTS and time.monotonic() < deadline:
            poller.one_pass()
        assert len(poller.seen) == len(set(poller.seen)), "a statement came twice"
        assert set(poller.seen) == stored, f"{len(stored - set(poller.seen))} missed"
        # it really polled while writers wrote (several passes found new statements)
        assert poller.passes_with_news >= 3
