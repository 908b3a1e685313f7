"""A local Ralph LRS on loopback, for `make run` and the integration tests.

Ralph is installed in its own virtual environment (``.venv-ralph``) because its pinned
dependencies differ from the service's.  It stores statements in files (``-b fs``).
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from elearn import PROJECT_ROOT

RALPH_BIN = PROJECT_ROOT / ".venv-ralph" / "bin" / "ralph"
# Ralph's API with an appending file backend and no auto-reloader (see that file).
RALPH_SERVER = Path(__file__).with_name("ralph_server.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalRalph:
    """One Ralph process with its own data directory and one all-scopes user."""

    directory: Path
    port: int = 0
    username: str = "elearn"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    process: subprocess.Popen | None = None

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        """The xAPI endpoint (Ralph serves it under /xAPI/)."""
        return f"{self.root}/xAPI/"

    def _env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("ELEARN_")}
        env.update({
            "RALPH_APP_DIR": str(self.directory),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH": str(self.directory / "fs"),
            # The LRS backend reads its own prefix; without it every instance shared one
            # file in the working directory.
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.directory / "fs"),
            "RALPH_AUTH_FILE": str(self.directory / "auth.json"),
        })
        return env

    def write_credentials(self) -> None:
        """(Re)create the auth file with this instance's user."""
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "fs").mkdir(exist_ok=True)
        auth = self.directory / "auth.json"
        if auth.exists():
            auth.unlink()
        subprocess.run(
            [str(RALPH_BIN), "auth", "-u", self.username, "-p", self.password, "-s", "all",
             "-M", "mailto:elearn-lrs@example.org", "-w"],
            env=self._env(), check=True, capture_output=True, timeout=120)

    def start(self, timeout: float = 60.0) -> "LocalRalph":
        if not RALPH_BIN.exists():
            raise RuntimeError(f"{RALPH_BIN} is missing; run `make .venv-ralph/.installed`")
        if not (self.directory / "auth.json").exists():
            self.write_credentials()
        self.port = self.port or free_port()
        log = open(self.directory / "ralph.log", "ab")
        self.process = subprocess.Popen(
            [str(RALPH_BIN.with_name("python")), str(RALPH_SERVER), "127.0.0.1", str(self.port)],
            env=self._env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            cwd=self.directory)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Ralph exited; see {self.directory / 'ralph.log'}")
            try:
                if requests.get(self.root + "/__heartbeat__", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Ralph did not answer within {timeout}s")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def destination(self, name: str = "local-ralph") -> dict:
        """This LRS as an ``ELEARN_LRS_DESTINATIONS`` entry."""
        return {"name": name, "endpoint": self.endpoint, "username": self.username,
                "password": self.password}

    def statements(self, **params) -> list[dict]:
        """Every statement Ralph holds matching ``params``, following ``more`` links."""
        found: list[dict] = []
        url = self.endpoint + "statements"
        query = {"limit": 500, **params}
        while url:
            response = requests.get(url, params=query, auth=(self.username, self.password),
                                    headers={"X-Experience-API-Version": "1.0.3"}, timeout=30)
            response.raise_for_status()
            body = response.json()
            found.extend(body["statements"])
            more = body.get("more")
            url = (self.root + more) if more else ""
            query = {}
        return found

    def wipe(self) -> None:
        """Forget every stored statement (stopped instances only)."""
        shutil.rmtree(self.directory / "fs", ignore_errors=True)
        (self.directory / "fs").mkdir(parents=True, exist_ok=True)
