"""Load generation with ``wrk`` (Debian package), from outside the service's processes.

Learners are signed in through the real login form first; ``wrk`` then replays a list of
requests (method, path, session cookie, body), each thread taking every n-th line, so each
request carries a different learner's cookie and each quiz attempt is submitted once.
Figures come from wrk's own ``done`` hook as JSON: requests, duration, errors and latency
percentiles in microseconds.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

USER_AGENT = "elearn-bench/1"  # the session is bound to it ("strong" session protection)

LUA = r"""
local lines = {}
local index = 0
local count = 0

function setup(thread)
  thread:set("thread_id", setup_count or 0)
  setup_count = (setup_count or 0) + 1
end

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS"))
  local total = 0
  for _ in io.lines(os.getenv("BENCH_REQUESTS")) do total = total + 1 end
  if total < threads then threads = 1; thread_id = 0 end  -- too few lines to share out
  local n = 0
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    if n % threads == thread_id then
      local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
      local headers = {["Cookie"] = cookie, ["User-Agent"] = os.getenv("BENCH_UA"),
                       ["Accept"] = "text/html,application/json"}
      if body ~= nil and body ~= "" then
        headers["Content-Type"] = "application/json"
      else
        body = nil
      end
      table.insert(lines, wrk.format(method, path, headers, body))
    end
    n = n + 1
  end
  count = #lines
end

function request()
  index = index + 1
  if index > count then index = 1 end
  return lines[index]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "non_2xx_3xx": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "mean_us": %f}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
"""


def require_wrk() -> str:
    """The wrk binary; installs the Debian package when missing (apt, as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing; installing the Debian package", flush=True)
    prefix = [] if _is_root() else ["sudo", "-n"]
    subprocess.run(prefix + ["apt-get", "install", "-y", "wrk"], check=True,
                   stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk could not be installed (apt-get install -y wrk)")
    return found


def _is_root() -> bool:
    import os
    return os.geteuid() == 0


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int  # non-2xx/3xx answers plus socket errors
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {**self.__dict__, "rps": self.rps}


@dataclass
class Request:
    method: str
    path: str
    cookie: str = ""
    body: str = ""

    def line(self) -> str:
        for value in (self.path, self.cookie, self.body):
            if "\t" in value or "\n" in value:
                raise ValueError("tabs and newlines cannot be replayed")
        return f"{self.method}\t{self.path}\t{self.cookie}\t{self.body}"


def run_wrk(base_url: str, requests_: list[Request], *, seconds: float, connections: int,
            threads: int = 2, timeout_s: float = 30.0) -> LoadResult:
    """Replay ``requests_`` against ``base_url`` for ``seconds`` seconds."""
    wrk = require_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "replay.lua"
        script.write_text(LUA, encoding="utf-8")
        listing = Path(tmp) / "requests.tsv"
        listing.write_text("\n".join(r.line() for r in requests_) + "\n", encoding="utf-8")
        env = {"BENCH_REQUESTS": str(listing), "BENCH_THREADS": str(threads),
               "BENCH_UA": USER_AGENT, "PATH": "/usr/bin:/bin"}
        completed = subprocess.run(
            [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
             "--timeout", f"{timeout_s:g}s", "-s", str(script), base_url],
            capture_output=True, text=True, env=env, timeout=seconds + timeout_s + 60)
    match = re.search(r"BENCH_JSON (\{.*\})", completed.stdout)
    if completed.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed: {completed.stdout}\n{completed.stderr}")
    data = json.loads(match.group(1))
    errors = (data["non_2xx_3xx"] + data["connect"] + data["read"] + data["write"]
              + data["timeout"])
    return LoadResult(requests=data["requests"], seconds=data["duration_us"] / 1e6,
                      errors=errors, p50_ms=data["p50_us"] / 1000, p90_ms=data["p90_us"] / 1000,
                      p99_ms=data["p99_us"] / 1000, max_ms=data["max_us"] / 1000)


# --- signing in ----------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def login(base_url: str, username: str, password: str) -> str:
    """Sign in through the login form; returns the ``Cookie`` header of the session."""
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        page = session.get(base_url + "/login", timeout=30)
        token = _CSRF.search(page.text)
        if token is None:
            raise RuntimeError("no csrf_token on the login page")
        answer = session.post(base_url + "/login", timeout=60, allow_redirects=False,
                              data={"csrf_token": token.group(1), "username": username,
                                    "password": password, "next": ""})
        if answer.status_code != 302:
            raise RuntimeError(f"login of {username} failed: {answer.status_code}")
        return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def login_all(base_url: str, usernames: list[str], password: str,
              parallel: int = 8) -> dict[str, str]:
    """Session cookies of every user, signed in ``parallel`` at a time."""
    with ThreadPoolExecutor(parallel) as pool:
        cookies = list(pool.map(lambda name: login(base_url, name, password), usernames))
    return dict(zip(usernames, cookies))
