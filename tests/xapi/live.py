"""The service on a loopback port for standard xAPI clients, and HR's read credentials."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from elearn.xapi.clients import IssuedCredentials, create_client


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` serving ``app`` (threaded) until the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def credentials(app: Flask, name: str = "hr-system") -> IssuedCredentials:
    with app.extensions["elearn.db"].session_scope() as session:
        return create_client(session, name)
