"""Simulated learners for ``python -m bench capacity``, run by Locust (``locust -f``) in its own
process.

Each simulated learner is a browser going through the course as a civil servant does, with
the pages and forms a person uses (no JavaScript needed, redirects followed one by one as a
browser does, so every request counts once in the mix):

1. signs in (login page and its style sheet and script, a pause to type, the form, the
   dashboard it lands on);
2. the first time: opens the course overview, reads it and starts the course (the enrol
   form sends it to the first unit); a returning learner continues from the dashboard to the
   unit it stopped at;
3. for two to four units (``session_units``): opens the unit and reads it for a minute or
   two, submits the quiz (a share of the submissions is wrong on purpose), reads the
   result; after a failed quiz opens the unit again (a new attempt), re-reads and submits
   right answers; writes each reflection (a minute or more of typing) and saves it,
   landing back on the unit page; checks the course progress on the overview page and
   continues to the next unit;
4. signs out.  Its place is taken at once by another learner: a returning one (the account
   continues where it stopped) or one starting the course.

Think times are real times multiplied by the plan's ``time_scale`` (1.0: learners read for
a minute or two).  A compressed run is the same traffic with fewer, faster learners; the
benchmark converts simulated users to learners by dividing by the scale and checks that the
figure does not depend on the scale (bench/capacity.py).

The load shape ramps the number of users step by step.  Each step is measured in its last
part only (after its new users have arrived) and is judged at once: p99 over ``p99_ms`` or
errors over ``error_share`` ends the ramp.  Per-step figures and the counts of every scripted
step are written to ``BENCH_CAPACITY_OUT`` as JSON after every step.
"""
from __future__ import annotations

import json
import os
import random
import re
import time
from collections import Counter, defaultdict, deque
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, LoadTestShape, constant, events, task

from bench.learner_think import THINK

PLAN = json.loads(Path(os.environ["BENCH_CAPACITY_PLAN"]).read_text(encoding="utf-8"))
OUT = Path(os.environ["BENCH_CAPACITY_OUT"])
HOSTS: list[str] = PLAN["hosts"]
SLUG: str = PLAN["slug"]
UNITS: list[dict] = PLAN["units"]
SCALE: float = PLAN["time_scale"]
FAIL_SHARE: float = PLAN["fail_share"]

# Request names in the mix: one per kind of page or form, ids left out.
COURSE = f"/learn/courses/{SLUG}"
N_LOGIN_PAGE = "GET /login"
N_STATIC = "GET /static/*"
N_LOGIN = "POST /login"
N_DASHBOARD = "GET /learn/dashboard"
N_OVERVIEW = "GET /learn/courses/:course (overview, progress)"
N_ENROL = "POST /learn/courses/:course/enrol"
N_UNIT = "GET /learn/courses/:course/units/:unit"
N_QUIZ = "POST /learn/courses/:course/units/:unit/quiz"
N_RESULT = "GET /learn/courses/:course/units/:unit/attempts/:id"
N_REFLECTION = "POST /learn/courses/:course/units/:unit/reflections/:task"
N_LOGOUT = "POST /logout"

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_ATTEMPT = re.compile(r'name="attempt_id" value="(\d+)"')
_STATIC = re.compile(r'(?:href|src)="(/static/[^"]+)"')

WORDS = ("verkosto luottamus vastavuoroisuus yhteinen tavoite sidosryhmä kumppanuus vuoropuhelu "
         "hallinnonala kokeilu arviointi osallistuminen tieto johtaminen yhteistyö").split()


class Recorder:
    """Per-step figures, from Locust's request events, and the count of every scripted step."""

    def __init__(self) -> None:
        self.steps: list[dict] = []
        self.script: Counter[str] = Counter()
        self.stop = False

    @property
    def current(self) -> dict | None:
        return self.steps[-1] if self.steps else None

    def open_step(self, users: int, start: float, seconds: float, warmup: bool) -> None:
        self.steps.append({
            "warmup": warmup, "users": users, "learners": users / SCALE, "start": start,
            "measure_from": start + seconds * (1 - PLAN["measure_share"]),
            "end": start + seconds, "times": [], "by_name": defaultdict(list),
            "errors": Counter(), "error_examples": [], "script": Counter()})

    def request(self, request_type, name, response_time, exception, **_kwargs) -> None:
        step, now = self.current, time.time()
        if step is None or not step["measure_from"] <= now < step["end"]:
            return
        key = f"{request_type} {name}" if not name.startswith(request_type) else name
        step["times"].append(response_time)
        step["by_name"][key].append(response_time)
        if exception is not None:
            step["errors"][key] += 1
            if len(step["error_examples"]) < 5:
                step["error_examples"].append(f"{key}: {exception}")

    def scripted(self, event: str) -> None:
        self.script[event] += 1
        step, now = self.current, time.time()
        if step is not None and step["measure_from"] <= now < step["end"]:
            step["script"][event] += 1

    def close_step(self) -> bool:
        """Summarise the current step; True when it stays within the limits."""
        step = self.current
        times = sorted(step.pop("times"))
        by_name = step.pop("by_name")
        window = step["end"] - step["measure_from"]
        errors = sum(step["errors"].values())
        step["summary"] = {
            "requests": len(times), "window_s": window, "rps": len(times) / window,
            "errors": errors, "error_share": errors / len(times) if times else 1.0,
            "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
            "p99_ms": percentile(times, 99), "max_ms": times[-1] if times else 0.0}
        step["paths"] = {name: {"requests": len(values), "errors": step["errors"][name],
                                "p50_ms": percentile(sorted(values), 50),
                                "p99_ms": percentile(sorted(values), 99)}
                         for name, values in sorted(by_name.items())}
        step["errors"] = dict(step["errors"])
        step["script"] = dict(step["script"])
        summary = step["summary"]
        step["within_limits"] = bool(times) and summary["p99_ms"] <= PLAN["p99_ms"] \
            and summary["error_share"] <= PLAN["error_share"]
        self.write()
        return step["within_limits"] or step["warmup"]

    def write(self) -> None:
        done = [s for s in self.steps if "summary" in s]
        OUT.write_text(json.dumps({"steps": done, "script": dict(self.script),
                                   "plan": {k: v for k, v in PLAN.items()
                                            if k not in {"accounts", "units"}}},
                                  indent=1), encoding="utf-8")


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (0.0 for none)."""
    if not values:
        return 0.0
    rank = max(1, -(-len(values) * pct // 100))
    return float(values[int(rank) - 1])


RECORDER = Recorder()
events.request.add_listener(RECORDER.request)


@events.quitting.add_listener
def _quitting(**_kwargs) -> None:
    RECORDER.write()


class Account:
    def __init__(self, username: str) -> None:
        self.username = username
        self.enrolled = False
        self.next_unit = 0


class Accounts:
    """Learners waiting to sign in: each returning one continues where it stopped; new ones
    start the course.  One Locust process, so plain Python objects are shared safely."""

    def __init__(self, usernames: list[str]) -> None:
        self.fresh = deque(usernames)
        self.returning: deque[Account] = deque()

    def take(self, rng: random.Random) -> Account | None:
        if self.returning and (not self.fresh or rng.random() < PLAN["return_share"]):
            return self.returning.popleft()
        return Account(self.fresh.popleft()) if self.fresh else None

    def give_back(self, account: Account) -> None:
        if account.next_unit < len(UNITS):
            self.returning.append(account)


ACCOUNTS = Accounts(PLAN["accounts"])


class Learner(FastHttpUser):
    host = HOSTS[0]
    wait_time = constant(0)
    # The server's own limit (gunicorn timeout) decides; a stuck request shows as an error.
    network_timeout = 60.0
    connection_timeout = 60.0

    def on_start(self) -> None:
        self.rng = random.Random()
        self.hop = self.rng.randrange(len(HOSTS))
        self.page = ""

    # --- plumbing --------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """Each request to the next web process in turn (round robin): nothing of a learner's
        session lives in one process."""
        self.hop = (self.hop + 1) % len(HOSTS)
        return HOSTS[self.hop] + path

    def think(self, what: str) -> None:
        low, high = THINK[what]
        gevent.sleep(self.rng.uniform(low, high) * SCALE)

    def call(self, method: str, path: str, name: str, expect: int,
             form: list[tuple[str, str]] | None = None, check=None, page: bool = True):
        """One request; a status other than ``expect`` (or a failed ``check`` of the body)
        counts as an error.  Returns the response, or None after an error.  A page's HTML
        is kept (``page``) for the forms the learner fills in next."""
        headers = {"Accept": "text/html"}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        with self.client.request(method, self.url(path), name=name, data=body, headers=headers,
                                 allow_redirects=False, catch_response=True) as response:
            if response.status_code != expect:
                response.failure(f"status {response.status_code}, expected {expect}")
                return None
            problem = check(response) if check else None
            if problem:
                response.failure(problem)
                return None
            response.success()
        if expect == 200 and page:
            self.page = response.text or ""
        return response

    def csrf(self) -> str:
        found = _CSRF.search(self.page)
        return found.group(1) if found else ""

    @staticmethod
    def location(response) -> str:
        target = urlsplit(response.headers.get("Location", ""))
        return target.path + (f"?{target.query}" if target.query else "")

    # --- the script ------------------------------------------------------------------------

    @task
    def session(self) -> None:
        account = ACCOUNTS.take(self.rng)
        if account is None:
            RECORDER.scripted("no account left")
            gevent.sleep(1)
            return
        self.client.cookiejar.clear()
        if self.sign_in(account):
            self.learn(account)
            self.sign_out()
        ACCOUNTS.give_back(account)

    def sign_in(self, account: Account) -> bool:
        if self.call("GET", "/login", N_LOGIN_PAGE, 200) is None:
            return False
        for asset in sorted(set(_STATIC.findall(self.page))):
            self.call("GET", asset, N_STATIC, 200, page=False)
        token = self.csrf()
        self.think("type credentials")
        answer = self.call("POST", "/login", N_LOGIN, 302,
                           form=[("csrf_token", token), ("username", account.username),
                                 ("password", PLAN["password"]), ("next", "")])
        if answer is None or self.call("GET", self.location(answer), N_DASHBOARD, 200) is None:
            return False
        RECORDER.scripted("signed in")
        self.think("look at dashboard")
        return True

    def learn(self, account: Account) -> None:
        if not account.enrolled:
            if self.call("GET", COURSE, N_OVERVIEW, 200) is None:
                return
            self.think("read overview")
            first = f"{COURSE}/units/{UNITS[account.next_unit]['key']}"
            started = self.call("POST", f"{COURSE}/enrol", N_ENROL, 303,
                                form=[("csrf_token", self.csrf())],
                                check=lambda r: None if self.location(r) == first
                                else f"enrol sent the learner to {self.location(r)}")
            if started is None:
                return
            account.enrolled = True
            RECORDER.scripted("started the course")
        else:
            RECORDER.scripted("continued from the dashboard")
        for _ in range(self.rng.randint(*PLAN["session_units"])):
            if account.next_unit >= len(UNITS):
                RECORDER.scripted("completed the course")
                return
            if not self.work_on(UNITS[account.next_unit]):
                return
            account.next_unit += 1
            if self.call("GET", COURSE, N_OVERVIEW, 200) is None:
                return
            RECORDER.scripted("checked progress")
            self.think("look at progress")

    def work_on(self, unit: dict) -> bool:
        """Read the unit, pass its quiz (after a deliberate failure now and then) and write
        its reflections.  False after an error."""
        path = f"{COURSE}/units/{unit['key']}"
        if self.call("GET", path, N_UNIT, 200) is None:
            return False
        RECORDER.scripted("opened a unit")
        self.think("read unit")
        if _ATTEMPT.search(self.page):
            passed = self.quiz(unit, correct=self.rng.random() >= FAIL_SHARE)
            if passed is False:
                RECORDER.scripted("failed the quiz")
                if self.call("GET", path, N_UNIT, 200) is None:
                    return False
                RECORDER.scripted("retried the quiz")
                self.think("re-read unit")
                passed = self.quiz(unit, correct=True)
            if not passed:
                return False
            RECORDER.scripted("passed the quiz")
        for reflection in unit["reflections"]:
            self.think("write reflection")
            answer = self.call("POST", f"{path}/reflections/{reflection['key']}", N_REFLECTION,
                               303, form=[("csrf_token", self.csrf()),
                                          ("text", self.text(reflection["min_length"]))])
            if answer is None or self.call("GET", self.location(answer).split("#")[0],
                                           N_UNIT, 200) is None:
                return False
            RECORDER.scripted("wrote a reflection")
        return True

    def quiz(self, unit: dict, *, correct: bool) -> bool | None:
        """Submit the open attempt on the current page; whether it passed (None: error)."""
        attempt = _ATTEMPT.search(self.page)
        if attempt is None:
            RECORDER.scripted("no open attempt")
            return None
        fields = [("csrf_token", self.csrf()), ("attempt_id", attempt.group(1))]
        fields += [tuple(field) for field in unit["correct" if correct else "wrong"]]
        path = f"{COURSE}/units/{unit['key']}"
        answer = self.call("POST", f"{path}/quiz", N_QUIZ, 303, form=fields,
                           check=lambda r: None if "/attempts/" in self.location(r)
                           else f"quiz answered with {self.location(r)}")
        if answer is None:
            return None
        expected = "result-passed" if correct else "result-failed"
        result = self.call("GET", self.location(answer), N_RESULT, 200,
                           check=lambda r: None if expected in (r.text or "")
                           else f"the result page does not show {expected}")
        if result is None:
            return None
        self.think("read feedback")
        return correct

    def sign_out(self) -> None:
        answer = self.call("POST", "/logout", N_LOGOUT, 302, form=[("csrf_token", self.csrf())])
        if answer is not None:
            RECORDER.scripted("signed out")

    def text(self, min_length: int) -> str:
        words: list[str] = []
        target = min_length + self.rng.randint(20, 400)
        while sum(len(w) + 1 for w in words) < target:
            words.append(self.rng.choice(WORDS))
        return " ".join(words).capitalize() + "."


class StepRamp(LoadTestShape):
    """``PLAN["steps"]`` users, one step every ``step_seconds``; new users arrive over the
    first ``spawn_share`` of a step.  Ends after the last step, or after the first step
    over the limits (the steps above it would only be slower)."""

    def __init__(self) -> None:
        super().__init__()
        self.index = -1

    def tick(self):
        # Warm-up steps (not judged): every web worker has compiled its templates and opened
        # its connections before anything is measured, and the learners of the first judged
        # step have not all signed in at once (a password hash each) right before it.
        warmups = PLAN["warmup_steps"]
        steps = warmups + PLAN["steps"]
        seconds = PLAN["step_seconds"]
        index = int(self.get_run_time() // seconds)
        if index != self.index:
            if self.index >= 0:
                within = RECORDER.close_step()
                if not within and PLAN["stop_at_limit"]:
                    return None
            if index >= len(steps):
                return None
            self.index = index
            RECORDER.open_step(steps[index], time.time(), seconds,
                               warmup=index < len(warmups))
        previous = steps[index - 1] if index else 0
        # A warm-up's users arrive over its whole length; a judged step's over its first
        # spawn_share, so that its measured window holds them all.
        spread = 1.0 if index < len(warmups) else PLAN["spawn_share"]
        rate = max(1.0, (steps[index] - previous) / (spread * seconds))
        return steps[index], rate
