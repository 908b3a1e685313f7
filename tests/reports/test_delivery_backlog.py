"""The delivery backlog over time, derived from stored and delivered times in the outbox:
hand-computed hourly and daily series, dead-lettered rows left out, the newest point equal to
the queue now, one query however many rows, and the delivery health page's chart and table."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from elearn.db import utcnow
from elearn.models import XapiDelivery, XapiStatement
from elearn.services.delivery_backlog import SPANS, backlog_series, moments
from elearn.xapi import queue
from tests.reports.cohort import PUBLIC_URL
from tests.reports.test_report_service import counted_statements

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


def t(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=timezone.utc)


def add_statement(session, n: int, stored_at: datetime,
                  deliveries: dict[str, tuple[str, datetime | None]]) -> None:
    """A statement stored at ``stored_at`` and its delivery per destination: (state, delivered_at)."""
    statement = XapiStatement(
        statement_id=f"00000000-0000-5000-8000-{n:012d}", payload=json.dumps({"n": n}),
        verb_id="http://adlnet.gov/expapi/verbs/experienced", activity_id=f"{PUBLIC_URL}/a/{n}",
        actor_key=f"account:{PUBLIC_URL}|x", course_slug="testikurssi", timestamp=stored_at,
        stored_at=stored_at, context_activity_ids=[])
    session.add(statement)
    session.flush()
    for destination, (state, delivered_at) in deliveries.items():
        session.add(XapiDelivery(statement_pk=statement.id, destination=destination, state=state,
                                 delivered_at=delivered_at))
    session.flush()


@pytest.fixture
def outbox(app, db_session):
    """| # | stored        | eoppiva                     | backup                    |
       |---|---------------|-----------------------------|---------------------------|
       | 1 | 08.03. 10:00  | delivered 08.03. 14:30      | delivered 08.03. 11:00    |
       | 2 | 09.03. 09:30  | pending                     | delivered 09.03. 11:00    |
       | 3 | 10.03. 11:00  | dead (rejected)             | pending                   |
       | 4 | 07.03. 08:00  | delivered 07.03. 09:00      | –                         |
       | 5 | 10.03. 11:59  | delivered 10.03. 11:59:30   | –                         |
       | 6 | 20.02. 10:00  | –                           | delivered 25.02. 13:00    |
       (all UTC; now is 10.03. 12:00)"""
    add_statement(db_session, 1, t(8, 10), {"eoppiva": ("delivered", t(8, 14, 30)),
                                             "backup": ("delivered", t(8, 11))})
    add_statement(db_session, 2, t(9, 9, 30), {"eoppiva": ("pending", None),
                                                "backup": ("delivered", t(9, 11))})
    add_statement(db_session, 3, t(10, 11), {"eoppiva": ("dead", None),
                                              "backup": ("pending", None)})
    add_statement(db_session, 4, t(7, 8), {"eoppiva": ("delivered", t(7, 9))})
    add_statement(db_session, 5, t(10, 11, 59), {"eoppiva": ("delivered", t(10, 11, 59, 30))})
    add_statement(db_session, 6, t(20, 10, month=2), {"backup": ("delivered", t(25, 13, month=2))})
    db_session.commit()


def test_hourly_series_over_48_hours(db_session, outbox):
    series = backlog_series(db_session, ["eoppiva", "backup", "spare"], now=NOW,
                            span=SPANS["48h"])
    assert len(series.moments) == 49
    assert series.moments[0] == t(8, 12) and series.moments[-1] == NOW
    assert series.moments[22] == t(9, 10)
    # 1: waiting at 12:00, 13:00 and 14:00 on the 8th; 2: from 10:00 on the 9th until now
    assert series.counts["eoppiva"] == [1, 1, 1] + [0] * 19 + [1] * 27
    # 2: only at 10:00 on the 9th (delivered at 11:00 sharp); 3: stored at 11:00 sharp counts
    assert series.counts["backup"] == [0] * 22 + [1] + [0] * 24 + [1, 1]
    assert series.counts["spare"] == [0] * 49


def test_daily_series_over_14_days(db_session, outbox):
    series = backlog_series(db_session, ["eoppiva", "backup"], now=NOW, span=SPANS["14d"])
    assert series.moments == [NOW - timedelta(days=14 - i) for i in range(15)]
    assert series.counts["eoppiva"] == [0] * 12 + [1, 1, 1]
    # 6: waiting at noon on 24.02. and 25.02.; 3: at noon today
    assert series.counts["backup"] == [1, 1] + [0] * 12 + [1]


def test_newest_point_is_the_queue_now(db_session, outbox):
    series = backlog_series(db_session, ["eoppiva", "backup"], now=NOW, span=SPANS["48h"])
    statuses = {s.name: s.queued for s in queue.status(db_session, ["eoppiva", "backup"], NOW)}
    assert {name: values[-1] for name, values in series.counts.items()} == statuses
    assert statuses == {"eoppiva": 1, "backup": 1}


def test_one_query_however_many_rows(app, db_session, outbox):
    engine = app.extensions["elearn.db"].engine
    with counted_statements(engine) as small:
        backlog_series(db_session, ["eoppiva", "backup"], now=NOW, span=SPANS["48h"])
    for n in range(100, 400):
        add_statement(db_session, n, NOW - timedelta(minutes=n),
                      {"eoppiva": ("pending", None),
                       "backup": ("delivered", NOW - timedelta(minutes=n // 2))})
    db_session.commit()
    with counted_statements(engine) as large:
        series = backlog_series(db_session, ["eoppiva", "backup"], now=NOW, span=SPANS["48h"])
    assert len(small) == len(large) == 1
    assert series.counts["eoppiva"][-1] == 301


def test_moments_end_now_and_step_back():
    assert moments(NOW, SPANS["14d"])[0] == t(24, 12, month=2)
    assert moments(NOW, SPANS["48h"])[-2] == t(10, 11)


def _table_column(html: str, column: int) -> list[str]:
    body = html.split('<table class="chart-data">')[1].split("</tbody>")[0]
    return [re.findall(r"<td>(\d+)</td>", row)[column] for row in body.split("<tr>")[2:]]


def test_page_draws_the_series_with_its_table(client_as, db_session):
    now = utcnow()
    add_statement(db_session, 1, now - timedelta(hours=3, minutes=30),
                  {"eoppiva": ("pending", None), "backup": ("delivered", now - timedelta(hours=2,
                                                                                       minutes=30))})
    db_session.commit()
    client = client_as("hr")
    response = client.get("/hr/delivery")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<polyline" in html and html.count('class="chart-line"') == 2
    assert '<th scope="col">eoppiva</th><th scope="col">backup</th>' in html
    eoppiva, backup = _table_column(html, 0), _table_column(html, 1)
    assert len(eoppiva) == 49
    assert eoppiva == ["0"] * 45 + ["1"] * 4
    assert backup == ["0"] * 45 + ["1"] + ["0"] * 3
    assert "eoppiva: 1 queued now, at most 1" in html
    assert 'aria-current="page">Last 48 hours, hourly' in html
    daily = client.get("/hr/delivery?span=14d").get_data(as_text=True)
    assert len(_table_column(daily, 0)) == 15 and _table_column(daily, 0)[-1] == "1"
    assert 'aria-current="page">Last 14 days, daily' in daily


def test_unknown_period_is_an_error_and_the_default_is_shown(client_as):
    response = client_as("admin").get("/hr/delivery?span=year")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose one of the listed periods." in html
    assert len(_table_column(html, 0)) == 49


def test_page_queries_do_not_grow_with_the_outbox(app, client_as, db_session):
    client = client_as("hr")
    engine = app.extensions["elearn.db"].engine
    add_statement(db_session, 1, utcnow() - timedelta(hours=1), {"eoppiva": ("pending", None)})
    db_session.commit()
    client.get("/hr/delivery")
    with counted_statements(engine) as small:
        client.get("/hr/delivery")
    for n in range(2, 200):
        add_statement(db_session, n, utcnow() - timedelta(minutes=n),
                      {"eoppiva": ("pending", None), "backup": ("dead", None)})
    db_session.commit()
    with counted_statements(engine) as large:
        assert client.get("/hr/delivery").status_code == 200
    assert len(small) == len(large)
