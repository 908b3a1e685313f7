"""``python -m bench [hotpaths|drain|nulldrain|outage|report|capacity|preview]`` — all of them by default.

Exit status 0 when every target was met, 1 otherwise (the figures are written either way).
"""
from __future__ import annotations

import argparse
import sys
import time

from bench import capacity, drain, hotpaths, null_drain, outage, preview, report

BENCHMARKS = {"hotpaths": hotpaths, "drain": drain, "nulldrain": null_drain, "outage": outage,
              "report": report, "capacity": capacity, "preview": preview}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="benchmark")
    for name, module in BENCHMARKS.items():
        module.add_arguments(sub.add_parser(name, help=(module.__doc__ or "").splitlines()[0]))
    args = parser.parse_args(argv)
    if args.benchmark:
        chosen = [(args.benchmark, args)]
    else:
        chosen = []
        for name in BENCHMARKS:
            defaults = argparse.ArgumentParser()
            BENCHMARKS[name].add_arguments(defaults)
            chosen.append((name, defaults.parse_args([])))
    ok = True
    for name, namespace in chosen:
        started = time.monotonic()
        ok = BENCHMARKS[name].run(namespace) and ok
        print(f"[{name}] finished in {time.monotonic() - started:.0f} s", flush=True)
    print("all targets met" if ok else "some targets were missed (see docs/performance.md)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
