"""Hostile course files end in ``file:line`` problems within a time and memory bound.

An alias bomb used to run ``elearn courses validate`` out of memory and hold a web worker in
``/trainer/preview``; deep nesting ended in ``RecursionError``; an integer of twenty-three
digits validated and then failed at import.  The CLI cases run in a child process limited to
512 MB of address space and 60 seconds, so a regression fails instead of taking the machine.
"""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elearn.content.yamlsource import YAMLProblem, parse_yaml

FIXTURES = Path(__file__).parent.parent / "fixtures" / "courses" / "valid" / "pienikurssi"
UNIT_FILE = "units/01-verkoston-perusta/unit.yaml"

BOMB = "\n".join(["lol0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]"]
                 + [f"lol{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 8) + "]" for n in range(1, 12)])

HOSTILE = {
    # name: (file to replace, its new text, expected line, words in the message)
    "alias-bomb-course": ("course.yaml", BOMB, 1, "anchors"),
    "alias-bomb-unit": (UNIT_FILE, "id: x\n" + BOMB, 2, "anchors"),
    "alias-only": ("course.yaml", "id: x\ntitle: *nothing\n", 2, "aliases"),
    "deep-nesting": ("course.yaml", "id: x\ntitle: " + "[" * 50_000 + "]" * 50_000 + "\n", 2,
                     "nested"),
    "deep-block-nesting": ("course.yaml", "".join(f"{'  ' * n}k{n}:\n" for n in range(60)), 41,
                           "nested"),
    "huge-integer": (UNIT_FILE, None, None, "more than 30 digits"),
    "max-attempts-beyond-range": (UNIT_FILE, None, None, "quiz.max_attempts"),
    "impossible-date": ("course.yaml", "id: x\ntitle: 2026-13-45\n", 2, "cannot read"),
    "nul-escape": ("course.yaml", 'id: x\ntitle: "a\\0b"\n', 2, "NUL"),
    "binary": ("course.yaml", None, 2, "not UTF-8"),  # the first bad byte follows a newline
    "nul-in-markdown": ("units/01-verkoston-perusta/content.fi.md", "# Otsikko\n\nteksti\x00\n", 3,
                        "NUL"),
    "oversized": ("course.yaml", "id: x\n" + "# " + "x" * 1_100_000 + "\n", 1, "longer than"),
}


def _hostile_course(root: Path, case: str, folder: str = "pienikurssi") -> tuple[Path, str]:
    """A copy of the valid fixture course with one file replaced; the replaced file's name."""
    course = root / folder
    shutil.copytree(FIXTURES, course)
    name, text, _line, _words = HOSTILE[case]
    target = course / name
    if case == "huge-integer":
        text = target.read_text().replace("max_attempts: 3", "max_attempts: " + "9" * 5000)
    elif case == "max-attempts-beyond-range":
        text = target.read_text().replace("max_attempts: 3",
                                          "max_attempts: 99999999999999999999999")
    if case == "binary":
        target.write_bytes(bytes(range(256)) * 64)
    else:
        assert text is not None and text != target.read_text()
        target.write_text(text)
    return course, name


def _limited() -> None:  # runs in the child before exec
    limit = 512 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _elearn(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "elearn.cli", *args], env=env, text=True,
                          capture_output=True, timeout=60, preexec_fn=_limited)


@pytest.fixture
def cli_env(tmp_path, database_url):
    return dict(os.environ, ELEARN_DATABASE_URL=database_url,
                ELEARN_COURSE_MEDIA_PATH=str(tmp_path / "media"))


def test_validate_and_import_refuse_hostile_files_quickly(tmp_path, cli_env, app, db_session):
    """Every hostile case as a course of its own in one folder: one bounded run each for
    validate and import."""
    from sqlalchemy import func, select

    from elearn.models import CourseVersion
    root = tmp_path / "courses"
    shown = {case: _hostile_course(root, case, folder=case) for case in HOSTILE}
    started = time.monotonic()
    validated = _elearn("courses", "validate", str(root), env=cli_env)
    assert validated.returncode == 1, validated.stdout + validated.stderr
    assert "Traceback" not in validated.stderr and "MemoryError" not in validated.stderr
    for case, (course, name) in shown.items():
        _file, _text, line, words = HOSTILE[case]
        path = str(course / name)
        problems = [row for row in validated.stdout.splitlines() if row.startswith(path + ":")]
        assert any(words in row for row in problems), (case, problems)
        if line is not None:
            assert any(row.startswith(f"{path}:{line}:") and words in row
                       for row in problems), (case, problems)
    imported = _elearn("courses", "import", str(root), env=cli_env)
    assert imported.returncode == 1 and "Traceback" not in imported.stderr
    assert db_session.scalar(select(func.count(CourseVersion.id))) == 0
    assert time.monotonic() - started < 100


@pytest.fixture
def preview_root(tmp_path):
    return tmp_path / "courses"


@pytest.fixture
def app_overrides(tmp_path, preview_root):
    return {"COURSES_PATH": str(preview_root), "COURSE_MEDIA_PATH": str(tmp_path / "media")}


@pytest.mark.parametrize("case", ["alias-bomb-course", "alias-bomb-unit", "deep-nesting"])
def test_trainer_preview_of_hostile_files_answers_at_once(app, client_as, preview_root, case):
    _hostile_course(preview_root, case)
    trainer = client_as("trainer")
    started = time.monotonic()
    response = trainer.get("/trainer/preview/pienikurssi", headers={"Accept-Language": "en"})
    assert time.monotonic() - started < 10
    assert response.status_code in {200, 422}
    assert HOSTILE[case][3] in response.get_data(as_text=True)


# -- property: whatever the text, the reader answers data or a YAMLProblem, fast and small --

_FRAGMENTS = st.sampled_from([
    "&a ", "*a", "&b [", "*b, ", "[", "]", "{", "}", "- ", "? ", ": ", "\n", "  ", "key: ",
    "!!binary ", "!!python/object:os.system ", "<<: ", '"\\0"', '"\\ud800"', "'", '"', "#",
    "9" * 40, "1e999", ".nan", "2026-13-45", "0x" + "f" * 40, "---\n", "...\n", "%YAML 1.1\n",
    "\t", "\x00", "\x85", "\ufeff", "ä", "|\n  ", ">-\n  ",
])
_HOSTILE_TEXT = st.one_of(
    st.lists(_FRAGMENTS, max_size=80).map("".join),
    st.text(max_size=300),
    st.binary(max_size=300).map(lambda raw: raw.decode("latin-1")),
    st.integers(min_value=1, max_value=3000).map(lambda n: "a: " + "[" * n + "]" * n),
    st.integers(min_value=1, max_value=40).map(lambda n: "\n".join(
        [f"x0: &x0 [1, 1]"] + [f"x{i}: &x{i} [*x{i - 1}, *x{i - 1}]" for i in range(1, n)])),
)


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(_HOSTILE_TEXT)
def test_reader_answers_data_or_a_problem_within_bounds(text):
    tracemalloc.start()
    started = time.monotonic()
    try:
        parse_yaml(text)
    except YAMLProblem as problem:
        assert problem.line >= 1
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.monotonic() - started < 2
    assert peak < 64 * 1024 * 1024
