"""`make run`: everything a newcomer needs on one machine, stopped together with Ctrl-C.

Migrates the database, imports ``courses/``, creates a demo learner, starts a local Ralph
LRS on loopback as the delivery destination, then runs ``elearn serve``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from elearn import PROJECT_ROOT
from elearn.local_lrs import LocalRalph

DEMO_USER = "demo"
DEMO_PASSWORD = "demo-learner-2026"


def _elearn(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "elearn.cli", *args], env=env, check=check)


def main() -> int:
    instance = PROJECT_ROOT / "instance"
    instance.mkdir(exist_ok=True)
    ralph = LocalRalph(instance / "ralph")
    credentials = instance / "ralph" / "credentials.json"
    if credentials.exists():
        saved = json.loads(credentials.read_text())
        ralph.password, ralph.port = saved["password"], saved["port"]
    else:
        ralph.port = 8100
        ralph.write_credentials()
        credentials.write_text(json.dumps({"password": ralph.password, "port": ralph.port}))
        credentials.chmod(0o600)
    print(f"starting the local LRS (Ralph) on {ralph.endpoint} ...", flush=True)
    ralph.start()
    env = dict(os.environ)
    env.setdefault("ELEARN_LRS_DESTINATIONS", json.dumps([ralph.destination()]))
    try:
        _elearn("db", "upgrade", env=env)
        probe = subprocess.run([sys.executable, "-m", "elearn.cli", "courses", "--help"], env=env,
                               capture_output=True)
        if probe.returncode == 0 and Path(PROJECT_ROOT / "courses").exists():
            _elearn("courses", "import", str(PROJECT_ROOT / "courses"), env=env)
        _elearn("users", "create", DEMO_USER, "--role", "learner", "--name", "Demo Learner",
                "--if-missing", env=dict(env, ELEARN_NEW_USER_PASSWORD=DEMO_PASSWORD))
        print("\n  elearn is starting at http://127.0.0.1:5000/login", flush=True)
        print(f"  sign in as {DEMO_USER} / {DEMO_PASSWORD}", flush=True)
        print(f"  local LRS: {ralph.endpoint} (user {ralph.username}; password in {credentials})",
              flush=True)
        print("  Ctrl-C stops everything.\n", flush=True)
        server = subprocess.Popen([sys.executable, "-m", "elearn.cli", "serve"], env=env)
        try:
            return server.wait()
        except KeyboardInterrupt:
            server.terminate()
            server.wait()
            return 0
    finally:
        ralph.stop()
        print("stopped the local LRS", flush=True)


if __name__ == "__main__":
    sys.exit(main())
