"""A description of the machine a run happened on, for the results document."""
from __future__ import annotations

import os
import platform
import subprocess


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _free_h() -> str:
    try:
        return subprocess.run(["free", "-h"], capture_output=True, text=True,
                              timeout=10).stdout.rstrip()
    except (OSError, subprocess.SubprocessError):
        return "free -h unavailable"


def load_average() -> str:
    """The 1/5/15-minute load averages: other work on a shared machine skews every figure."""
    try:
        return " ".join(open("/proc/loadavg", encoding="utf-8").read().split()[:3])
    except OSError:
        return "unknown"


def describe() -> dict[str, str]:
    """``nproc``, ``free -h``, CPU model, kernel, Python and the load average, as strings."""
    return {"nproc": str(os.cpu_count() or 1), "cpu": _cpu_model(), "free_h": _free_h(),
            "kernel": platform.release(), "python": platform.python_version(),
            "loadavg": load_average()}
