"""The complete example in ``docs/authoring.md`` is a valid course, so the guide cannot
drift from what the validator enforces."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from elearn import PROJECT_ROOT
from elearn.content.loader import load_course

GUIDE = PROJECT_ROOT / "docs" / "authoring.md"
IMAGE = (Path(__file__).parent / "fixtures" / "courses" / "valid" / "pienikurssi" / "units"
         / "01-verkoston-perusta" / "images" / "verkosto.png")


def _block_after(text: str, caption: str) -> str:
    match = re.search(re.escape(caption) + r"[^\n]*\n\n```[a-z]*\n(.*?)\n```", text, re.S)
    assert match, caption
    return match.group(1) + "\n"


def test_guide_example_is_a_valid_course(tmp_path):
    text = GUIDE.read_text()
    course = tmp_path / "pienikurssi"
    unit = course / "units" / "01-verkoston-perusta"
    (unit / "images").mkdir(parents=True)
    (course / "course.yaml").write_text(_block_after(text, "`courses/pienikurssi/course.yaml`"))
    (unit / "unit.yaml").write_text(
        _block_after(text, "`courses/pienikurssi/units/01-verkoston-perusta/unit.yaml`"))
    markdown = _block_after(
        text, "`courses/pienikurssi/units/01-verkoston-perusta/content.fi.md`")
    for language in ("fi", "sv", "en"):
        (unit / f"content.{language}.md").write_text(markdown)
    shutil.copy(IMAGE, unit / "images" / "verkosto.png")
    loaded, problems = load_course(course)
    assert [str(problem) for problem in problems] == []
    questions = loaded.units[0].data["quiz"]["questions"]
    assert {q["type"] for q in questions} == {"single_choice", "multiple_choice", "true_false",
                                              "matching", "ordering"}
