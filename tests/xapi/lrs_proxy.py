"""A recording HTTP proxy in front of a real LRS, for delivery tests that must see every
request (to count what was sent) or hold one in flight (to kill a worker mid-batch)."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from elearn.local_lrs import free_port

_FORWARDED = ("Authorization", "Content-Type", "X-Experience-API-Version")


class LrsProxy:
    """Forwards ``/xAPI/...`` to ``upstream`` (an LRS root URL) and records posted ids."""

    def __init__(self, upstream: str, *, delay: float = 0.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.delay = delay
        self.posted_ids: list[str] = []
        self.statuses: list[int] = []
        self.hold = threading.Event()       # set: POSTs wait until ``release`` is set
        self.release = threading.Event()
        self.arrived = threading.Event()    # set when a POST arrives
        self._lock = threading.Lock()
        self.port = free_port()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):  # keep test output quiet
                return

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy._lock:
                    proxy.posted_ids.extend(s.get("id") for s in json.loads(body))
                proxy.arrived.set()
                if proxy.hold.is_set():
                    proxy.release.wait(60)
                if proxy.delay:
                    time.sleep(proxy.delay)
                answer = requests.post(proxy.upstream + self.path, data=body, timeout=30,
                                       headers={k: self.headers[k] for k in _FORWARDED
                                                if k in self.headers})
                with proxy._lock:
                    proxy.statuses.append(answer.status_code)
                try:
                    self.send_response(answer.status_code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer.content)))
                    self.end_headers()
                    self.wfile.write(answer.content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the worker was killed while waiting; the LRS got the batch anyway

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def __enter__(self) -> "LrsProxy":
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
