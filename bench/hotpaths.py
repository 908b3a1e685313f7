"""Benchmark 1 and 5: learner hot paths under load, and the web workers' memory after it.

The service runs as ``elearn serve`` runs it (gunicorn, 2 × cores workers) on SQLite or
PostgreSQL; ``wrk`` drives it from outside with the session cookies of signed-in learners.
Every hot path is measured against the service's own signed-in floor in the same run: the
signed-in ``GET /api/me`` (session, account lookup, access check, JSON, transaction), which no
learner path can beat, run before and after the paths.  Targets (share of the floor's
requests/s): unit page ≥ 0.35, quiz submission ≥ 0.15, progress API ≥ 0.6; and the quiz
submission's p99 at most 3 × the unit page's.  The bare Flask app (``bench/baseline_app.py``,
a constant and a one-query endpoint, same gunicorn settings) is kept as a reference.
Footprint target: VmRSS ≤ 150 MB per web worker after the load.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from bench import dataset, results
from bench.load import Request, run_wrk
from bench.scenario import HOT_PATHS, prepare_data, sign_in
from bench.servers import (cpu_seconds, default_workers, elearn_env, rss_mb, start_baseline,
                           start_elearn)

# Share of the signed-in floor's requests/s each hot path must reach in the same run.
RATIO_TARGETS = {"unit page": 0.35, "quiz submission": 0.15, "progress API": 0.6}
# Quiz submission p99 at most this many times the unit page's p99, at the same connections.
P99_TARGET = 3.0
REFERENCE_CONSTANT = "reference: bare Flask, constant"
REFERENCE_QUERY = "reference: bare Flask, constant + one query"
REFERENCE_SIGNED_IN = "reference: signed-in /api/me"
RSS_TARGET_MB = 150.0
# A destination is configured (so submissions write delivery rows as in production); no
# worker runs here and nothing listens on this port.
IDLE_DESTINATION = [{"name": "lrs", "endpoint": "http://127.0.0.1:9/xAPI/",
                     "username": "bench", "password": "bench-password"}]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=dataset.POSTGRES_URL)
    parser.add_argument("--seconds", type=float, default=10.0, help="wrk duration per path")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--learners", type=int, default=150)
    parser.add_argument("--attempts-per-unit", type=int, default=12,
                        help="open attempts prepared per learner and unit, at most the "
                             "unit's attempt limit (the pool of quiz submissions)")


def run(args: argparse.Namespace) -> bool:
    # Every database is measured even when the first misses a target.
    return all([measure(kind, args) for kind in dataset.databases(args.db)])


def measure_floor(url: str, workload, args: argparse.Namespace, pids: list[int],
                  floors: list) -> float:
    """Run the signed-in floor (``GET /api/me``) once; returns the workers' CPU seconds."""
    print("[hotpaths] signed-in floor: /api/me", flush=True)
    before = cpu_seconds(pids)
    floors.append(run_wrk(url, workload.me(), seconds=args.seconds,
                          connections=args.connections))
    return cpu_seconds(pids) - before


def measure(kind: str, args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="elearn-bench-") as tmp:
        workdir = Path(tmp)
        url = dataset.database_url(kind, workdir, args.postgres_url)
        print(f"[hotpaths/{kind}] preparing {args.learners} learners", flush=True)
        usernames, shape, attempts = prepare_data(url, workdir, learners=args.learners,
                                                  attempts_per_unit=args.attempts_per_unit)
        # POST capacity: every prepared attempt is submitted at most once.
        capacity = len(attempts)

        print(f"[hotpaths/{kind}] baseline", flush=True)
        baseline_server = start_baseline(workdir, database_url=url)
        try:
            constant = [Request("GET", "/")]
            run_wrk(baseline_server.url, constant, seconds=2, connections=args.connections)
            baseline = run_wrk(baseline_server.url, constant, seconds=args.seconds,
                               connections=args.connections)
            print(f"[hotpaths/{kind}] reference: one query", flush=True)
            one_query = [Request("GET", "/one-query")]
            run_wrk(baseline_server.url, one_query, seconds=1, connections=args.connections)
            references = {REFERENCE_QUERY: run_wrk(baseline_server.url, one_query,
                                                   seconds=args.seconds,
                                                   connections=args.connections)}
        finally:
            baseline_server.stop()

        env = elearn_env(url, workdir, LRS_DESTINATIONS=json.dumps(IDLE_DESTINATION))
        server = start_elearn(env, workdir)
        try:
            print(f"[hotpaths/{kind}] signing in {len(usernames)} learners", flush=True)
            workload = sign_in(server.url, usernames, shape, attempts)
            # Warm every worker (templates, translations, connection pools).
            run_wrk(server.url, workload.unit_pages() + workload.progress(), seconds=2,
                    connections=args.connections)
            measured, cpu, floors = {}, {}, []
            pids = server.worker_pids()
            floor_cpu = measure_floor(server.url, workload, args, pids, floors)
            for path in HOT_PATHS:
                print(f"[hotpaths/{kind}] {path}", flush=True)
                before = cpu_seconds(pids)
                measured[path] = run_wrk(server.url, workload.requests_for(path, capacity),
                                         seconds=args.seconds, connections=args.connections)
                cpu[path] = cpu_seconds(pids) - before
            floor_cpu += measure_floor(server.url, workload, args, pids, floors)
            cpu[REFERENCE_SIGNED_IN] = floor_cpu
            references[REFERENCE_SIGNED_IN] = floors[-1]
            workers = {pid: rss_mb(pid) for pid in server.worker_pids()}
        finally:
            server.stop()

    floor = references[REFERENCE_SIGNED_IN]
    floor_rps = statistics.mean(r.rps for r in floors)
    rows, ok = [], True
    for path, result in measured.items():
        target = RATIO_TARGETS[path]
        ratio = result.rps / floor_rps
        met = ratio >= target and result.errors == 0
        ok = ok and met
        rows.append([path, result.rps, ratio, f"≥ {target:g}", results.verdict(met),
                     result.rps / baseline.rps, result.p50_ms, result.p99_ms, result.errors,
                     1000 * cpu[path] / max(result.requests, 1), cpu[path] / result.seconds])
    rows.append([REFERENCE_SIGNED_IN, floor_rps, 1.0, "floor", "reference",
                 floor_rps / baseline.rps, floor.p50_ms, floor.p99_ms,
                 sum(r.errors for r in floors),
                 1000 * cpu[REFERENCE_SIGNED_IN] / max(sum(r.requests for r in floors), 1),
                 cpu[REFERENCE_SIGNED_IN] / sum(r.seconds for r in floors)])
    for name, result in ((REFERENCE_CONSTANT, baseline),
                         (REFERENCE_QUERY, references[REFERENCE_QUERY])):
        rows.append([name, result.rps, result.rps / floor_rps, "-", "reference",
                     result.rps / baseline.rps, result.p50_ms, result.p99_ms, result.errors,
                     "-", "-"])
    p99_ratio = (measured["quiz submission"].p99_ms / measured["unit page"].p99_ms
                 if measured["unit page"].p99_ms else float("inf"))
    p99_ok = p99_ratio <= P99_TARGET
    ok = ok and p99_ok
    body = (f"`wrk -t 2 -c {args.connections} -d {args.seconds:g}s`, {len(usernames)} signed-in "
            f"learners (cookies rotated per request), course `{shape.slug}` "
            f"({len(shape.units)} units), gunicorn workers: {default_workers()}.  Each hot "
            f"path's requests/s is divided by the signed-in floor (`GET /api/me`) measured in "
            f"the same run, once before and once after the hot paths (their mean; "
            f"{floors[0].rps:,.0f} and {floors[1].rps:,.0f} requests/s).\n\n"
            + results.table(["path", "requests/s", "ratio to signed-in /api/me", "target",
                             "verdict", "ratio to constant", "p50 ms", "p99 ms", "errors",
                             "worker CPU ms/request", "cores used by workers"], rows)
            + f"\n\nQuiz submission p99 ÷ unit page p99 at {args.connections} connections: "
              f"**{p99_ratio:.2f} ×** ({measured['quiz submission'].p99_ms:,.0f} ms ÷ "
              f"{measured['unit page'].p99_ms:,.0f} ms), target ≤ {P99_TARGET:g} ×: "
            + results.verdict(p99_ok) + "."
            + "\n\nThe reference rows are not targets.  *Signed-in `/api/me`* is the service "
              "answering with the session's account (session cookie, account lookup, access "
              "check, JSON and the request's transaction): everything a signed-in request "
              "costs before any learning logic, so no hot path can reach a ratio above 1.  "
              "*Constant* is the bare Flask baseline app answering a constant, and *one query* "
              "the same app reading one row by primary key through SQLAlchemy from the same "
              "database, under the same gunicorn settings.")
    rss_ok = bool(workers) and max(workers.values()) <= RSS_TARGET_MB
    ok = ok and rss_ok
    body += ("\n\nFootprint after the load (VmRSS per gunicorn web worker): "
             + ", ".join(f"{mb:.0f} MB" for mb in sorted(workers.values()))
             + f" — max {max(workers.values()):.0f} MB, target ≤ {RSS_TARGET_MB:.0f} MB: "
             + results.verdict(rss_ok) + ".")
    label = "SQLite" if kind == "sqlite" else "PostgreSQL"
    results.save(f"hotpaths-{'sqlite' if kind == 'sqlite' else 'postgres'}",
                 f"Learner hot paths and footprint — {label}", body,
                 {"baseline": baseline.as_dict(), "worker_cpu_seconds": cpu,
                  "signed_in_floor_rps": floor_rps, "floors": [r.as_dict() for r in floors],
                  "ratios_to_floor": {p: r.rps / floor_rps for p, r in measured.items()},
                  "targets": RATIO_TARGETS, "p99_ratio": p99_ratio,
                  "references": {n: r.as_dict() for n, r in references.items()},
                  "paths": {p: r.as_dict() for p, r in measured.items()},
                  "worker_rss_mb": list(workers.values())})
    return ok
