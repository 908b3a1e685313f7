"""``elearn serve``'s gunicorn: each instance has its own control socket under its
``instance/`` folder (or none), so two instances on one machine never share one."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from elearn.cli import gunicorn_command
from elearn.local_lrs import free_port


def test_control_socket_is_per_instance_or_off(tmp_path):
    command = gunicorn_command("/venv/bin", "127.0.0.1", 5000, 2, "/srv/a/instance")
    at = command.index("--control-socket")
    assert command[at + 1] == "/srv/a/instance/gunicorn-5000.ctl"
    other = gunicorn_command("/venv/bin", "127.0.0.1", 5000, 2, "/srv/b/instance")
    assert other[other.index("--control-socket") + 1] == "/srv/b/instance/gunicorn-5000.ctl"
    deep = gunicorn_command("/venv/bin", "127.0.0.1", 5000, 2, "/" + "d" * 120)
    assert "--no-control-socket" in deep and "--control-socket" not in deep
    none = gunicorn_command("/venv/bin", "127.0.0.1", 5000, 2)
    assert "--no-control-socket" in none and "--control-socket" not in none


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def test_two_instances_run_side_by_side_with_their_own_sockets(tmp_path, database_url):
    bin_dir = os.path.dirname(sys.executable)
    env = {**os.environ, "ELEARN_DATABASE_URL": database_url}
    processes = []
    try:
        for name in ("a", "b"):
            instance = tmp_path / name
            instance.mkdir()
            port = free_port()
            command = gunicorn_command(bin_dir, "127.0.0.1", port, 1, str(instance))
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE)
            processes.append((process, port, instance / f"gunicorn-{port}.ctl"))
        for process, port, socket in processes:
            _wait_for(f"http://127.0.0.1:{port}/healthz", process)
            deadline = time.monotonic() + 10
            while not socket.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert socket.is_socket()
    finally:
        for process, _port, _socket in processes:
            process.terminate()
        for process, _port, _socket in processes:
            process.wait(timeout=30)
            process.stderr.close()
