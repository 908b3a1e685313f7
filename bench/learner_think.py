"""The simulated learners' think times, shared by the Locust script and the report (which
must not import Locust: its gevent patches the process that imports it)."""
from __future__ import annotations

# Real think times in seconds (low, high), drawn uniformly and multiplied by the time scale.
THINK: dict[str, tuple[float, float]] = {
    "type credentials": (5, 15),
    "look at dashboard": (3, 10),
    "read overview": (10, 30),
    "read unit": (60, 120),
    "re-read unit": (20, 40),
    "read feedback": (10, 30),
    "write reflection": (60, 150),
    "look at progress": (5, 15),
}


def describe() -> str:
    """The think times as a sentence for the report."""
    return "; ".join(f"{what} {low:g}–{high:g} s" for what, (low, high) in THINK.items())
