"""Measure the HR report in a fresh process (run by ``bench.report``):
``python -m bench.report_probe DATABASE_URL WORKDIR USERNAME PASSWORD``.

Prints one JSON line: page_seconds (first request), page_median_seconds and
overview_median_seconds (the report page and the HR overview, median of repeated requests),
csv_seconds, csv_rows, csv_bytes, rss_growth_mb, traced_peak_mb.  A fresh process per size keeps one size's memory from hiding another's.
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
OVERVIEW_PATH = "/hr/reports"
PAGE_REPEATS = 5  # the page times are the median of this many requests after the first


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


def _median_seconds(client, path: str) -> float:
    """Median time of ``PAGE_REPEATS`` requests for ``path`` (the server's whole answer:
    queries, template, response), after one request that warms caches and templates."""
    if client.get(path).status_code != 200:
        raise RuntimeError(f"{path} answered an error")
    times = []
    for _ in range(PAGE_REPEATS):
        started = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}")
    return sorted(times)[len(times) // 2]


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
    page_median = _median_seconds(client, PAGE_PATH)
    overview_median = _median_seconds(client, OVERVIEW_PATH)
    before = _peak_rss_mb()  # after the page: imports and connections are in place
    started = time.perf_counter()
    rows, size = _read_csv(client)
    csv_seconds = time.perf_counter() - started
    rss_growth = _peak_rss_mb() - before
    tracemalloc.start()
    _read_csv(client)
    traced_peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(json.dumps({"page_seconds": page_seconds, "page_median_seconds": page_median,
                      "overview_median_seconds": overview_median, "csv_seconds": csv_seconds,
                      "csv_rows": rows, "csv_bytes": size, "rss_growth_mb": rss_growth,
                      "traced_peak_mb": traced_peak}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
