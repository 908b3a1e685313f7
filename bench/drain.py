"""Benchmark 2: draining 50,000 queued statements into a local Ralph LRS with the real
delivery worker (``elearn xapi worker --once``).

Baselines in the same run, against the same Ralph started empty each time:
(a) a plain client POSTing the same statements in the same batch size straight to Ralph;
(b) one ``PUT statements?statementId=`` per statement, as a naive integration does.
Targets: ≥ 80 % of (a), ≥ 10 × (b).  Every count is checked in Ralph's store.

Ralph checks each incoming statement id against its whole store, so every request gets
slower as the store fills, and a PUT pays that for each statement where a batch pays it once
per batch: a full one-PUT run of 50,000 would take hours, and a sample sent to a near-empty
store would credit (b) with a speed it loses as the store fills.  So (b) is measured in full,
with no extrapolation, at ``--put-count`` statements (default 3,000), against the worker
draining the same statements into the same empty store, start-up included.  The gap can only
widen with the count, since the store scan a PUT pays per statement grows with the store.
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
    parser.add_argument("--put-count", type=int, default=3_000,
                        help="statements for baseline (b): all sent one PUT each, and "
                             "drained by the worker for the comparison")
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

    env = elearn_env(url, workdir, LRS_DESTINATIONS=json.dumps([destination]),
                     XAPI_BATCH_SIZE=str(args.batch_size))
    print(f"[drain] elearn xapi worker --once: {args.count} statements", flush=True)
    worker_seconds = _worker_drain(app, env, rows)
    in_ralph = _check(ralph, expected, "worker")
    states = lrs.delivery_states(app)
    lrs.restart_empty(ralph)

    put_rows = lrs.clone(templates, args.put_count, "put")
    put_ids = {row["statement_id"] for row in put_rows}
    print(f"[drain] baseline (b): one PUT per statement, {len(put_rows)} statements",
          flush=True)
    put_seconds = _one_put_each(ralph, put_rows)
    _check(ralph, put_ids, "baseline (b)")
    lrs.restart_empty(ralph)
    print(f"[drain] elearn xapi worker --once: the same {len(put_rows)} statements",
          flush=True)
    small_seconds = _worker_drain(app, env, put_rows)
    _check(ralph, put_ids, "worker, (b)'s statements")
    small_states = lrs.delivery_states(app)
    app.extensions["elearn.db"].engine.dispose()

    plain_rate = args.count / plain_seconds
    worker_rate = args.count / worker_seconds
    put_rate = len(put_rows) / put_seconds
    small_rate = len(put_rows) / small_seconds
    vs_plain, vs_put = worker_rate / plain_rate, small_rate / put_rate
    ok_plain, ok_put = vs_plain >= 0.8, vs_put >= 10
    all_delivered = (states == {"delivered": args.count}
                     and small_states == {"delivered": args.count + len(put_rows)})
    body = (
        f"Statements cloned from the ones one learner produces going through the real course "
        f"with the learning services (distinct ids), batch size {args.batch_size}, outbox on "
        f"{args.db}, Ralph (file backend) started empty before each measurement.  The "
        f"worker's time is the wall time of the whole `elearn xapi worker --once` process, "
        f"start-up included.  Ralph checks each incoming id against its whole store, so "
        f"every request slows as the store fills and a PUT pays that per statement; (b) is "
        f"therefore measured in full, without extrapolation, at {len(put_rows):,} statements "
        f"(a full run of {args.count:,} would take hours), against the worker draining the "
        f"same statements into the same empty store.\n\n"
        + results.table(
            ["sender", "statements", "seconds", "statements/s", "worker ÷ this", "target",
             "verdict"],
            [["elearn xapi worker", args.count, worker_seconds, worker_rate, 1.0, "-", "-"],
             ["(a) plain client, same batches", args.count, plain_seconds, plain_rate,
              vs_plain, "≥ 0.8", results.verdict(ok_plain)],
             ["elearn xapi worker", len(put_rows), small_seconds, small_rate, 1.0, "-", "-"],
             ["(b) one PUT per statement", len(put_rows), put_seconds, put_rate, vs_put,
              "≥ 10", results.verdict(ok_put)]])
        + f"\n\nChecked in Ralph's store after each run: exactly the sent ids, each once "
          f"({in_ralph:,} after the worker's {args.count:,}); outbox delivery states: "
          f"{small_states} — {results.verdict(all_delivered)}.")
    results.save("drain", "Outbox drain into Ralph", body,
                 {"count": args.count, "batch_size": args.batch_size,
                  "worker_seconds": worker_seconds, "plain_seconds": plain_seconds,
                  "put_count": len(put_rows), "put_seconds": put_seconds,
                  "worker_seconds_put_count": small_seconds,
                  "ratio_plain": vs_plain, "ratio_put": vs_put, "states": small_states})
    return ok_plain and ok_put and all_delivered


def _worker_drain(app, env: dict[str, str], rows: list[dict]) -> float:
    """Queue ``rows`` and time ``elearn xapi worker --once`` delivering them."""
    lrs.queue(app, rows, DESTINATION)
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "elearn.cli", "xapi", "worker", "--once"],
                               env=env, capture_output=True, text=True, timeout=3600,
                               cwd=results.ROOT)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"worker failed: {completed.stdout}\n{completed.stderr}")
    return seconds
