"""Database wiring: declarative base, engine, and the one-session-per-request rule.

Services only ``flush``; the request (or the CLI command, or the worker's unit of work)
commits once at its end, so a learner's action and the xAPI statements it produces land
together or not at all.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from flask import Flask, current_app, g
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import DateTime, TypeDecorator

from elearn.sqlite_writers import QueuedWriterConnection

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(timezone.utc)")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """The current time, aware and in UTC."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    """Base of every model; constraint names are deterministic so migrations stay stable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL for concurrent readers, and a wait instead of 'database is locked'."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver callback
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


def make_engine(url: str) -> Engine:
    """Create the engine for ``url`` with per-backend settings."""
    if url.startswith("sqlite"):
        # Writers wait for each other on a file lock, woken at once (elearn.sqlite_writers).
        engine = create_engine(url, connect_args={"timeout": 15,
                                                  "factory": QueuedWriterConnection})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


class Database:
    """The engine and session factory of one app."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A unit of work outside a request (CLI, worker): commit once or roll back."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def init_app(app: Flask) -> Database:
    """Attach a Database to ``app`` and close the request session after each request."""
    database = Database(app.config["DATABASE_URL"])
    app.extensions["elearn.db"] = database

    @app.after_request
    def _commit(response):
        """The one commit of the request; anything but success rolls back."""
        session: Session | None = g.pop("db_session_pending", None)
        if session is not None:
            if response.status_code < 400 or g.get("commit_on_error"):
                session.commit()
            else:
                session.rollback()
        return response

    @app.teardown_appcontext
    def _close(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return database


def get_db() -> Database:
    return current_app.extensions["elearn.db"]


def get_session() -> Session:
    """The session of the current request (or app context), created on first use."""
    if "db_session" not in g:
        g.db_session = get_db().sessionmaker()
        g.db_session_pending = g.db_session
    return g.db_session


class db_clock(FunctionElement):
    """The database server's clock at the moment a row is written (microseconds, UTC).

    Unlike ``now()`` (the transaction's start on PostgreSQL) this is read when the INSERT
    runs, and on SQLite only once the INSERT holds the database's write lock; it is the one
    clock every machine writing rows shares, which the read API's consistency point needs."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(db_clock, "postgresql")
def _db_clock_postgresql(_element, _compiler, **_kw):  # pragma: no cover - compiler hook
    return "clock_timestamp()"


@compiles(db_clock, "sqlite")
def _db_clock_sqlite(_element, _compiler, **_kw):  # pragma: no cover - compiler hook
    # The text SQLAlchemy stores SQLite datetimes as; 'now' has millisecond precision there.
    return "strftime('%Y-%m-%d %H:%M:%f000', 'now')"
