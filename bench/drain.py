"""Benchmark 2: draining 50,000 queued statements into a local Ralph LRS with the real
delivery worker (``elearn xapi worker --once``).

Baselines in the same run, against the same Ralph started empty each time:
(a) a plain client POSTing the same statements in the same batch size straight to Ralph;
(b) one ``PUT statements?statementId=`` per statement, as a naive integration does, measured
on a sample and its rate extrapolated.  Targets: ≥ 80 % of (a), ≥ 10 × (b).  Every count is
checked in Ralph's store.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench import dataset, lrs, results
from bench.servers import elearn_env
from elearn.local_lrs import LocalRalph

DESTINATION = "ralph"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=50_000, help="statements queued")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--put-sample", type=int, default=1_000,
                        help="statements sent one PUT each for baseline (b)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=dataset.POSTGRES_URL)


def _plain_post(ralph: LocalRalph, payloads: list[str], batch_size: int) -> float:
    with requests.Session() as session:
        session.auth = (ralph.username, ralph.password)
        session.headers.update(lrs.XAPI_HEADERS)
        started = time.perf_counter()
        for start in range(0, len(payloads), batch_size):
            body = ("[" + ",".join(payloads[start:start + batch_size]) + "]").encode("utf-8")
            response = session.post(ralph.endpoint + "statements", data=body, timeout=120)
            response.raise_for_status()
        return time.perf_counter() - started


def _one_put_each(ralph: LocalRalph, rows: list[dict]) -> float:
    with requests.Session() as session:
        session.auth = (ralph.username, ralph.password)
        session.headers.update(lrs.XAPI_HEADERS)
        started = time.perf_counter()
        for row in rows:
            response = session.put(ralph.endpoint + "statements",
                                   params={"statementId": row["statement_id"]},
                                   data=row["payload"].encode("utf-8"), timeout=60)
            response.raise_for_status()
        return time.perf_counter() - started


def _check(ralph: LocalRalph, expected: set[str], what: str) -> int:
    ids = lrs.stored_ids(ralph)
    if len(ids) != len(expected) or set(ids) != expected:
        raise RuntimeError(f"{what}: Ralph holds {len(ids)} statements ({len(set(ids))} "
                           f"distinct), expected exactly {len(expected)}")
    return len(ids)


def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="elearn-bench-") as tmp:
        workdir = Path(tmp)
        ralph = LocalRalph(workdir / "ralph").start()
        try:
            return _measure(args, workdir, ralph)
        finally:
            ralph.stop()


def _measure(args: argparse.Namespace, workdir: Path, ralph: LocalRalph) -> bool:
    url = dataset.database_url(args.db, workdir, args.postgres_url)
    destination = {**ralph.destination(DESTINATION), "batch_size": args.batch_size}
    dataset.reset_database(url)
    app = dataset.make_app(url, workdir, LRS_DESTINATIONS=[destination])
    dataset.import_course(app)
    print("[drain] building statements with the learning services", flush=True)
    templates = lrs.template_rows(app)
    rows = lrs.clone(templates, args.count, "drain")
    expected = {row["statement_id"] for row in rows}
    payloads = [row["payload"] for row in rows]

    print(f"[drain] baseline (a): plain client, {args.count} statements in batches of "
          f"{args.batch_size}", flush=True)
    plain_seconds = _plain_post(ralph, payloads, args.batch_size)
    _check(ralph, expected, "baseline (a)")
    lrs.restart_empty(ralph)

    sample = lrs.clone(templates, args.put_sample, "put-sample")
    print(f"[drain] baseline (b): one PUT per statement, sample of {len(sample)}", flush=True)
    put_seconds = _one_put_each(ralph, sample)
    _check(ralph, {row["statement_id"] for row in sample}, "baseline (b)")
    lrs.restart_empty(ralph)

    print(f"[drain] queueing {args.count} statements in the outbox", flush=True)
    lrs.queue(app, rows, DESTINATION)
    env = elearn_env(url, workdir, LRS_DESTINATIONS=json.dumps([destination]),
                     XAPI_BATCH_SIZE=str(args.batch_size))
    print("[drain] elearn xapi worker --once", flush=True)
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "elearn.cli", "xapi", "worker", "--once"],
                               env=env, capture_output=True, text=True, timeout=3600,
                               cwd=results.ROOT)
    worker_seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"worker failed: {completed.stdout}\n{completed.stderr}")
    in_ralph = _check(ralph, expected, "worker")
    states = lrs.delivery_states(app)
    app.extensions["elearn.db"].engine.dispose()

    plain_rate = args.count / plain_seconds
    put_rate = len(sample) / put_seconds
    worker_rate = args.count / worker_seconds
    vs_plain, vs_put = worker_rate / plain_rate, worker_rate / put_rate
    ok_plain, ok_put = vs_plain >= 0.8, vs_put >= 10
    all_delivered = states == {"delivered": args.count}
    body = (
        f"{args.count:,} statements (cloned from the statements one learner produces going "
        f"through the real course with the learning services; distinct ids), batch size "
        f"{args.batch_size}, outbox on {args.db}, Ralph (file backend) started empty before "
        f"each measurement.  The worker's time is the wall time of the whole "
        f"`elearn xapi worker --once` process, start-up included.  Baseline (b) sent "
        f"{len(sample):,} statements and its rate is extrapolated to {args.count:,}; it ran "
        f"against a store of at most {len(sample):,} statements, which Ralph answers faster "
        f"than a fuller one, so (b) is if anything flattered.\n\n"
        + results.table(
            ["sender", "statements", "seconds", "statements/s", "worker ÷ this", "target",
             "verdict"],
            [["elearn xapi worker", args.count, worker_seconds, worker_rate, 1.0, "-", "-"],
             ["(a) plain client, same batches", args.count, plain_seconds, plain_rate,
              vs_plain, "≥ 0.8", results.verdict(ok_plain)],
             ["(b) one PUT per statement (sample)", len(sample), put_seconds, put_rate,
              vs_put, "≥ 10", results.verdict(ok_put)],
             ["(b) extrapolated", args.count, args.count / put_rate, put_rate, vs_put, "", ""]])
        + f"\n\nChecked in Ralph's store after the worker: {in_ralph:,} statements, all "
          f"distinct, exactly the queued ids; outbox delivery states: {states} — "
          f"{results.verdict(all_delivered)}.")
    results.save("drain", "Outbox drain into Ralph", body,
                 {"count": args.count, "batch_size": args.batch_size,
                  "worker_seconds": worker_seconds, "plain_seconds": plain_seconds,
                  "put_sample": len(sample), "put_seconds": put_seconds,
                  "ratio_plain": vs_plain, "ratio_put": vs_put, "states": states})
    return ok_plain and ok_put and all_delivered
