"""Benchmark: the trainer's preview pages — each unit of a draft and of a published
version on its own page, in fi, sv and en — against the one-page preview of a whole course.

The real course from ``courses/`` is zipped, uploaded through ``/trainer/courses/upload`` and
published through the publishing pages, signed in as a trainer through the login form (CSRF
on), then every unit page is fetched ``--rounds`` times through the app's routes (Flask test
client, one process, after one warm-up fetch of each).  Baseline in the same run: the upload
form, the cheapest signed-in trainer page (the base template and the session, nothing else).
Target: every preview page answers in ≤ 300 ms on this machine.
"""
from __future__ import annotations

import argparse
import io
import re
import statistics
import tempfile
import time
from pathlib import Path

from bench import dataset, results

TARGET_MS = 300.0
LANGUAGES = ("fi", "sv", "en")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=5, help="fetches of each page")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=dataset.POSTGRES_URL)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _signed_in_trainer(app):
    from elearn.db import get_db
    from elearn.models import Role
    from elearn.services.accounts import create_user

    with app.app_context(), get_db().session_scope() as session:
        create_user(session, username="bench-trainer", role=Role.TRAINER,
                    password=dataset.PASSWORD, display_name="Bench Trainer")
    client = app.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"csrf_token": token, "username": "bench-trainer",
                                         "password": dataset.PASSWORD})
    if answer.status_code != 302:
        raise RuntimeError(f"login failed: {answer.status_code}")
    return client


def _upload(client, slug: str) -> int:
    """Upload the course's zip; the new draft's id."""
    from elearn.publishing.package import Package

    data = Package.from_folder(results.ROOT / "courses" / slug).to_zip()
    token = _token(client.get("/trainer/courses/upload").get_data(as_text=True))
    answer = client.post("/trainer/courses/upload", content_type="multipart/form-data",
                         data={"csrf_token": token,
                               "package": (io.BytesIO(data), f"{slug}.zip")})
    if answer.status_code != 303:
        raise RuntimeError(f"upload answered {answer.status_code}: "
                           f"{answer.get_data(as_text=True)[:2000]}")
    return int(answer.headers["Location"].rstrip("/").split("/")[-1])


def _publish_course(client, slug: str) -> int:
    """Upload the course's zip and publish it; the draft's id."""
    draft = _upload(client, slug)
    page = client.get(f"/trainer/courses/drafts/{draft}/diff").get_data(as_text=True)
    answer = client.post(f"/trainer/courses/drafts/{draft}/publish",
                         data={"csrf_token": _token(page)})
    if answer.status_code != 303:
        raise RuntimeError(f"publish answered {answer.status_code}")
    return draft


def _timed(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed


def _measure(client, urls: list[str], rounds: int, first: list[float] | None = None) \
        -> list[float]:
    """``rounds`` fetches of each URL after one warm-up fetch (templates compiled, builds
    read); the warm-up times go to ``first`` when given."""
    warm = [_timed(client, url) for url in urls]
    if first is not None:
        first.extend(warm)
    return [_timed(client, url) for _ in range(rounds) for url in urls]


def _row(name: str, pages: int, times: list[float], floor: float) -> list:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    median = statistics.median(ordered)
    return [name, pages, median, p95, ordered[-1], median / floor]


def run(args: argparse.Namespace) -> bool:
    ok = True
    for kind in dataset.databases(args.db):
        ok = _run_on(kind, args) and ok
    return ok


def _run_on(kind: str, args: argparse.Namespace) -> bool:
    from elearn.content.loader import find_course_dirs

    slug = find_course_dirs(results.ROOT / "courses")[0].name
    with tempfile.TemporaryDirectory(prefix="elearn-bench-") as tmp:
        workdir = Path(tmp)
        url = dataset.database_url(kind, workdir, args.postgres_url)
        dataset.reset_database(url)
        app = dataset.make_app(url, workdir, COURSES_PATH=str(results.ROOT / "courses"))
        client = _signed_in_trainer(app)
        draft = _publish_course(client, slug)
        from elearn.content.build import digest  # noqa: F401 - importer loaded before timing
        from elearn.db import get_db
        from elearn.publishing.builds import find_version

        with app.app_context():
            version = find_version(get_db().sessionmaker(), slug)
            units = [unit.unit_key for unit in version.units]
        draft_urls = [f"/trainer/courses/drafts/{draft}/units/{u}?lang={lang}"
                      for u in units for lang in LANGUAGES]
        version_urls = [f"/trainer/courses/{slug}/versions/1/units/{u}?lang={lang}"
                        for u in units for lang in LANGUAGES]
        print(f"[preview] {kind}: {len(units)} units × {len(LANGUAGES)} languages, "
              f"{args.rounds} rounds", flush=True)
        floor_times = _measure(client, ["/trainer/courses/upload"], args.rounds * 4)
        floor = statistics.median(floor_times)
        draft_first: list[float] = []
        version_first: list[float] = []
        draft_times = _measure(client, draft_urls, args.rounds, draft_first)
        version_times = _measure(client, version_urls, args.rounds, version_first)
        second = _upload(client, slug)  # a draft waiting, compared with version 1
        index_times = _measure(client, [f"/trainer/courses/drafts/{second}",
                                        f"/trainer/courses/drafts/{second}/diff"], args.rounds)
        whole_times = _measure(client, [f"/trainer/preview/{slug}?lang={lang}"
                                        for lang in LANGUAGES], max(1, args.rounds // 2))
        app.extensions["elearn.db"].engine.dispose()

    rows = [_row("baseline: upload form (signed in)", 1, floor_times, floor),
            _row("draft unit page", len(draft_urls), draft_times, floor),
            _row("published version unit page", len(version_urls), version_times, floor),
            _row("unit page, first fetch (first page reads the build)",
                 len(draft_urls) + len(version_urls), draft_first + version_first, floor),
            _row("draft overview and changes page", 2, index_times, floor),
            _row("old preview: whole course on one page", len(LANGUAGES), whole_times, floor)]
    worst = max(draft_times + version_times + draft_first + version_first)
    ok = worst <= TARGET_MS
    body = (f"Course `{slug}` ({len(units)} units) uploaded as a zip and published through the "
            f"publishing pages, database {kind}; each page fetched {args.rounds} times "
            f"through the app's routes (Flask test client in one process, signed in as a "
            f"trainer, after one warm-up fetch, which also reads each course's build into the "
            f"per-process cache), times in milliseconds; \"× baseline\" is the "
            f"median against the signed-in upload form's median in the same run.\n\n"
            + results.table(["page", "pages", "median ms", "p95 ms", "max ms", "× baseline"],
                            rows)
            + f"\n\nTarget: every unit preview page ≤ {TARGET_MS:g} ms — slowest of "
              f"{len(draft_times) + len(version_times) + len(draft_first) + len(version_first)} "
              f"fetches {worst:.0f} ms "
              f"({results.verdict(ok)}).")
    label = "SQLite" if kind == dataset.SQLITE else "PostgreSQL"
    results.save(f"preview-{kind}", f"Trainer preview pages — {label}", body,
                 {"rows": rows, "worst_ms": worst, "units": len(units), "db": kind})
    return ok
