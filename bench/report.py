"""Benchmark 4: the HR completion report at scale — the report page and the streamed CSV
for 1,000, 10,000 and 100,000 enrolments.

Learners and enrolments are bulk-inserted with Core.  Each size is measured in a fresh
subprocess (``bench.report_probe``) through the app's real routes, signed in as HR: time of
the first report page, time of the whole CSV read chunk by chunk as a client would, the
growth of the process's peak RSS while the CSV streams, and the peak of Python allocations
(tracemalloc, in a second pass), and the report page and the HR overview (median of repeated
requests).  Targets: the report page and the overview ≤ 300 ms at 100,000 enrolments; CSV of
100,000 rows in ≤ 5 s; memory flat; time growing no faster than linearly (10k → 100k ratio
≤ 10 plus noise).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import dataset, report_probe, results

CSV_TARGET_SECONDS = 5.0
PAGE_TARGET_SECONDS = 0.3  # the report page and the overview at 100,000 enrolments
FLAT_MEMORY_MB = 20.0  # "flat": the peak grows by less than this between the sizes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated numbers of enrolments")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=dataset.POSTGRES_URL)


def run(args: argparse.Namespace) -> bool:
    sizes = [int(s) for s in args.sizes.split(",")]
    measured = []
    with tempfile.TemporaryDirectory(prefix="elearn-bench-") as tmp:
        workdir = Path(tmp)
        url = dataset.database_url(args.db, workdir, args.postgres_url)
        for size in sizes:
            print(f"[report] {size:,} enrolments: bulk insert", flush=True)
            started = time.perf_counter()
            dataset.reset_database(url)
            app = dataset.make_app(url, workdir)
            dataset.import_course(app)
            shape = dataset.course_shape(app)
            names = dataset.add_users(app, size, prefix="hr-learner")
            dataset.add_users(app, 1, prefix="hr-reader", role="hr")
            # 80 % have opened every unit (unit progress rows, which the overview's "in
            # progress" reads); the rest have not started
            started_count = size * 4 // 5
            dataset.enrol_all(app, names[:started_count], shape, viewed=True,
                              completed_share=0.75)
            dataset.enrol_all(app, names[started_count:], shape, viewed=False, seed=8)
            app.extensions["elearn.db"].engine.dispose()
            insert_seconds = time.perf_counter() - started
            print(f"[report] {size:,} enrolments: measuring", flush=True)
            probe = subprocess.run(
                [sys.executable, "-m", "bench.report_probe", url, str(workdir),
                 "hr-reader000001", dataset.PASSWORD],
                capture_output=True, text=True, timeout=900, cwd=results.ROOT)
            if probe.returncode != 0:
                raise RuntimeError(f"report probe failed: {probe.stderr[-3000:]}")
            figures = json.loads(probe.stdout.strip().splitlines()[-1])
            if figures["csv_rows"] != size:
                raise RuntimeError(f"CSV had {figures['csv_rows']} rows, expected {size}")
            measured.append({"size": size, "insert_seconds": insert_seconds, **figures})

    rows = [[m["size"], m["insert_seconds"], m["page_seconds"], m["page_median_seconds"],
             m["overview_median_seconds"], m["csv_seconds"],
             m["csv_rows"] / m["csv_seconds"], m["csv_bytes"] / 1e6, m["rss_growth_mb"],
             m["traced_peak_mb"]] for m in measured]
    largest = measured[-1]
    csv_ok = largest["csv_seconds"] <= CSV_TARGET_SECONDS or largest["size"] < 100_000
    pages_ok = max(largest["page_median_seconds"], largest["overview_median_seconds"]) \
        <= PAGE_TARGET_SECONDS or largest["size"] < 100_000
    flat = (max(m["rss_growth_mb"] for m in measured)
            - min(m["rss_growth_mb"] for m in measured)) < FLAT_MEMORY_MB
    growth = None
    by_size = {m["size"]: m for m in measured}
    if 10_000 in by_size and 100_000 in by_size:
        growth = by_size[100_000]["csv_seconds"] / by_size[10_000]["csv_seconds"]
    linear = growth is None or growth <= 12.0
    body = (f"Synthetic learners in 20 organisation units, 60 % of the enrolments completed, "
            f"80 % with every unit opened (unit progress rows), "
            f"database {args.db}; measured through the app's routes (Flask test client in a "
            f"fresh process per size, signed in as HR through the login form).  \"RSS growth\" "
            f"is how much the process's peak resident memory (VmHWM) rose while the whole CSV "
            f"was read; \"traced peak\" is the largest Python allocation peak (tracemalloc) "
            f"during a second CSV read.\n\n"
            + results.table(["enrolments", "bulk insert s", "report page s (first)",
                             "report page s (median)", "overview s (median)", "CSV s",
                             "CSV rows/s", "CSV MB", "RSS growth MB", "traced peak MB"], rows)
            + f"\n\nTargets: report page and overview at {largest['size']:,} enrolments in "
              f"{largest['page_median_seconds']:.3f} s and "
              f"{largest['overview_median_seconds']:.3f} s (median of "
              f"{report_probe.PAGE_REPEATS} requests after a first; ≤ {PAGE_TARGET_SECONDS:g} s: "
              f"{results.verdict(pages_ok)}); "
              f"CSV of {largest['size']:,} rows in {largest['csv_seconds']:.2f} s "
              f"(≤ {CSV_TARGET_SECONDS:g} s: {results.verdict(csv_ok)}); memory flat across "
              f"sizes (RSS growth within {FLAT_MEMORY_MB:g} MB: {results.verdict(flat)}); "
            + (f"time 10k → 100k × {growth:.1f} for 10 × the rows "
               f"({results.verdict(linear)})." if growth is not None else
               "10k → 100k ratio not measured (sizes given)."))
    results.save("report", "HR completion report at scale", body, {"sizes": measured})
    return csv_ok and pages_ok and flat and linear
