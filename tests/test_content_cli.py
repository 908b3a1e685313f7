"""``elearn courses validate`` and ``elearn courses import``: output and exit status."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from elearn.models import CourseVersion

FIXTURES = Path(__file__).parent / "fixtures" / "courses"


@pytest.fixture
def courses(tmp_path) -> Path:
    target = tmp_path / "courses"
    shutil.copytree(FIXTURES / "valid", target)
    return target


@pytest.fixture
def app_overrides(tmp_path, courses):
    return {"COURSE_MEDIA_PATH": str(tmp_path / "media"), "COURSES_PATH": str(courses)}


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["courses", *args])


def test_validate_valid_course_exits_0_with_summary(app, courses):
    result = _run(app, "validate", str(courses))
    assert result.exit_code == 0, result.output
    assert result.stdout == "pienikurssi: valid (2 units, 6 questions, 2 reflections)\n"


def test_validate_defaults_to_the_configured_courses_path(app, courses, monkeypatch):
    monkeypatch.chdir(courses.parent)
    broken = courses / "pienikurssi" / "units" / "02-luottamus" / "unit.yaml"
    broken.write_text(broken.read_text().replace("draw: 2", "draw: 9"))
    result = _run(app, "validate")
    assert result.exit_code == 1
    assert result.stdout == ("courses/pienikurssi/units/02-luottamus/unit.yaml:12: quiz.draw: "
                             "draws 9 questions but the bank has 3\n")
    assert result.stderr == "1 problem in 1 file\n"


def test_validate_broken_courses_lists_every_problem(app, monkeypatch):
    monkeypatch.chdir(FIXTURES / "broken")
    result = _run(app, "validate", "many-problems")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "many-problems/course.yaml:10: mastery_score: must be between 0 and 1 (got 2)",
        "many-problems/units/01-jakso/content.sv.md:1: headings start at ## (the page supplies "
        "the # title)",
        "many-problems/units/01-jakso/content.sv.md:3: raw HTML is not allowed: <i>",
        "many-problems/units/01-jakso/content.sv.md:3: raw HTML is not allowed: </i>",
        "many-problems/units/01-jakso/unit.yaml:12: quiz.pass_mark: must be between 0 and 1 "
        "(got -1)",
        "many-problems/units/01-jakso/unit.yaml:19: quiz.questions[0].choices: single_choice "
        "needs exactly one choice with correct: true (found 0)",
    ]
    assert result.stderr == "6 problems in 3 files\n"


def test_import_publishes_then_reports_unchanged(app, courses, db_session):
    first = _run(app, "import", str(courses), "--published-by", "kouluttaja")
    assert first.exit_code == 0, first.output
    assert first.stdout == "published pienikurssi version 1 (2 units)\n"
    again = _run(app, "import")
    assert again.exit_code == 0, again.output
    assert again.stdout == "pienikurssi: unchanged (version 1)\n"
    content = courses / "pienikurssi" / "units" / "01-verkoston-perusta" / "content.en.md"
    content.write_text(content.read_text() + "\nOne more sentence.\n")
    third = _run(app, "import")
    assert third.stdout == ("published pienikurssi version 2 (2 units; changed: "
                            "verkoston-perusta)\n")
    versions = db_session.execute(select(CourseVersion.number, CourseVersion.published_by)
                                  .order_by(CourseVersion.number)).all()
    assert versions[0] == (1, "kouluttaja") and versions[1][0] == 2


def test_import_of_broken_files_prints_problems_and_imports_nothing(app, courses, db_session):
    unit = courses / "pienikurssi" / "units" / "01-verkoston-perusta" / "unit.yaml"
    unit.write_text(unit.read_text().replace("answer: false", "answer: maybe"))
    result = _run(app, "import", str(courses))
    assert result.exit_code == 1
    assert result.stdout == (f"{unit}:55: quiz.questions[2].answer: expected true or false\n")
    assert result.stderr == "1 problem in 1 file\nnothing imported\n"
    assert db_session.scalar(select(func.count()).select_from(CourseVersion)) == 0


def test_path_without_courses_is_a_problem(app, tmp_path):
    result = _run(app, "validate", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert result.stdout == f"{tmp_path}/nowhere/course.yaml:1: file is missing (PATH must be " \
                            "a course folder or a folder of course folders)\n"


def test_import_racing_another_import_fails_cleanly(app, courses, db_session, monkeypatch):
    """Two imports of one course at once: the loser's version number is taken; it rolls back
    and says so instead of failing with a traceback."""
    assert _run(app, "import").exit_code == 0
    content = courses / "pienikurssi" / "units" / "02-luottamus" / "content.sv.md"
    content.write_text(content.read_text() + "\nMer text.\n")
    # as if the other import committed version 1 after this one looked for the newest version
    monkeypatch.setattr("elearn.content.importer._latest", lambda session, course: None)
    result = _run(app, "import")
    assert result.exit_code == 1
    assert result.stderr == ("elearn: another import published at the same time; nothing "
                             "imported, run the import again\n")
    assert db_session.scalar(select(func.count()).select_from(CourseVersion)) == 1


def test_relative_media_path_is_one_absolute_folder(app):
    from elearn import create_app

    other = create_app({"ENV": "testing", "DATABASE_URL": app.config["DATABASE_URL"],
                        "COURSE_MEDIA_PATH": "instance/some-media"})
    assert other.config["COURSE_MEDIA_PATH"] == str(Path.cwd() / "instance" / "some-media")
    other.extensions["elearn.db"].engine.dispose()
