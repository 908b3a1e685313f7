"""Benchmark 1 and 5: learner hot paths under load, and the web workers' memory after it.

The service runs as ``elearn serve`` runs it (gunicorn, 2 × cores workers) on SQLite or
PostgreSQL; ``wrk`` drives it from outside with the session cookies of signed-in learners.
The baseline is ``bench/baseline_app.py`` under the same gunicorn settings, measured in the
same run.  Target: every hot path ≥ 50 % of the baseline's requests/s; p99 is reported.
Footprint target: VmRSS ≤ 150 MB per web worker after the load.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bench import dataset, results
from bench.load import Request, run_wrk
from bench.scenario import HOT_PATHS, prepare_data, sign_in
from bench.servers import (cpu_seconds, default_workers, elearn_env, rss_mb, start_baseline,
                           start_elearn)

RPS_TARGET = 0.5
REFERENCE_QUERY = "reference: constant + one query"
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
            measured, cpu = {}, {}
            pids = server.worker_pids()
            for path in HOT_PATHS:
                print(f"[hotpaths/{kind}] {path}", flush=True)
                before = cpu_seconds(pids)
                measured[path] = run_wrk(server.url, workload.requests_for(path, capacity),
                                         seconds=args.seconds, connections=args.connections)
                cpu[path] = cpu_seconds(pids) - before
            print(f"[hotpaths/{kind}] reference: signed-in /api/me", flush=True)
            before = cpu_seconds(pids)
            references[REFERENCE_SIGNED_IN] = run_wrk(server.url, workload.me(),
                                                      seconds=args.seconds,
                                                      connections=args.connections)
            cpu[REFERENCE_SIGNED_IN] = cpu_seconds(pids) - before
            workers = {pid: rss_mb(pid) for pid in server.worker_pids()}
        finally:
            server.stop()

    rows = [["baseline (constant)", baseline.rps, 1.0, baseline.p50_ms, baseline.p99_ms,
             baseline.errors, "-", "-", "-"]]
    ok = True
    for path, result in measured.items():
        ratio = result.rps / baseline.rps
        met = ratio >= RPS_TARGET and result.errors == 0
        ok = ok and met
        rows.append([path, result.rps, ratio, result.p50_ms, result.p99_ms, result.errors,
                     1000 * cpu[path] / max(result.requests, 1), cpu[path] / result.seconds,
                     results.verdict(met)])
    for name, result in references.items():
        rows.append([name, result.rps, result.rps / baseline.rps, result.p50_ms,
                     result.p99_ms, result.errors,
                     1000 * cpu[name] / max(result.requests, 1) if name in cpu else "-",
                     cpu[name] / result.seconds if name in cpu else "-", "reference"])
    body = (f"`wrk -t 2 -c {args.connections} -d {args.seconds:g}s`, {len(usernames)} signed-in "
            f"learners (cookies rotated per request), course `{shape.slug}` "
            f"({len(shape.units)} units), gunicorn workers: {default_workers()}.\n\n"
            + results.table(["path", "requests/s", "ratio to baseline", "p50 ms", "p99 ms",
                             "errors", "worker CPU ms/request", "cores used by workers",
                             f"target ≥ {RPS_TARGET:.0%}"], rows)
            + "\n\nThe two reference rows are not targets; they show what the stack costs "
              "before any of the service's own work.  *One query* is the bare baseline app "
              "reading one row by primary key through SQLAlchemy from the same database; "
              "*signed-in `/api/me`* is the service answering with the session's account: "
              "session cookie, account lookup, access check, JSON and the request's "
              "transaction.  No hot path can reach a higher share than the signed-in floor.")
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
                  "references": {n: r.as_dict() for n, r in references.items()},
                  "paths": {p: r.as_dict() for p, r in measured.items()},
                  "worker_rss_mb": list(workers.values())})
    return ok
