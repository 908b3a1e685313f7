"""The HTTP layer of delivery against small local HTTP servers: what every POST carries,
that connections are reused, and that a silent LRS becomes a timeout, not a hang."""
from __future__ import annotations

import base64
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from elearn.local_lrs import free_port
from elearn.xapi.batching import Action, classify
from elearn.xapi.destinations import Destination
from elearn.xapi.lrs_client import LrsClient


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is visible
    seen: list[dict] = []

    def log_message(self, *_args):
        return

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.seen.append({"path": self.path, "headers": dict(self.headers), "body": body,
                              "peer": self.client_address})
        answer = b'["ok"]'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture
def recorder():
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_post_carries_auth_version_type_and_exact_body_over_one_connection(recorder):
    destination = Destination(name="lrs", endpoint=f"http://127.0.0.1:{recorder}/xAPI/",
                              username="key", password="secret", timeout=5)
    client = LrsClient()
    body = '[{"id":"a","é":1}]'.encode()
    first = client.post_statements(destination, body)
    second = client.post_statements(destination, b"[]")
    client.close()
    assert first.status == 200 and first.text == '["ok"]' and second.status == 200
    request = Recorder.seen[0]
    assert request["path"] == "/xAPI/statements"
    assert request["body"] == body
    headers = request["headers"]
    assert headers["X-Experience-API-Version"] == "1.0.3"
    assert headers["Content-Type"] == "application/json"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"key:secret").decode()
    assert Recorder.seen[0]["peer"] == Recorder.seen[1]["peer"]  # the same TCP connection


def test_an_lrs_that_never_answers_times_out_and_is_retried_later():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    port = listener.getsockname()[1]
    destination = Destination(name="slow", endpoint=f"http://127.0.0.1:{port}/xAPI/",
                              username="u", password="p", timeout=0.5)
    try:
        response = LrsClient().post_statements(destination, b"[]")
    finally:
        listener.close()
    assert response.status is None
    assert response.text.startswith("no answer within 0.5 s")
    assert classify(response.status) is Action.RETRY
