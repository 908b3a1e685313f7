"""A small HTTP proxy on loopback in front of the LRS, for the outage benchmark.

It forwards each request to the upstream LRS, waiting ``delay`` seconds before answering
(an LRS that is up but slow).  When the upstream is down it closes the connection without
an answer, as a vanished LRS does, so the delivery worker sees a network error.
"""
from __future__ import annotations

import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FORWARDED = ("Authorization", "Content-Type", "X-Experience-API-Version", "Accept")


class DelayingProxy:
    def __init__(self, upstream: str, delay: float = 0.0):
        self.upstream = urlsplit(upstream)
        self.delay = delay
        self.forwarded = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args):  # quiet: the benchmark prints its own table
                return

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy.delay:
                    time.sleep(proxy.delay)
                connection = http.client.HTTPConnection(proxy.upstream.hostname,
                                                        proxy.upstream.port, timeout=120)
                try:
                    connection.request(self.command, self.path, body=body,
                                       headers={h: self.headers[h] for h in FORWARDED
                                                if self.headers.get(h)})
                    answer = connection.getresponse()
                    data = answer.read()
                except OSError:
                    self.close_connection = True  # upstream down: hang up without answering
                    return
                finally:
                    connection.close()
                proxy.forwarded += 1
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in {"content-length", "connection",
                                            "transfer-encoding", "date", "server"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_HEAD = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "DelayingProxy":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
