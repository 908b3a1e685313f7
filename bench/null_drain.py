"""Benchmark: the delivery worker's own speed, into an LRS that does no work.

``python -m bench drain`` measures the worker against Ralph, whose store check grows with
every statement stored, so there the LRS sets the pace.  Here the destination is a null LRS
on loopback (a thread of this process) that reads each POSTed batch, discards it and answers
200 at once, so the figure is what the worker itself can deliver: the outbox claim, the
POST on a pooled connection and the recorded outcome.  Target: ≥ 5,000 statements/s, so the
worker is never the bottleneck of a real LRS.

``--count`` statements (cloned from the ones one learner produces going through the real
course) are queued with a pending delivery each, then ``elearn xapi worker --once`` drains
them.  The rate is taken from the first to the last batch the null LRS received (the
worker's steady drain); the whole process's wall time, start-up included, is shown beside
it.  Every statement id must arrive exactly once and every delivery row end delivered.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench import dataset, lrs, results
from bench.servers import elearn_env

TARGET = 5_000.0
DESTINATION = "null"


class NullLrs:
    """Accepts every statement batch at once and answers 200 with an empty JSON array.  The
    bodies are kept unparsed and read only after the drain (to check that every id arrived
    exactly once), so the LRS spends as little as possible of the shared CPU while the
    worker runs."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.first: float | None = None
        self.last: float | None = None
        self.batches = 0
        lrs_ = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The answer's headers and body are two writes: without TCP_NODELAY the body
            # waits for the client's delayed ACK (~40 ms per batch), and the benchmark would
            # measure that instead of the worker.
            disable_nagle_algorithm = True

            def log_message(self, *_args):
                return

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.perf_counter()
                lrs_.bodies.append(body)
                lrs_.batches += 1
                lrs_.first = lrs_.first if lrs_.first is not None else now
                lrs_.last = now
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"[]")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def ids(self) -> list[str]:
        return [statement["id"] for body in self.bodies for statement in json.loads(body)]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/xAPI/"

    def reset(self) -> None:
        self.bodies, self.first, self.last, self.batches = [], None, None, 0

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=dataset.POSTGRES_URL)
    parser.add_argument("--count", type=int, default=20_000, help="statements queued")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--claim-batches", type=int, default=0,
                        help="ELEARN_XAPI_CLAIM_BATCHES for the worker (0: its default)")


def run(args: argparse.Namespace) -> bool:
    return all([measure(kind, args) for kind in dataset.databases(args.db)])


def measure(kind: str, args: argparse.Namespace) -> bool:
    null = NullLrs()
    try:
        with tempfile.TemporaryDirectory(prefix="elearn-bench-") as tmp:
            workdir = Path(tmp)
            url = dataset.database_url(kind, workdir, args.postgres_url)
            destination = {"name": DESTINATION, "endpoint": null.endpoint,
                           "username": "bench", "password": "bench-password",
                           "batch_size": args.batch_size}
            dataset.reset_database(url)
            app = dataset.make_app(url, workdir, LRS_DESTINATIONS=[destination])
            dataset.import_course(app)
            print(f"[nulldrain/{kind}] queueing {args.count:,} statements", flush=True)
            rows = lrs.clone(lrs.template_rows(app), args.count, f"null-{kind}")
            lrs.queue(app, rows, DESTINATION)
            settings = {"XAPI_CLAIM_BATCHES": str(args.claim_batches)} \
                if args.claim_batches else {}
            env = elearn_env(url, workdir, LRS_DESTINATIONS=json.dumps([destination]),
                             XAPI_BATCH_SIZE=str(args.batch_size), **settings)
            print(f"[nulldrain/{kind}] elearn xapi worker --once", flush=True)
            started = time.perf_counter()
            completed = subprocess.run(
                [sys.executable, "-m", "elearn.cli", "xapi", "worker", "--once"], env=env,
                capture_output=True, text=True, timeout=3600, cwd=results.ROOT)
            wall = time.perf_counter() - started
            if completed.returncode != 0:
                raise RuntimeError(f"worker failed: {completed.stdout}\n{completed.stderr}")
            states = lrs.delivery_states(app)
            app.extensions["elearn.db"].engine.dispose()
    finally:
        null.stop()
    expected = {row["statement_id"] for row in rows}
    received = null.ids
    exactly_once = len(received) == len(expected) and set(received) == expected
    all_delivered = states == {"delivered": args.count}
    drain_seconds = (null.last - null.first) if null.batches > 1 else wall
    # n batches arrive over n-1 intervals: the rate counts the statements after the first.
    per_batch = args.count / max(null.batches, 1)
    rate = (args.count - per_batch) / drain_seconds if drain_seconds > 0 else 0.0
    ok = rate >= TARGET and exactly_once and all_delivered
    label = "SQLite" if kind == "sqlite" else "PostgreSQL"
    body = (f"{args.count:,} statements (cloned from one learner's pass through the real "
            f"course, distinct ids), outbox on {label}, batch size {args.batch_size}, one "
            f"{'' if not args.claim_batches else f'{args.claim_batches} batches per claim, '}"
            f"destination: a null LRS on loopback that reads each batch, keeps it unparsed "
            f"and answers 200 at once (the ids are checked after the drain).  `elearn xapi worker "
            f"--once` drains the outbox.\n\n"
            + results.table(
                ["measure", "seconds", "statements/s", "target", "verdict"],
                [["steady drain (first to last batch at the LRS)", drain_seconds, rate,
                  f"≥ {TARGET:,.0f}", results.verdict(rate >= TARGET)],
                 ["whole worker process, start-up included", wall, args.count / wall, "-",
                  "-"]])
            + f"\n\nBatches received: {null.batches:,}; every id exactly once: "
              f"{results.verdict(exactly_once)}; outbox delivery states {states}: "
              f"{results.verdict(all_delivered)}.")
    results.save(f"nulldrain-{kind}", f"Delivery worker into a null LRS — {label}", body,
                 {"count": args.count, "batch_size": args.batch_size,
                  "drain_seconds": drain_seconds, "statements_per_second": rate,
                  "wall_seconds": wall, "batches": null.batches, "states": states,
                  "exactly_once": exactly_once})
    return ok
