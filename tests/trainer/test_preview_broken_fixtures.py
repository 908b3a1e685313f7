"""The preview shows the problems of the shared broken fixture courses inline, exactly as
``elearn courses validate`` reports them."""
from __future__ import annotations

import html as html_lib
from pathlib import Path

import pytest

from elearn.content.loader import load_course

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "courses" / "broken"


@pytest.fixture
def app_overrides(tmp_path):
    return {"COURSES_PATH": str(BROKEN), "COURSE_MEDIA_PATH": str(tmp_path / "media")}


@pytest.mark.parametrize("folder", ["many-problems", "yaml-syntax", "missing-files"])
def test_every_problem_is_shown(client_as, folder):
    _course, problems = load_course(BROKEN / folder)
    assert problems
    page = client_as("trainer").get(f"/trainer/preview/{folder}")
    assert page.status_code == 200
    text = html_lib.unescape(page.get_data(as_text=True))
    for problem in problems:
        relative = Path(problem.path).resolve().relative_to(BROKEN.parent)
        assert f"{relative}:{problem.line}: {problem.message}" in text
    assert "These files cannot be published yet" in text
