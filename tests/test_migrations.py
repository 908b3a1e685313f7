"""The migrations build exactly the schema the models describe, on the suite's database."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

import elearn.models  # noqa: F401
from elearn.db import Base
from elearn.migrate import current_revisions, head_revisions


def test_migrations_match_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_database_is_at_head(database_url):
    engine = create_engine(database_url)
    assert current_revisions(engine) == head_revisions(database_url)
    engine.dispose()


def test_readyz_reports_pending_migrations(tmp_path):
    from elearn import create_app
    app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["migrations"] == "behind"


def test_readyz_when_current(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "database": "reachable",
                                   "migrations": "current"}


def test_healthz(app):
    assert app.test_client().get("/healthz").get_json() == {"status": "ok"}


def test_upgrade_check_command(tmp_path):
    import os
    import subprocess
    import sys
    env = dict(os.environ, ELEARN_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}")
    cmd = [sys.executable, "-m", "elearn.cli", "db", "upgrade"]
    behind = subprocess.run(cmd + ["--check"], env=env, capture_output=True, text=True)
    assert behind.returncode == 1 and "behind" in behind.stderr
    assert subprocess.run(cmd, env=env, capture_output=True).returncode == 0
    current = subprocess.run(cmd + ["--check"], env=env, capture_output=True, text=True)
    assert current.returncode == 0 and "current" in current.stdout
