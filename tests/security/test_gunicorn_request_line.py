"""Long request lines through the real web server answer the JSON error shape, not HTML."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import requests

from elearn.cli import gunicorn_command
from elearn.local_lrs import free_port


@pytest.fixture
def served(database_url, tmp_path):
    port = free_port()
    env = dict(os.environ, ELEARN_DATABASE_URL=database_url, ELEARN_ENV="testing",
               ELEARN_SECRET_KEY="test-secret-key-that-is-long-enough-0123")
    command = gunicorn_command(os.path.dirname(sys.executable), "127.0.0.1", port, 1)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/healthz", timeout=5).raise_for_status()
                break
            except requests.RequestException:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not answer /healthz (exit code {process.poll()})")
                time.sleep(0.3)
        yield base
    finally:  # never leave the server running, whatever happened above
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize("path", ["/api/courses", "/xapi/statements"])
def test_request_lines_over_gunicorns_default_limit(served, path):
    response = requests.get(served + path + "?x=" + "a" * 6000, timeout=30)  # > 4,094
    assert response.status_code == 401  # reached the application, which asks for sign-in
    response = requests.get(served + path + "?x=" + "a" * 20_000, timeout=30)
    assert response.status_code == 414
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "uri_too_long"
