"""Which rows of the database are about one person: found by following foreign keys, not
from a list, so a table added later (an LMS link, a passback queue) is part of a person's
export without anyone remembering to add it.

From the account row, every table with a foreign key to an already-found table contributes
the rows that point at found rows (the account's enrolments, then their attempts, the
attempts' answers, ...), until nothing new is found.  Login records are the one kind kept
by username instead of by key (a failed sign-in may name an account that does not exist),
so they are added by name.  Only *child* rows are followed: the course a learner enrolled in
is not about the learner.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from elearn.db import Base
from elearn.models import LoginFailure, User

# Columns never shown, not even to their owner: a password hash is a credential, not data
# about the person.  (Reading ``elearn.models`` above completes ``Base.metadata``.)
SECRET_COLUMNS = {("users", "password_hash")}


def _child_links(tables: dict[str, Table]) -> list[tuple[Table, Any, str]]:
    """(child table, child column, parent table name) for every single-column foreign key."""
    links = []
    for table in tables.values():
        for fk in table.foreign_keys:
            links.append((table, fk.parent, fk.column.table.name))
    return links


def personal_row_ids(session: Session, user: User) -> dict[str, set[int]]:
    """Primary keys of every row about ``user``, per table name (the account itself under
    ``users``).  Tables without an integer ``id`` primary key are followed by the column
    that points at the person's rows, and reported under their name with that column."""
    tables = dict(Base.metadata.tables)
    found: dict[str, set[int]] = defaultdict(set)
    found["users"].add(user.id)
    links = _child_links(tables)
    changed = True
    while changed:
        changed = False
        for child, column, parent in links:
            if parent not in found or not found[parent] or "id" not in child.c:
                continue
            ids = set(session.scalars(select(child.c.id).where(column.in_(found[parent]))))
            new = ids - found[child.name]
            if new:
                found[child.name] |= new
                changed = True
    failures = set(session.scalars(select(LoginFailure.id)
                                   .where(LoginFailure.username == user.username)))
    if failures:
        found["login_failures"] |= failures
    return {name: ids for name, ids in found.items() if ids}


def rows_of(session: Session, table_name: str, ids: set[int]) -> list[dict[str, Any]]:
    """The rows ``ids`` of ``table_name`` with every column but secrets, ordered by id."""
    table = Base.metadata.tables[table_name]
    columns = [c for c in table.c if (table_name, c.name) not in SECRET_COLUMNS]
    rows = session.execute(select(*columns).where(table.c.id.in_(ids))
                           .order_by(table.c.id)).mappings()
    return [dict(row) for row in rows]


__all__ = ["SECRET_COLUMNS", "personal_row_ids", "rows_of"]
