"""Benchmark: how many learners one machine serves, as an operator asks it.

Simulated learners (bench/learner_locustfile.py, run by Locust in its own process) sign in,
read units, answer quizzes (sometimes wrongly, then again), write reflections, look at their
progress and move on, with think times of real learners.  Their number rises step by step
until a step's p99 exceeds ``--p99-ms`` (500 ms) or its errors exceed ``--error-share``
(0.1 %); the capacity is the largest number of learners of a step within both limits.

Think times are compressed by ``--time-scale`` to keep the run short: at 0.05 a simulated
user reads for 3–6 s instead of 60–120 s and so sends the traffic of 20 learners; learners =
users / scale.  The claim that the figure does not depend on the scale is checked in the same
run: the steps around the capacity are run again at ``--check-scale`` × the scale (more
users, each slower), and the two must agree.

Runs: SQLite and PostgreSQL with ``elearn serve`` as an operator starts it (gunicorn, 2 ×
cores workers), then several single-worker ``elearn serve`` processes against one PostgreSQL,
every request sent to the next process in turn (so nothing of a session may live in one
process), to show how the figure grows with processes.  The load generator shares the
machine: its CPU is measured and reported beside the web processes' and the machine's.
No delivery worker runs: a destination is configured so every learner action writes its
outbox rows as in production, and delivery's own throughput is ``python -m bench drain``'s.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import dataset, learner_think, results
from bench.capacity_plan import course_plan
from bench.machine import load_average
from bench.servers import (VENV_BIN, Server, cpu_seconds, default_workers, descendants,
                           elearn_env, machine_busy_seconds, start_elearn)

LOCUSTFILE = Path(__file__).resolve().parent / "learner_locustfile.py"
IDLE_DESTINATION = [{"name": "lrs", "endpoint": "http://127.0.0.1:9/xAPI/",
                     "username": "bench", "password": "bench-password"}]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=dataset.POSTGRES_URL)
    parser.add_argument("--time-scale", type=float, default=0.05,
                        help="think times × this (1: real minutes of reading)")
    parser.add_argument("--check-scale", type=float, default=2.0,
                        help="re-run the steps around the capacity at scale × this to show "
                             "the figure does not depend on the scale (0: skip)")
    parser.add_argument("--start-learners", type=int, default=100,
                        help="learners of the first step")
    parser.add_argument("--step-learners", type=int, default=100,
                        help="learners added at each step")
    parser.add_argument("--max-steps", type=int, default=20,
                        help="the ramp ends here if no step went over the limits")
    parser.add_argument("--step-seconds", type=float, default=60.0,
                        help="length of a step (quick run: --max-steps 2 --step-seconds 20 "
                             "--check-scale 0 --processes '')")
    parser.add_argument("--workers", type=int, default=0,
                        help="gunicorn workers of the one-machine runs (default: as elearn "
                             "serve, 2 × cores)")
    parser.add_argument("--processes", default="1,2,4",
                        help="single-worker elearn serve processes against one PostgreSQL, "
                             "comma-separated counts ('' to skip)")
    parser.add_argument("--fail-share", type=float, default=0.25,
                        help="share of first quiz submissions answered wrongly")
    parser.add_argument("--return-share", type=float, default=0.5,
                        help="chance that a learner signing in is a returning one (while "
                             "any is waiting) rather than one starting the course")
    parser.add_argument("--session-units", default="2,4",
                        help="units a learner works through between signing in and out "
                             "(fewest,most)")
    parser.add_argument("--p99-ms", type=float, default=500.0)
    parser.add_argument("--error-share", type=float, default=0.001)
    parser.add_argument("--accounts", type=int, default=0,
                        help="learner accounts to create (default: enough for the run)")


def run(args: argparse.Namespace) -> bool:
    kinds = dataset.databases(args.db)
    for kind in kinds:
        measure_one_machine(kind, args)
    counts = [int(n) for n in args.processes.split(",") if n.strip()]
    if counts and dataset.POSTGRES in kinds:
        measure_processes(counts, args)
    return True  # a capacity is a figure, not a target


# --- one run of the ramp ----------------------------------------------------------------------

@dataclass
class Ramp:
    """The outcome of one Locust run: per-step figures and the script's counts."""

    steps: list[dict[str, Any]]
    script: dict[str, int]
    scale: float

    @property
    def capacity(self) -> dict[str, Any] | None:
        """The last step within the limits before the first one over them."""
        best = None
        for step in self.steps:
            if not step["within_limits"]:
                break
            best = step
        return best

    @property
    def first_over(self) -> dict[str, Any] | None:
        return next((s for s in self.steps if not s["within_limits"]), None)


def learner_steps(args: argparse.Namespace, scale: float) -> list[int]:
    """Simulated users of each step (learners × scale, at least one more per step)."""
    users, steps = 0, []
    for index in range(args.max_steps):
        learners = args.start_learners + index * args.step_learners
        users = max(users + 1, round(learners * scale))
        steps.append(users)
    return steps


def ramp(hosts: list[str], watched: list[Server], plan: dict[str, Any], workdir: Path, *,
         users: list[int], scale: float, args: argparse.Namespace,
         stop_at_limit: bool = True, label: str = "", measure_share: float = 0.7,
         spawn_share: float = 0.25, warmup: list[int] | None = None) -> Ramp:
    """Run Locust headless with ``users`` per step; returns its per-step figures with the
    CPU of the web processes, of Locust itself and of the machine in each measured window.
    ``warmup`` lists the users of the unjudged steps before them (default: one step at the
    first step's users)."""
    warmup = users[:1] if warmup is None else warmup
    plan = {**plan, "hosts": hosts, "time_scale": scale, "steps": users,
            "step_seconds": args.step_seconds, "stop_at_limit": stop_at_limit,
            "warmup_steps": warmup,
            "spawn_share": spawn_share, "measure_share": measure_share,
            "fail_share": args.fail_share,
            "return_share": args.return_share,
            "session_units": [int(n) for n in args.session_units.split(",")],
            "p99_ms": args.p99_ms, "error_share": args.error_share}
    plan_file, out_file = workdir / "plan.json", workdir / "locust-out.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    out_file.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(results.ROOT), "BENCH_CAPACITY_PLAN": str(plan_file),
           "BENCH_CAPACITY_OUT": str(out_file)}
    if not (VENV_BIN / "locust").exists():
        raise RuntimeError("Locust is not installed in this environment: "
                           "pip install -e '.[test]' (pyproject.toml pins it)")
    command = [str(VENV_BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--only-summary",
               "--host", hosts[0], "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    print(f"[capacity{label}] {len(warmup)} warm-up and {len(users)} steps of {args.step_seconds:g} s: "
          f"{users[0]}…{users[-1]} users at time scale {scale:g}", flush=True)
    with open(workdir / "locust.log", "ab") as log:
        locust = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  cwd=results.ROOT)
        sampler = Sampler(watched, locust.pid)
        sampler.start()
        try:
            locust.wait(timeout=(len(users) + 1) * args.step_seconds + 180)
        finally:
            sampler.stop()
            if locust.poll() is None:
                locust.kill()
                locust.wait()
    if not out_file.exists():
        raise RuntimeError(f"Locust wrote no results; see {workdir / 'locust.log'}")
    data = json.loads(out_file.read_text(encoding="utf-8"))
    data["steps"] = [step for step in data["steps"] if not step["warmup"]]
    for step in data["steps"]:
        step["cpu"] = sampler.cores_between(step["measure_from"], step["end"])
        s = step["summary"]
        print(f"[capacity{label}]   {step['learners']:>7,.0f} learners ({step['users']} users): "
              f"{s['rps']:.1f} req/s, p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms, "
              f"errors {s['errors']}, web {step['cpu']['web']:.2f} cores, "
              f"generator {step['cpu']['generator']:.2f} cores", flush=True)
    return Ramp(steps=data["steps"], script=data["script"], scale=scale)


class Sampler(threading.Thread):
    """Once a second: CPU seconds of the web processes, of Locust and of the whole machine,
    and the 1-minute load average."""

    def __init__(self, servers: list[Server], generator_pid: int) -> None:
        super().__init__(daemon=True)
        self.servers, self.generator_pid = servers, generator_pid
        self.samples: list[tuple[float, float, float, float, float]] = []
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            web = cpu_seconds([pid for s in self.servers for pid in descendants(s.process.pid)])
            self.samples.append((time.time(), web, cpu_seconds([self.generator_pid]),
                                 machine_busy_seconds(), os.getloadavg()[0]))
            self._stopped.wait(1.0)

    def stop(self) -> None:
        self._stopped.set()
        self.join()

    def cores_between(self, start: float, end: float) -> dict[str, float]:
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return {"web": 0.0, "generator": 0.0, "machine": 0.0, "load": 0.0}
        first, last = inside[0], inside[-1]
        seconds = last[0] - first[0]
        return {"web": (last[1] - first[1]) / seconds, "generator": (last[2] - first[2]) / seconds,
                "machine": (last[3] - first[3]) / seconds, "load": max(s[4] for s in inside)}


# --- the runs -------------------------------------------------------------------------------

def prepare(kind: str, workdir: Path, args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """A fresh database with the course and the accounts; the learners' plan."""
    url = dataset.database_url(kind, workdir, args.postgres_url)
    dataset.reset_database(url)
    app = dataset.make_app(url, workdir)
    dataset.import_course(app)
    most = max(learner_steps(args, args.time_scale)[-1],
               learner_steps(args, args.time_scale * max(args.check_scale, 1))[-1])
    # A user signs in every few units; three accounts per user per step covers a run, and
    # the scale check gets accounts of its own (see split_accounts).
    accounts = args.accounts or 2 * (3 * most * args.max_steps + 50)
    usernames = dataset.add_users(app, accounts, prefix="learner")
    plan = {**course_plan(app), "accounts": usernames, "password": dataset.PASSWORD}
    app.extensions["elearn.db"].engine.dispose()
    return url, plan


def split_accounts(plan: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two plans with disjoint halves of the accounts: the scale check's learners start the
    course as the main run's did, not where those left off."""
    half = len(plan["accounts"]) // 2
    return ({**plan, "accounts": plan["accounts"][:half]},
            {**plan, "accounts": plan["accounts"][half:]})


def serve(url: str, workdir: Path, *, workers: int) -> Server:
    env = elearn_env(url, workdir, LRS_DESTINATIONS=json.dumps(IDLE_DESTINATION))
    return start_elearn(env, workdir, workers=workers)


def measure_one_machine(kind: str, args: argparse.Namespace) -> None:
    label = "SQLite" if kind == dataset.SQLITE else "PostgreSQL"
    workers = args.workers or default_workers()
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="elearn-capacity-") as tmp:
        workdir = Path(tmp)
        print(f"[capacity/{kind}] preparing the database", flush=True)
        url, plan = prepare(kind, workdir, args)
        main_plan, check_plan = split_accounts(plan)
        server = serve(url, workdir, workers=workers)
        try:
            main = ramp([server.url], [server], main_plan, workdir,
                        users=learner_steps(args, args.time_scale), scale=args.time_scale,
                        args=args, label=f"/{kind}")
            check = scale_check(main, [server.url], [server], check_plan, workdir, args,
                                f"/{kind}")
        finally:
            server.stop()
    body = one_machine_body(label, main, check, workers, args, load_before)
    results.save(f"capacity-{kind}", f"Capacity: learners one machine serves — {label}", body,
                 {"steps": main.steps, "script": main.script, "check": check and check.steps,
                  "workers": workers, "time_scale": args.time_scale,
                  "capacity_learners": main.capacity and main.capacity["learners"]})


def scale_check(main: Ramp, hosts: list[str], servers: list[Server], plan: dict[str, Any],
                workdir: Path, args: argparse.Namespace, label: str) -> Ramp | None:
    """The capacity step and the first step over the limits again, at another time scale:
    the same learners as more, slower users.  None when skipped or nothing to compare."""
    if not args.check_scale or main.capacity is None:
        return None
    learners = [main.capacity["learners"]]
    if main.first_over is not None:
        learners.append(main.first_over["learners"])
    scale = args.time_scale * args.check_scale
    users = [max(1, round(n * scale)) for n in learners]
    # Its learners are new: brought in over three warm-up steps, as the main run brought in
    # its own step by step, not all signing in within the first seconds of one step.
    warmup = sorted({max(1, users[0] * part // 3) for part in (1, 2, 3)})
    return ramp(hosts, servers, plan, workdir, users=users, scale=scale, args=args,
                stop_at_limit=False, label=f"{label}/scale {scale:g}", warmup=warmup)


def measure_processes(counts: list[int], args: argparse.Namespace) -> None:
    """1, 2, 4 … single-worker ``elearn serve`` processes, one PostgreSQL, round robin."""
    load_before = load_average()
    runs: dict[int, Ramp] = {}
    for count in counts:
        with tempfile.TemporaryDirectory(prefix="elearn-capacity-") as tmp:
            workdir = Path(tmp)
            print(f"[capacity/processes] {count} process(es): preparing", flush=True)
            url, plan = prepare(dataset.POSTGRES, workdir, args)
            servers: list[Server] = []
            try:
                for index in range(count):
                    instance = workdir / f"p{index}"
                    instance.mkdir()
                    servers.append(serve(url, instance, workers=1))
                runs[count] = ramp([s.url for s in servers], servers, plan, workdir,
                                   users=learner_steps(args, args.time_scale),
                                   scale=args.time_scale, args=args,
                                   label=f"/processes={count}")
            finally:
                for server in servers:
                    server.stop()
    results.save("capacity-processes", "Capacity with several web processes — PostgreSQL",
                 processes_body(runs, args, load_before),
                 {"runs": {str(n): {"steps": r.steps, "script": r.script}
                           for n, r in runs.items()}, "time_scale": args.time_scale})


# --- the report ------------------------------------------------------------------------------

def step_rows(ramp_: Ramp) -> list[list[Any]]:
    rows = []
    for step in ramp_.steps:
        s, cpu = step["summary"], step["cpu"]
        rows.append([round(step["learners"]), step["users"], s["requests"], s["rps"],
                     s["p50_ms"], s["p95_ms"],
                     s["p99_ms"], f"{s['errors']} ({s['error_share']:.2%})",
                     1000 * cpu["web"] / s["rps"] if s["rps"] else "-", cpu["web"],
                     cpu["generator"], cpu["machine"], cpu["load"],
                     "yes" if step["within_limits"] else "**no**"])
    return rows


STEP_HEADERS = ["learners", "simulated users", "requests measured", "requests/s", "p50 ms",
                "p95 ms", "p99 ms",
                "errors", "web CPU ms/request", "web cores", "generator cores",
                "machine busy cores", "load (1 min)", "within limits"]


def mix_rows(step: dict[str, Any]) -> list[list[Any]]:
    """Requests per path at ``step``: share, per learner per minute, p50 and p99."""
    total = step["summary"]["requests"]
    window, learners = step["summary"]["window_s"], step["learners"]
    return [[f"`{name}`", figures["requests"] / total,
             figures["requests"] / window * 60 / learners, figures["p50_ms"], figures["p99_ms"],
             figures["errors"]]
            for name, figures in sorted(step["paths"].items(),
                                        key=lambda item: -item[1]["requests"])]


MIX_HEADERS = ["request", "share of requests", "per learner per minute", "p50 ms", "p99 ms",
               "errors"]


def verdict_line(ramp_: Ramp, args: argparse.Namespace) -> str:
    best, over = ramp_.capacity, ramp_.first_over
    limits = f"p99 ≤ {args.p99_ms:g} ms and errors ≤ {args.error_share:.1%}"
    if best is None:
        return (f"no step within the limits ({limits}): even "
                f"{ramp_.steps[0]['learners']:,.0f} learners were **too many**.")
    text = (f"**{best['learners']:,.0f} concurrent learners** (the largest step with {limits}; "
            f"{best['summary']['rps']:.1f} requests/s, p99 {best['summary']['p99_ms']:.0f} ms)")
    if over is not None:
        text += (f"; the next step, {over['learners']:,.0f} learners, had p99 "
                 f"{over['summary']['p99_ms']:.0f} ms and "
                 f"{over['summary']['error_share']:.2%} errors.")
    else:
        text += "; every step was within the limits, so the machine holds at least this many."
    return text


def per_core(step: dict[str, Any]) -> tuple[float, float, float]:
    """(web CPU ms per request, requests per learner per minute, learners one core of web
    CPU serves) at ``step``."""
    rps = step["summary"]["rps"]
    if not rps or not step["cpu"]["web"]:
        return 0.0, 0.0, 0.0
    cpu_ms = 1000 * step["cpu"]["web"] / rps
    per_learner = rps / step["learners"]
    return cpu_ms, per_learner * 60, 1000 / cpu_ms / per_learner


def per_core_line(ramp_: Ramp) -> str:
    """Learners one fully available core of web CPU would serve at the capacity step's
    cost: an upper bound that leaves out latency, the database and other work on the
    machine, for comparing runs on a shared machine."""
    step = ramp_.capacity
    if step is None or not step["cpu"]["web"]:
        return ""
    cpu_ms, per_minute, learners = per_core(step)
    return (f"At that step the web processes spent {cpu_ms:.1f} ms of CPU per request and a "
            f"learner sent {per_minute:.2f} requests per minute, so one core of web CPU "
            f"fully available to the service serves about {learners:,.0f} learners (an "
            f"upper bound: it leaves out latency, the database and everything else on the "
            f"machine; the web processes had {step['cpu']['web']:.2f} cores of a busy machine "
            f"here).")


def settings_text(args: argparse.Namespace, scale: float) -> str:
    """How the learners behave and how steps are measured, for the report."""
    units = args.session_units.replace(",", "–")
    return (f"Think times (real, then × {scale:g}): {learner_think.describe()}.  "
            f"{args.fail_share:.0%} of first quiz submissions are wrong on purpose (then the "
            f"learner re-reads and passes); a learner works through {units} units between "
            f"signing in and out.  A warm-up step at the first step's users, arriving over "
            f"the whole step, is not judged.  "
            f"Steps of {args.step_seconds:g} s; new users arrive over "
            f"the first 25 % of a step and the last 70 % is measured.  Learners = simulated "
            f"users / {scale:g}.")


def one_machine_body(label: str, main: Ramp, check: Ramp | None, workers: int,
                     args: argparse.Namespace, load_before: str) -> str:
    parts = [f"One machine (`elearn serve`, {workers} gunicorn workers, {label}): "
             + verdict_line(main, args),
             f"Load average before the run: {load_before} (the machine is shared with other "
             f"work, which takes CPU from the service and the generator alike).",
             results.table(STEP_HEADERS, step_rows(main))]
    if per_core_line(main):
        parts.append(per_core_line(main))
    best = main.capacity or (main.steps[0] if main.steps else None)
    if best is not None:
        parts.append(f"Request mix at {best['learners']:,.0f} learners (measured window of "
                     f"that step):\n\n" + results.table(MIX_HEADERS, mix_rows(best)))
    parts.append("Scripted steps over the whole run: "
                 + ", ".join(f"{name} {count:,}" for name, count in sorted(main.script.items()))
                 + ".")
    if check is not None:
        rows = []
        for step in check.steps:
            twin = next(s for s in main.steps if round(s["learners"]) == round(step["learners"]))
            for run_, scale in ((twin, main.scale), (step, check.scale)):
                s = run_["summary"]
                rows.append([round(run_["learners"]), scale, run_["users"], s["rps"],
                             s["rps"] * 60 / run_["learners"], s["p50_ms"], s["p95_ms"],
                             s["p99_ms"], s["errors"], run_["cpu"]["load"],
                             "yes" if run_["within_limits"] else "no"])
        parts.append(f"Time scale check: the same learners as {args.check_scale:g} × as many "
                     f"simulated users, each {args.check_scale:g} × slower, run after the "
                     f"ramp; its new learners arrive over three unjudged warm-up steps (a "
                     f"third, two thirds, all of the first step's users) rather than all "
                     f"signing in at once.  The traffic a learner makes (requests per learner per minute) "
                     f"must agree between the scales; the latencies show how far the verdict "
                     f"near the limit moves between two runs on this shared machine.\n\n"
                     + results.table(
                         ["learners", "time scale", "simulated users", "requests/s",
                          "requests per learner per minute", "p50 ms", "p95 ms", "p99 ms",
                          "errors", "load (1 min)", "within limits"], rows))
    parts.append(settings_text(args, main.scale))
    return "\n\n".join(parts)


def processes_body(runs: dict[int, Ramp], args: argparse.Namespace, load_before: str) -> str:
    rows = []
    for count, ramp_ in runs.items():
        best = ramp_.capacity
        if best is None:
            rows.append([count, 0] + ["-"] * 7)
            continue
        cpu_ms, _, learners_per_core = per_core(best)
        rows.append([count, round(best["learners"]), best["summary"]["rps"],
                     best["summary"]["p99_ms"], best["cpu"]["web"], cpu_ms, learners_per_core,
                     best["cpu"]["generator"], best["cpu"]["machine"]])
    parts = ["Single-worker `elearn serve` processes on their own ports against one "
             "PostgreSQL; each request goes to the next process in turn (round robin), so a "
             "learner's pages, forms and quiz attempts are served by different processes.  "
             "Errors would show a session or a form that depends on the process it began in.",
             f"Load average before the runs: {load_before} (shared machine).",
             results.table(["web processes", "learners (capacity)", "requests/s", "p99 ms",
                            "web cores", "web CPU ms/request", "learners per web core",
                            "generator cores", "machine busy cores"], rows),
             "The capacity can only grow with processes while the machine has cores for "
             "them: the *web cores* column shows what the processes got, and the CPU per "
             "request shows what each request costs however many processes share the work."]
    for count, ramp_ in runs.items():
        parts.append(f"{count} process(es): " + verdict_line(ramp_, args) + "\n\n"
                     + results.table(STEP_HEADERS, step_rows(ramp_)))
    parts.append(settings_text(args, args.time_scale))
    return "\n\n".join(parts)
