"""xAPI statements: context_activity_ids holds every context activity (category and other too)

``related_activities=true`` matches "any of the context Activities"; the stored column held
only parent and grouping.  Existing rows are filled from their payloads, which stay as they
are.  The rule is written out here rather than imported, so this migration keeps meaning what
it meant whatever the code later does.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:20:00
"""
import json

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_BATCH = 1000
_statements = sa.table("xapi_statements", sa.column("id", sa.Integer),
                       sa.column("payload", sa.Text),
                       sa.column("context_activity_ids", sa.JSON))


def _ids(payload: str, kinds: tuple[str, ...]) -> list[str]:
    found = (json.loads(payload).get("context") or {}).get("contextActivities") or {}
    ids = []
    for kind in kinds:
        value = found.get(kind) or []
        for activity in value if isinstance(value, list) else [value]:
            ids.append(activity["id"])
    return ids


def _refill(kinds: tuple[str, ...]) -> None:
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(_statements.c.id, _statements.c.payload,
                      _statements.c.context_activity_ids)
            .where(_statements.c.id > last).order_by(_statements.c.id).limit(_BATCH)).all()
        if not rows:
            return
        changed = [{"pk": pk, "ids": _ids(payload, kinds)} for pk, payload, stored in rows
                   if _ids(payload, kinds) != stored]
        if changed:
            connection.execute(
                _statements.update().where(_statements.c.id == sa.bindparam("pk"))
                .values(context_activity_ids=sa.bindparam("ids")), changed)
        last = rows[-1][0]


def upgrade() -> None:
    _refill(("parent", "grouping", "category", "other"))


def downgrade() -> None:
    _refill(("parent", "grouping"))
