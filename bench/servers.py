"""Processes under test: the service exactly as ``elearn serve`` runs it (gunicorn with
2 × cores workers, optionally with the xAPI delivery worker), the baseline app under the
same gunicorn settings, and their worker processes' memory."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.results import ROOT

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def default_workers() -> int:
    """What ``elearn serve`` uses: 2 × cores."""
    return 2 * (os.cpu_count() or 1)


def elearn_env(database_url: str, workdir: Path, **settings: str) -> dict[str, str]:
    """The environment of a service process: the benchmark's database and settings only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELEARN_")}
    env.update({"ELEARN_DATABASE_URL": database_url,
                "ELEARN_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnop",
                "ELEARN_COURSE_MEDIA_PATH": str(workdir / "media"),
                "ELEARN_PUBLIC_URL": "http://127.0.0.1:5000"})
    env.update({f"ELEARN_{k}": v for k, v in settings.items()})
    return env


@dataclass
class Server:
    """A started server; ``stop()`` ends its whole process group."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str = "/", timeout: float = 60.0) -> "Server":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log}")
            try:
                requests.get(self.url + path, timeout=2, allow_redirects=False)
                if len(self.worker_pids()) >= 1:
                    time.sleep(0.5)  # let the remaining workers boot
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout}s; see {self.log}")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: children of the gunicorn master under this process."""
        masters = [pid for pid in descendants(self.process.pid) if _is_gunicorn_master(pid)]
        return [pid for master in masters for pid in children(master)]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = open(log, "ab")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                            start_new_session=True)


def start_elearn(env: dict[str, str], workdir: Path, *, delivery: bool = False,
                 workers: int = 0) -> Server:
    """``elearn serve`` on a free loopback port (its gunicorn writes the access log too)."""
    port = free_port()
    args = [str(VENV_BIN / "elearn"), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers or default_workers())]
    if not delivery:
        args.append("--no-delivery")
    server = Server(_spawn(args, env, workdir / "elearn-serve.log"), port,
                    workdir / "elearn-serve.log")
    return server.wait_ready("/login")


def start_baseline(workdir: Path, *, workers: int = 0, database_url: str = "") -> Server:
    """The baseline app with the gunicorn arguments ``elearn serve`` uses (``database_url``
    for its one-query reference endpoint)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELEARN_")}
    if database_url:
        env["BENCH_DATABASE_URL"] = database_url
    args = [str(VENV_BIN / "gunicorn"), "--workers", str(workers or default_workers()),
            "--bind", f"127.0.0.1:{port}", "--access-logfile", "-", "bench.baseline_app:app"]
    server = Server(_spawn(args, env, workdir / "baseline.log"), port, workdir / "baseline.log")
    return server.wait_ready("/")


# --- /proc ---------------------------------------------------------------------------------

def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    result, todo = [], [pid]
    while todo:
        current = todo.pop()
        result.append(current)
        todo.extend(children(current))
    return result


def _is_gunicorn_master(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(part.endswith(b"gunicorn") for part in cmdline[:2]) and bool(children(pid))


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by ``pids`` together."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle (all cores, from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` in MB (MiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")
