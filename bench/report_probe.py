"""Measure the HR report in a fresh process (run by ``bench.report``):
``python -m bench.report_probe DATABASE_URL WORKDIR USERNAME PASSWORD``.

Prints one JSON line: page_seconds, csv_seconds, csv_rows, csv_bytes, rss_growth_mb,
traced_peak_mb.  A fresh process per size keeps one size's memory from hiding another's.
"""
from __future__ import annotations

import json
import re
import sys
import time
import tracemalloc
from pathlib import Path

CSV_PATH = "/hr/reports/completions.csv"
PAGE_PATH = "/hr/reports/completions"


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def _read_csv(client) -> tuple[int, int]:
    """Read the streamed CSV chunk by chunk; (data rows, bytes)."""
    response = client.get(CSV_PATH, buffered=False)
    if response.status_code != 200:
        raise RuntimeError(f"CSV answered {response.status_code}")
    lines = size = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    return lines - 1, size  # minus the header row


def main(url: str, workdir: str, username: str, password: str) -> None:
    from bench.dataset import make_app

    app = make_app(url, Path(workdir))
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    answer = client.post("/login", data={"csrf_token": token.group(1), "username": username,
                                         "password": password})
    if answer.status_code != 302:
        raise RuntimeError(f"login failed: {answer.status_code}")
    started = time.perf_counter()
    page = client.get(PAGE_PATH)
    page_seconds = time.perf_counter() - started
    if page.status_code != 200:
        raise RuntimeError(f"report page answered {page.status_code}")
    before = _peak_rss_mb()  # after the page: imports and connections are in place
    started = time.perf_counter()
    rows, size = _read_csv(client)
    csv_seconds = time.perf_counter() - started
    rss_growth = _peak_rss_mb() - before
    tracemalloc.start()
    _read_csv(client)
    traced_peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(json.dumps({"page_seconds": page_seconds, "csv_seconds": csv_seconds,
                      "csv_rows": rows, "csv_bytes": size, "rss_growth_mb": rss_growth,
                      "traced_peak_mb": traced_peak}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
