"""Results: printed as tables, kept per benchmark in ``bench/results/<name>.json`` and
written together into ``docs/performance.md``.

Each benchmark stores its latest figures with the exact command and the machine; the
document is rebuilt from all stored results, so running one benchmark alone updates its own
section and keeps the others.  ``bench/findings.md`` (profiles, fixes, before/after figures)
is copied into the document as written.
"""
from __future__ import annotations

import json
import re
import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.machine import describe

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
FINDINGS = Path(__file__).resolve().parent / "findings.md"
DOC = ROOT / "docs" / "performance.md"

ORDER = ["hotpaths-sqlite", "hotpaths-postgres", "drain", "nulldrain-sqlite", "nulldrain-postgres",
         "outage-sqlite", "outage-postgres", "report", "capacity-sqlite", "capacity-postgres",
         "capacity-processes", "preview-sqlite",
         "preview-postgres"]


def command_line() -> str:
    """The command as typed: ``python -m bench ...`` (a database password in it masked)."""
    return mask_password(".venv/bin/python -m bench "
                         + " ".join(shlex.quote(a) for a in sys.argv[1:]))


def mask_password(text: str) -> str:
    """``scheme://user:***@host`` for every URL with a password in ``text``."""
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table (also readable on a terminal)."""
    cells = [[str(c) for c in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def save(name: str, title: str, body: str, data: dict[str, Any]) -> None:
    """Print ``body`` and store it with the command and the machine, then rebuild the doc."""
    print(f"\n## {title}\n\n{body}\n", flush=True)
    RESULTS_DIR.mkdir(exist_ok=True)
    record = {"name": name, "title": title, "body": body, "data": data,
              "command": command_line(),
              "finished_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": describe()}
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n",
                                             encoding="utf-8")
    write_doc()


def _free_table(text: str) -> str:
    """``free -h`` with its right-aligned header line kept aligned."""
    lines = text.splitlines()
    if len(lines) > 1 and lines[0].startswith("total"):
        lines[0] = lines[0].rjust(len(lines[1]))
    return "\n".join(lines)


def _machine_block(machine: dict[str, str]) -> str:
    load = (f"; load average at the end {machine['loadavg']} (the machine is shared)"
            if machine.get("loadavg") else "")
    return (f"`nproc` = {machine['nproc']}; CPU: {machine['cpu']}; kernel {machine['kernel']}; "
            f"Python {machine['python']}{load}\n\n```\n$ free -h\n{_free_table(machine['free_h'])}\n```")


MARKER = "<!-- bench:{} -->"
FINDINGS_MARKER = "<!-- bench:findings -->"


def _existing_sections() -> dict[str, str]:
    """Sections of the current document by benchmark name (kept when only some benchmarks
    were run on this checkout)."""
    if not DOC.exists():
        return {}
    text = DOC.read_text(encoding="utf-8").split(FINDINGS_MARKER)[0]
    sections = {}
    for piece in text.split("<!-- bench:")[1:]:
        name, _, rest = piece.partition(" -->")
        if name in ORDER:  # sections of benchmarks since renamed are dropped
            sections[name] = MARKER.format(name) + rest.rstrip() + "\n"
    return sections


def write_doc() -> None:
    """Rebuild ``docs/performance.md`` from every stored result (and the sections of the
    current document that no stored result replaces)."""
    sections = _existing_sections()
    for path in sorted(RESULTS_DIR.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        sections[record["name"]] = (
            MARKER.format(record["name"]) + "\n"
            f"## {record['title']}\n\n"
            f"Command: `{record['command'].strip()}`"
            + (" (all benchmarks, as `make bench` runs them)"
               if record["command"].strip().endswith("-m bench") else "")
            + f" (finished {record['finished_at']})\n\n"
            f"Machine: {_machine_block(record['machine'])}\n\n{record['body']}\n")
    parts = [INTRO]
    for name in sorted(sections, key=lambda n: ORDER.index(n) if n in ORDER else 99):
        parts.append(sections[name])
    parts.append(FINDINGS_MARKER)
    if FINDINGS.exists():
        parts.append(FINDINGS.read_text(encoding="utf-8"))
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(parts).rstrip() + "\n", encoding="utf-8")


INTRO = """# Performance and resilience

Figures from `make bench` (`.venv/bin/python -m bench`); each section below is rewritten by
its own benchmark (`python -m bench hotpaths --db sqlite`, `python -m bench drain`,
`python -m bench outage`, `python -m bench report`, `python -m bench capacity`,
`python -m bench preview`;
`python -m bench --help` lists the size
flags for quick runs).  Speed is always a ratio against a baseline measured in the same run
on the same machine, because these machines are small and shared; absolute figures are
shown only beside their baseline.  Everything runs on loopback.

| benchmark | what is measured | baseline (same run) | target |
|---|---|---|---|
| hot paths | unit page, quiz submission (POST), `/api/me/progress` under `wrk` load against `elearn serve`'s gunicorn (2 × cores workers), SQLite and PostgreSQL | the service's signed-in `GET /api/me` (its floor), run before and after the paths; the bare Flask app (constant, one query) as reference | unit page ≥ 0.35, quiz submission ≥ 0.15, progress API ≥ 0.6 of the floor's requests/s; submission p99 ≤ 3 × the unit page's p99 |
| footprint | resident memory (VmRSS) of each gunicorn web worker after the hot-path load | — | ≤ 150 MB per worker |
| outbox drain | 50,000 queued statements delivered to a local Ralph LRS by `elearn xapi worker` | (a) plain client POSTing the same batches; (b) one PUT per statement | ≥ 80 % of (a), ≥ 10 × (b) |
| worker into a null LRS | 20,000 queued statements delivered by `elearn xapi worker --once` to a loopback LRS that accepts and discards, SQLite and PostgreSQL (`python -m bench nulldrain`) | — | ≥ 5,000 statements/s (the worker is never the bottleneck) |
| LRS outage | learner p99 with the LRS healthy, stopped, answering after 5 s, while the worker runs, in interleaved rounds, SQLite and PostgreSQL; then the backlog drains | healthy LRS | p99 within 1.1 × healthy; nothing lost |
| HR report | completion page and streamed CSV for 1,000 / 10,000 / 100,000 enrolments | — | CSV of 100,000 rows ≤ 5 s; flat memory; time at most linear |
| capacity | concurrent learners (Locust, a realistic script with minutes of reading) ramped until p99 > 500 ms or errors > 0.1 %, SQLite and PostgreSQL, then 1/2/4 web processes against one PostgreSQL (`docs/scaling.md`) | — | a figure, not a target: the largest step within both limits |
| trainer preview | every unit page of a draft and of a published version in fi/sv/en, beside the old whole-course preview | signed-in upload form | each page ≤ 300 ms |

The query-count guard (no N+1 on the hot paths) is a test in the suite:
`tests/test_query_counts.py`.
"""
