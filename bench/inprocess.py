"""In-process cost of the learner hot paths: milliseconds per request through Flask's test
client (no gunicorn, no network), signed-in learners on the real course (one for the
pages, twenty for a pool of open attempts to submit), and optionally a
pyinstrument profile of each path.

    python -m bench.inprocess --db sqlite --requests 200 [--profile DIR]

The requests follow the hot-path benchmark's mix: unit pages of the learner's units in
shuffled order (so most views open another unit than the last one), a submission of a fresh
open attempt, and ``/api/me/progress``.  The figure is the median of five rounds of CPU time
per request (``time.process_time``), so other work on a shared machine inflates it less than
wall time would.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench import dataset
from bench.scenario import prepare_data


def _measure(call, requests: int) -> float:
    rounds = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(requests):
            call()
        rounds.append(1000 * (time.process_time() - started) / requests)
    return statistics.median(rounds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=dataset.POSTGRES_URL)
    parser.add_argument("--requests", type=int, default=100, help="requests per round")
    parser.add_argument("--profile", type=Path, help="write pyinstrument text profiles here")
    args = parser.parse_args(argv)
    if args.profile is not None and args.profile.exists() and not args.profile.is_dir():
        # Said before the minute of measuring, not after it.
        parser.error(f"--profile {args.profile}: exists and is not a directory")

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = dataset.database_url(args.db, workdir, args.postgres_url)
        usernames, shape, attempts = prepare_data(url, workdir, learners=20,
                                                  attempts_per_unit=12)
        app = dataset.make_app(url, workdir, WTF_CSRF_ENABLED=False)
        clients = {}
        for name in usernames:
            clients[name] = app.test_client()
            response = clients[name].post("/login", data={"username": name,
                                                          "password": dataset.PASSWORD})
            assert response.status_code == 302, response.status_code
        client = clients[usernames[0]]
        rng = random.Random(5)
        keys = [unit["key"] for unit in shape.units]
        answers = {unit["key"]: unit["answers"] for unit in shape.units}
        pool = list(attempts)

        def unit_page():
            key = rng.choice(keys)
            assert client.get(f"/learn/courses/{shape.slug}/units/{key}").status_code == 200

        def submission():
            name, key, attempt_id = pool.pop()
            response = clients[name].post(f"/api/courses/{shape.slug}/units/{key}/attempts",
                                   json={"attempt_id": attempt_id, "answers": answers[key]})
            assert response.status_code == 201, response.get_json()

        def progress():
            assert client.get("/api/me/progress").status_code == 200

        for call in (unit_page, progress):  # warm up: imports, template compilation
            for _ in range(5):
                call()
        submission_requests = max(1, min(args.requests, len(pool) // 7))
        figures = {"unit page": _measure(unit_page, args.requests),
                   "quiz submission": _measure(submission, submission_requests),
                   "progress API": _measure(progress, args.requests)}
        if args.profile:
            from pyinstrument import Profiler

            args.profile.mkdir(parents=True, exist_ok=True)
            for name, call in (("unit-page", unit_page), ("submission", submission),
                               ("progress", progress)):
                profiler = Profiler(interval=0.0005)
                with profiler:
                    for _ in range(min(len(pool), 20) if name == "submission"
                                   else args.requests):
                        call()
                (args.profile / f"{name}-{args.db}.txt").write_text(
                    profiler.output_text(unicode=False, color=False, show_all=False))
        app.extensions["elearn.db"].engine.dispose()
    print(json.dumps({"db": args.db, "cpu_ms_per_request": figures,
                      "submissions_per_round": submission_requests}, indent=1))


if __name__ == "__main__":
    main()
