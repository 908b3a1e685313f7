"""Diagnostic beside the outage benchmark (not one of the targets): is the learner's p99
with a slow LRS the service's doing, or the co-located LRS's?

The outage benchmark puts Ralph behind the delaying proxy, on the same two cores as the
service.  Here the proxy's upstream is a stub that accepts every batch at once and does no
work of its own, so the only difference between the two conditions is the one a remote slow
LRS makes: answers after 5 s.  Rounds alternate healthy (after the backlog was delivered)
and slow; each runs quiz submissions, unit pages and then the progress API for ``--seconds``
each under ``wrk``; the progress API's p99 is printed per round and as a median ratio.

    python -m bench.slow_lrs_probe --db sqlite
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench import dataset, lrs
from bench.load import run_wrk
from bench.proxy import DelayingProxy
from bench.scenario import prepare_data, sign_in
from bench.servers import elearn_env, start_elearn


class _AcceptEverything(BaseHTTPRequestHandler):
    """An LRS that stores nothing: answers each POST with the ids it was sent."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *_args):
        return

    def do_POST(self):
        statements = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        data = json.dumps([s["id"] for s in statements]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.slow_lrs_probe")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=dataset.POSTGRES_URL)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--learners", type=int, default=300)
    args = parser.parse_args(argv)

    stub = ThreadingHTTPServer(("127.0.0.1", 0), _AcceptEverything)
    stub.daemon_threads = True
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    proxy = DelayingProxy(f"http://127.0.0.1:{stub.server_address[1]}/").start()
    with tempfile.TemporaryDirectory(prefix="elearn-bench-") as tmp:
        workdir = Path(tmp)
        url = dataset.database_url(args.db, workdir, args.postgres_url)
        usernames, shape, attempts = prepare_data(url, workdir, learners=args.learners,
                                                  attempts_per_unit=3)
        destination = {"name": "lrs", "endpoint": proxy.url + "/xAPI/",
                       "username": "probe", "password": "probe-password"}
        env = elearn_env(url, workdir, LRS_DESTINATIONS=json.dumps([destination]),
                         XAPI_BACKOFF_MAX_SECONDS="15", XAPI_POLL_SECONDS="1")
        server = start_elearn(env, workdir, delivery=True)
        app = dataset.make_app(url, workdir)
        p99: dict[str, list[float]] = {"healthy": [], "slow": []}
        try:
            workload = sign_in(server.url, usernames, shape, attempts)
            capacity = len(attempts) // (2 * args.rounds)
            run_wrk(server.url, workload.unit_pages() + workload.progress(), seconds=2,
                    connections=16)
            for round_ in range(args.rounds):
                for condition in ("healthy", "slow"):
                    if condition == "healthy":
                        proxy.delay = 0.0
                        while lrs.delivery_states(app).get("pending"):
                            time.sleep(1)
                    else:
                        proxy.delay = 5.0
                    for path in ("quiz submission", "unit page"):
                        run_wrk(server.url, workload.requests_for(path, capacity),
                                seconds=args.seconds, connections=16)
                    result = run_wrk(server.url, workload.progress(), seconds=args.seconds,
                                     connections=16)
                    p99[condition].append(result.p99_ms)
                    print(f"round {round_ + 1} {condition}: progress API p99 "
                          f"{result.p99_ms:.1f} ms", flush=True)
            proxy.delay = 0.0
        finally:
            server.stop()
            proxy.stop()
            stub.shutdown()
            app.extensions["elearn.db"].engine.dispose()
    ratio = statistics.median(p99["slow"]) / statistics.median(p99["healthy"])
    print(f"{args.db}: progress API p99 healthy {[round(v, 1) for v in p99['healthy']]}, "
          f"slow {[round(v, 1) for v in p99['slow']]} ms; median slow ÷ healthy {ratio:.2f}")


if __name__ == "__main__":
    main()
