"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when configured),
an app per test, users of every role and a signed-in client helper.

Set ``ELEARN_DATABASE_URL=postgresql://...`` to run the whole suite on PostgreSQL; the
database named there is emptied and migrated at the start of the run.
"""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from elearn import create_app
from elearn.db import Base
from elearn.migrate import upgrade
from elearn.models import Role, User
from elearn.services.accounts import create_user

TEST_PASSWORD = "correct horse battery"


def _reset_postgres(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """A freshly migrated database for the whole run."""
    url = os.environ.get("ELEARN_DATABASE_URL", "")
    if url.startswith("postgresql"):
        _reset_postgres(url)
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    upgrade(url)
    return url


@pytest.fixture
def app_overrides() -> dict:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def app(database_url, app_overrides, tmp_path):
    settings = {"ENV": "testing", "TESTING": True, "DATABASE_URL": database_url,
                "SECRET_KEY": "test-secret-key-that-is-long-enough-0123", "WTF_CSRF_ENABLED": False}
    settings.update(app_overrides)
    application = create_app(settings)
    yield application
    _empty_tables(application)
    application.extensions["elearn.db"].engine.dispose()


def _empty_tables(application) -> None:
    """Delete every row so each test starts from an empty, migrated database."""
    engine = application.extensions["elearn.db"].engine
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            if names:
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replace pytest-flask's shared request context: each request gets its own app context,
    as in production, so ``g`` and the database session are never shared between requests."""
    yield


@pytest.fixture
def db_session(app) -> Iterator:
    """A session outside any request, committed at the end of the ``with`` block by the test."""
    session = app.extensions["elearn.db"].sessionmaker()
    yield session
    session.close()


@pytest.fixture
def make_user(app):
    """Create a committed user: ``make_user("trainer")`` or ``make_user(Role.HR, username=...)``."""
    counter = {"n": 0}

    def factory(role: Role | str = Role.LEARNER, **fields) -> User:
        counter["n"] += 1
        role = Role(role)
        fields.setdefault("username", f"{role.value}{counter['n']}")
        fields.setdefault("password", TEST_PASSWORD)
        with app.extensions["elearn.db"].session_scope() as session:
            user = create_user(session, role=role, **fields)
        return user

    return factory


@pytest.fixture
def login(app):
    """Sign a test client in through the real login form."""

    def do_login(client, user_or_name, password: str = TEST_PASSWORD):
        username = user_or_name if isinstance(user_or_name, str) else user_or_name.username
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do_login


@pytest.fixture
def client_as(app, make_user, login):
    """A signed-in test client for a new user of ``role``: ``client_as("hr")``."""

    def factory(role: Role | str, **fields):
        user = make_user(role, **fields)
        client = app.test_client()
        login(client, user)
        client.user = user
        return client

    return factory
