"""Benchmark data: a freshly migrated database with the real course from ``courses/``, and
learners, enrolments, viewed units and open quiz attempts written in bulk with Core inserts
(thousands of rows in one ``executemany``, not one ORM object at a time)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, insert, select, text

from bench.results import ROOT

SQLITE = "sqlite"
POSTGRES = "postgres"
POSTGRES_URL = "postgresql://elearn:elearn-ci@127.0.0.1:5432/elearn_c"
PASSWORD = "bench-password-0123"
CHUNK = 5000


def databases(choice: str) -> list[str]:
    """The databases a ``--db`` choice names (``both``: SQLite, then PostgreSQL)."""
    return [SQLITE, POSTGRES] if choice == "both" else [choice]


def database_url(kind: str, workdir: Path, postgres_url: str = POSTGRES_URL) -> str:
    if kind == SQLITE:
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    if kind == POSTGRES:
        return postgres_url.replace("postgresql://", "postgresql+psycopg://", 1)
    raise ValueError(f"unknown database {kind!r}")


def reset_database(url: str) -> None:
    """An empty database at the newest migration."""
    from elearn.migrate import upgrade

    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)


def make_app(url: str, workdir: Path, **settings: Any) -> Flask:
    from elearn import create_app

    overrides = {"DATABASE_URL": url, "COURSE_MEDIA_PATH": str(workdir / "media"),
                 "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnop"}
    overrides.update(settings)
    return create_app(overrides)


def import_course(app: Flask) -> None:
    """Publish the real course files, as ``elearn courses import`` does."""
    from elearn.content.importer import import_courses
    from elearn.db import get_db

    with app.app_context(), get_db().session_scope() as session:
        import_courses(session, ROOT / "courses", published_by="bench")


def password_hash() -> str:
    """One real hash for every synthetic account (hashing 100,000 passwords would measure
    the hash function, not the service)."""
    from elearn.models import User

    user = User(username="x", role="learner")
    user.set_password(PASSWORD)
    return user.password_hash


def _chunks(rows: list[dict], size: int = CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def add_users(app: Flask, count: int, *, prefix: str, role: str = "learner",
              units: int = 20) -> list[str]:
    """``count`` accounts ``<prefix>00001``... spread over ``units`` organisation units."""
    from elearn.db import get_db
    from elearn.models import User

    hashed = password_hash()
    names = [f"{prefix}{n:06d}" for n in range(1, count + 1)]
    rows = [{"username": name, "display_name": f"Learner {name}", "role": role,
             "password_hash": hashed, "organisation_unit": f"Unit {n % units + 1:02d}",
             "email": None}
            for n, name in enumerate(names)]
    with app.app_context(), get_db().session_scope() as session:
        for chunk in _chunks(rows):
            session.execute(insert(User.__table__), chunk)
    return names


@dataclass
class CourseShape:
    version_id: int
    slug: str
    units: list[dict[str, Any]]  # {"id", "key", "question_ids", "answers"}


def course_shape(app: Flask) -> CourseShape:
    """The imported course: its units, a fixed draw per unit and correct answers to it."""
    from elearn.db import get_db
    from elearn.models import Course, CourseVersion, Question, Unit

    with app.app_context(), get_db().session_scope() as session:
        version, slug = session.execute(
            select(CourseVersion, Course.slug).join(Course)
            .order_by(CourseVersion.id.desc()).limit(1)).one()
        units = []
        for unit in session.scalars(select(Unit).where(Unit.version_id == version.id)
                                    .order_by(Unit.position)):
            questions = list(session.scalars(select(Question).where(Question.unit_id == unit.id)
                                             .order_by(Question.position)))
            if unit.draw_count:
                questions = questions[:unit.draw_count]
            units.append({"id": unit.id, "key": unit.unit_key, "max_attempts": unit.max_attempts,
                          "question_ids": [q.id for q in questions],
                          "answers": {q.question_key: correct_response(q.data)
                                      for q in questions}})
        return CourseShape(version.id, slug, units)


def correct_response(data: dict[str, Any]) -> Any:
    """The fully correct response to a question in the course file format."""
    kind = data["type"]
    if kind == "single_choice":
        return next(str(c["id"]) for c in data["choices"] if c.get("correct"))
    if kind == "multiple_choice":
        return [str(c["id"]) for c in data["choices"] if c.get("correct")]
    if kind == "true_false":
        return bool(data["answer"])
    if kind == "matching":
        return {str(p["id"]): str(p["id"]) for p in data["pairs"]}
    return [str(item["id"]) for item in data["items"]]


def enrol_all(app: Flask, usernames: list[str], shape: CourseShape, *, viewed: bool,
              completed_share: float = 0.0, seed: int = 7) -> dict[str, int]:
    """Enrol every user; with ``viewed`` every unit is marked as opened (the steady state of
    a learner during the course).  ``completed_share`` of the enrolments are finished and
    scored (for reports).  Returns {username: enrolment id}."""
    from datetime import timedelta

    from elearn.db import get_db, utcnow
    from elearn.models import Enrolment, User, UnitProgress

    rng = random.Random(seed)
    now = utcnow()
    with app.app_context(), get_db().session_scope() as session:
        ids = dict(session.execute(select(User.username, User.id)
                                   .where(User.username.in_(usernames))).all()) \
            if len(usernames) < 1000 else dict(session.execute(select(User.username, User.id)).all())
        rows = []
        for name in usernames:
            enrolled = now - timedelta(days=rng.randint(1, 360))
            done = rng.random() < completed_share
            score = round(rng.uniform(0.6, 1.0), 3) if done else None
            rows.append({"user_id": ids[name], "version_id": shape.version_id,
                         "enrolled_at": enrolled, "last_activity_at": enrolled,
                         "progress": 1.0 if done else round(rng.random(), 2),
                         "completed_at": enrolled + timedelta(days=3) if done else None,
                         "score": score,
                         "passed_at": enrolled + timedelta(days=3)
                         if done and score >= 0.8 else None})
        for chunk in _chunks(rows):
            session.execute(insert(Enrolment.__table__), chunk)
        enrolments = dict(session.execute(
            select(User.username, Enrolment.id).join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.version_id == shape.version_id)).all())
        if viewed:
            progress = [{"enrolment_id": enrolments[name], "unit_id": unit["id"],
                         "first_viewed_at": now} for name in usernames for unit in shape.units]
            for chunk in _chunks(progress):
                session.execute(insert(UnitProgress.__table__), chunk)
    return {name: enrolments[name] for name in usernames}


def open_attempts(app: Flask, enrolments: dict[str, int], shape: CourseShape,
                  per_unit: int) -> list[tuple[str, str, int]]:
    """Up to ``per_unit`` open attempts per learner and unit (never more than the unit's
    attempt limit, so every one can really be submitted), each with the unit's fixed draw,
    so a load generator can submit each once.  Returns (username, unit key, attempt id),
    interleaved so consecutive submissions come from different learners."""
    from elearn.db import get_db, utcnow
    from elearn.models import QuizAttempt

    now = utcnow()
    rows = [{"enrolment_id": enrolment_id, "unit_id": unit["id"], "number": number,
             "question_ids": unit["question_ids"], "started_at": now}
            for number in range(1, per_unit + 1)
            for unit in shape.units if not unit["max_attempts"] or number <= unit["max_attempts"]
            for enrolment_id in enrolments.values()]
    with app.app_context(), get_db().session_scope() as session:
        for chunk in _chunks(rows):
            session.execute(insert(QuizAttempt.__table__), chunk)
        by_key = {(r.enrolment_id, r.unit_id, r.number): r.id for r in session.execute(
            select(QuizAttempt.id, QuizAttempt.enrolment_id, QuizAttempt.unit_id,
                   QuizAttempt.number))}
    names = {enrolment_id: name for name, enrolment_id in enrolments.items()}
    return [(names[row["enrolment_id"]],
             next(u["key"] for u in shape.units if u["id"] == row["unit_id"]),
             by_key[(row["enrolment_id"], row["unit_id"], row["number"])]) for row in rows]
