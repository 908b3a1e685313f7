"""The learner workload shared by the hot-path and LRS-outage benchmarks: a database with
the real course, signed-in learners, and replayable requests for the three hot paths."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from bench import dataset
from bench.load import Request, login_all

HOT_PATHS = ("unit page", "quiz submission", "progress API")


@dataclass
class Workload:
    slug: str
    cookies: dict[str, str]
    shape: dataset.CourseShape
    attempts: list[tuple[str, str, int]]
    used_attempts: int = 0
    seed: int = 11
    _rng: random.Random = field(default_factory=lambda: random.Random(11))

    def unit_pages(self) -> list[Request]:
        items = [Request("GET", f"/learn/courses/{self.slug}/units/{unit['key']}", cookie)
                 for cookie in self.cookies.values() for unit in self.shape.units]
        self._rng.shuffle(items)
        return items

    def progress(self) -> list[Request]:
        items = [Request("GET", "/api/me/progress", cookie) for cookie in self.cookies.values()]
        self._rng.shuffle(items)
        return items

    def me(self) -> list[Request]:
        """``/api/me`` for every learner: the signed-in floor of the stack."""
        return [Request("GET", "/api/me", cookie) for cookie in self.cookies.values()]

    def submissions(self, capacity: int) -> list[Request]:
        """The next ``capacity`` unused open attempts as POSTs (each is submitted once)."""
        answers = {unit["key"]: unit["answers"] for unit in self.shape.units}
        chosen = self.attempts[self.used_attempts:self.used_attempts + capacity]
        if len(chosen) < capacity:
            raise RuntimeError("not enough open attempts prepared; raise --attempts-per-unit")
        self.used_attempts += capacity
        return [Request("POST", f"/api/courses/{self.slug}/units/{key}/attempts",
                        self.cookies[name],
                        json.dumps({"attempt_id": attempt_id, "answers": answers[key]},
                                   separators=(",", ":")))
                for name, key, attempt_id in chosen]

    def requests_for(self, path: str, capacity: int) -> list[Request]:
        if path == "unit page":
            return self.unit_pages()
        if path == "quiz submission":
            return self.submissions(capacity)
        return self.progress()


def prepare_data(url: str, workdir: Path, *, learners: int, attempts_per_unit: int):
    """Migrate, import the course, add enrolled learners with every unit viewed and a pool of
    open attempts.  Returns (usernames, shape, attempts)."""
    dataset.reset_database(url)
    app = dataset.make_app(url, workdir)
    dataset.import_course(app)
    usernames = dataset.add_users(app, learners, prefix="learner")
    shape = dataset.course_shape(app)
    enrolments = dataset.enrol_all(app, usernames, shape, viewed=True)
    attempts = dataset.open_attempts(app, enrolments, shape, attempts_per_unit)
    app.extensions["elearn.db"].engine.dispose()
    return usernames, shape, attempts


def sign_in(base_url: str, usernames: list[str], shape: dataset.CourseShape,
            attempts: list[tuple[str, str, int]]) -> Workload:
    cookies = login_all(base_url, usernames, dataset.PASSWORD)
    return Workload(slug=shape.slug, cookies=cookies, shape=shape, attempts=attempts)
