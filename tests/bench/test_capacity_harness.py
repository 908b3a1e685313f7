"""The capacity benchmark's harness end to end on a tiny configuration: ``elearn serve`` on
the suite's database kind (its own SQLite file, or the PostgreSQL database of
``ELEARN_DATABASE_URL``, emptied again afterwards), Locust's simulated learners for one
short step, then the figures and the database.

It proves that the learners really follow their script through the real pages and forms
(every scripted step happens, without a single error), that the request mix is what the
script implies, and that the service recorded what the learners did.  Speed is not judged
here (bench/capacity.py measures it); the run is bounded by one step of a few seconds.
"""
from __future__ import annotations

import argparse
import os

import pytest
from sqlalchemy import create_engine, func, select

from bench import capacity, dataset, learner_think
from elearn.models import QuizAttempt, Reflection

UNIT = "GET /learn/courses/:course/units/:unit"
QUIZ = "POST /learn/courses/:course/units/:unit/quiz"
RESULT = "GET /learn/courses/:course/units/:unit/attempts/:id"
REFLECTION = "POST /learn/courses/:course/units/:unit/reflections/:task"
USERS = 4

EVERY_STEP = ["signed in", "started the course", "continued from the dashboard",
              "opened a unit", "failed the quiz", "retried the quiz", "passed the quiz",
              "wrote a reflection", "checked progress", "signed out"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("capacity")
    configured = os.environ.get("ELEARN_DATABASE_URL", "")
    kind = dataset.POSTGRES if configured.startswith("postgresql") else dataset.SQLITE
    parser = argparse.ArgumentParser()
    capacity.add_arguments(parser)
    # Half the first submissions wrong; one unit per visit, and a learner who signs out is
    # back at once (returning learners first), with spare accounts for those who complete
    # the course.
    args = parser.parse_args(["--db", kind, "--postgres-url", configured or dataset.POSTGRES_URL,
                              "--step-seconds", "8", "--max-steps", "1",
                              "--fail-share", "0.5", "--return-share", "1",
                              "--session-units", "1,1",
                              "--accounts", str(3 * USERS)])
    url, plan = capacity.prepare(kind, workdir, args)
    server = capacity.serve(url, workdir, workers=1)
    try:
        # Real think times × 0.004: a unit of one to two minutes' reading takes 0.24–0.48 s.
        outcome = capacity.ramp([server.url], [server], plan, workdir, users=[USERS],
                                scale=0.004, args=args, measure_share=1.0, spawn_share=0.05,
                                warmup=[])
    finally:
        server.stop()
    engine = create_engine(url)
    with engine.connect() as connection:
        submitted = connection.scalar(select(func.count()).select_from(QuizAttempt)
                                      .where(QuizAttempt.submitted_at.is_not(None)))
        reflections = connection.scalar(select(func.count()).select_from(Reflection))
    engine.dispose()
    yield outcome, submitted, reflections
    if kind == dataset.POSTGRES:
        dataset.reset_database(url)  # the suite's database, as empty as the suite left it


def test_every_scripted_step_happened_without_errors(tiny_run):
    outcome, _, _ = tiny_run
    missing = [step for step in EVERY_STEP if not outcome.script.get(step)]
    assert missing == [], f"never happened: {missing}; counts: {outcome.script}"
    step = outcome.steps[0]
    assert step["summary"]["errors"] == 0, step["error_examples"]
    assert "no account left" not in outcome.script


def test_the_request_mix_follows_the_script(tiny_run):
    outcome, _, _ = tiny_run
    step, script = outcome.steps[0], outcome.script
    paths = {name: figures["requests"] for name, figures in step["paths"].items()}
    # Learners stopped at the end of the step may be between two requests of one action.
    slack = USERS
    # Every submission is followed by reading its result.
    assert abs(paths[QUIZ] - paths[RESULT]) <= slack
    # One submission per pass, plus one per deliberate failure.
    assert abs(paths[QUIZ] - script["passed the quiz"] - script["failed the quiz"]) <= slack
    assert abs(script["failed the quiz"] - script["retried the quiz"]) <= slack
    # The unit page: opened, opened again to retry, and landed on after saving a reflection.
    opened = script["opened a unit"] + script["retried the quiz"] + script["wrote a reflection"]
    assert abs(paths[UNIT] - opened) <= slack
    assert abs(paths[REFLECTION] - script["wrote a reflection"]) <= slack
    assert abs(paths["POST /login"] - script["signed in"]) <= slack
    # The mix table the report prints: shares add up to one, rates are per learner.
    rows = capacity.mix_rows(step)
    assert sum(row[1] for row in rows) == pytest.approx(1.0)
    per_minute = sum(row[2] for row in rows)
    assert per_minute == pytest.approx(step["summary"]["rps"] * 60 / step["learners"])


def test_the_service_recorded_what_the_learners_did(tiny_run):
    outcome, submitted, reflections = tiny_run
    posted = outcome.steps[0]["paths"][QUIZ]["requests"]
    # Every scored submission is in the database (a POST cut off at the very end may be too).
    assert posted <= submitted <= posted + USERS
    assert reflections >= 1


def test_think_times_are_minutes_of_reading():
    low, high = learner_think.THINK["read unit"]
    assert (low, high) == (60, 120)
    assert "read unit 60–120 s" in learner_think.describe()


def test_learners_are_users_divided_by_the_time_scale():
    parser = argparse.ArgumentParser()
    capacity.add_arguments(parser)
    args = parser.parse_args(["--start-learners", "400", "--step-learners", "200",
                              "--max-steps", "3"])
    assert capacity.learner_steps(args, 0.05) == [20, 30, 40]
    assert capacity.learner_steps(args, 0.1) == [40, 60, 80]
    # At least one more user per step, however small the scale.
    assert capacity.learner_steps(args, 0.001) == [1, 2, 3]
