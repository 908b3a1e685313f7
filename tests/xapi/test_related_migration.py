"""Migration 0010 fills ``context_activity_ids`` of statements stored before it with every
context activity (category and other too), from their payloads, and is idempotent."""
from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from elearn.migrate import upgrade

HOME = "http://127.0.0.1:5000"


def _payload(n: int) -> str:
    context = {"contextActivities": {
        "parent": [{"id": f"{HOME}/xapi/activities/unit/{n}"}],
        "grouping": [{"id": f"{HOME}/xapi/activities/course/c"}],
        "category": [{"id": f"{HOME}/xapi/profile", "definition": {"type": "x"}}],
        "other": [{"id": f"{HOME}/xapi/other/{n}"}]}}
    return json.dumps({"id": str(n), "context": context})


def test_0010_fills_category_and_other(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0009")
    engine = create_engine(url)
    with engine.begin() as connection:
        for n in range(1, 1502):  # more than one batch of the migration
            old_ids = [f"{HOME}/xapi/activities/unit/{n}", f"{HOME}/xapi/activities/course/c"]
            connection.execute(text(
                "INSERT INTO xapi_statements (statement_id, payload, verb_id, activity_id, "
                "actor_key, course_slug, timestamp, stored_at, context_activity_ids) VALUES "
                "(:sid, :payload, 'v', 'a', 'k', 'c', '2026-05-04 09:00:00.000000', "
                "'2026-05-04 09:00:00.000000', :ids)"),
                {"sid": f"s{n}", "payload": _payload(n), "ids": json.dumps(old_ids)})
        connection.execute(text(
            "INSERT INTO xapi_statements (statement_id, payload, verb_id, activity_id, "
            "actor_key, course_slug, timestamp, stored_at, context_activity_ids) VALUES "
            "('bare', '{\"id\": \"bare\"}', 'v', 'a', 'k', 'c', '2026-05-04 09:00:00.000000', "
            "'2026-05-04 09:00:00.000000', '[]')"))
    upgrade(url)
    with engine.connect() as connection:
        rows = dict(connection.execute(text(
            "SELECT statement_id, context_activity_ids FROM xapi_statements")).all())
    engine.dispose()
    assert json.loads(rows["s1501"]) == [
        f"{HOME}/xapi/activities/unit/1501", f"{HOME}/xapi/activities/course/c",
        f"{HOME}/xapi/profile", f"{HOME}/xapi/other/1501"]
    assert all(f"{HOME}/xapi/profile" in json.loads(ids) for sid, ids in rows.items()
               if sid != "bare")
    assert json.loads(rows["bare"]) == []
