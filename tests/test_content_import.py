"""Publishing course folders: versions, stable activity keys, no-op re-imports, all-or-nothing
failure, media, and every course in the repository's ``courses/``."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from elearn import PROJECT_ROOT
from elearn.content.importer import ImportProblems, import_courses
from elearn.content.loader import find_course_dirs, load_course
from elearn.content.preview import preview_course
from elearn.models import Course, CourseVersion, Question, ReflectionTask, Unit
from tests.factories import correct_response, question_data

VALID = Path(__file__).parent / "fixtures" / "courses" / "valid"
UNIT1 = "pienikurssi/units/01-verkoston-perusta"
UNIT2 = "pienikurssi/units/02-luottamus"


@pytest.fixture
def courses(tmp_path) -> Path:
    """A writable copy of the valid fixture courses."""
    target = tmp_path / "courses"
    shutil.copytree(VALID, target)
    return target


@pytest.fixture
def media(tmp_path) -> Path:
    return tmp_path / "media"


def _import(db_session, path, media, **kwargs):
    results = import_courses(db_session, path, media_dir=media, **kwargs)
    db_session.commit()
    return results


def _keys(db_session, number: int) -> dict[str, str]:
    """Item key -> activity key for one version of pienikurssi."""
    version = db_session.scalar(select(CourseVersion).join(Course).where(
        Course.slug == "pienikurssi", CourseVersion.number == number))
    keys = {}
    for unit in version.units:
        keys[unit.unit_key] = unit.activity_key
        keys[f"{unit.unit_key}/quiz"] = unit.quiz_activity_key
        for question in unit.questions:
            keys[f"{unit.unit_key}/{question.question_key}"] = question.activity_key
        for task in unit.reflection_tasks:
            keys[f"{unit.unit_key}/{task.task_key}"] = task.activity_key
    return keys


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_first_import_publishes_version_one(db_session, courses, media):
    [result] = _import(db_session, courses, media, published_by="trainer1")
    assert str(result) == "published pienikurssi version 1 (2 units)"
    version = db_session.scalar(select(CourseVersion))
    assert (version.number, version.published_by, version.mastery_score) == (1, "trainer1", 0.5)
    assert version.title == {"fi": "Pieni verkostokurssi", "sv": "En liten nätverkskurs",
                             "en": "A small network course"}
    assert [s["id"] for s in version.sources] == ["vnk-2019", "soste"]
    unit1, unit2 = version.units
    assert (unit1.unit_key, unit1.position, unit1.pass_mark, unit1.max_attempts,
            unit1.draw_count, unit1.estimated_minutes) == ("verkoston-perusta", 1, 0.75, 3, None, 15)
    assert (unit2.unit_key, unit2.draw_count, unit2.max_attempts) == ("luottamus", 2, 0)
    assert unit1.objectives["sv"] == ["Du känner igen nätverkets mervärde",
                                      "Du kan namnge nätverkets medlemmar"]
    assert _keys(db_session, 1) == {
        "verkoston-perusta": "verkoston-perusta",
        "verkoston-perusta/quiz": "verkoston-perusta/quiz",
        "verkoston-perusta/lisaarvo": "verkoston-perusta/quiz/lisaarvo",
        "verkoston-perusta/jasenet": "verkoston-perusta/quiz/jasenet",
        "verkoston-perusta/hierarkia": "verkoston-perusta/quiz/hierarkia",
        "verkoston-perusta/oma-verkosto": "verkoston-perusta/reflection/oma-verkosto",
        "luottamus": "luottamus",
        "luottamus/quiz": "luottamus/quiz",
        "luottamus/parit": "luottamus/quiz/parit",
        "luottamus/jarjestys": "luottamus/quiz/jarjestys",
        "luottamus/kaikki-tietavat": "luottamus/quiz/kaikki-tietavat",
        "luottamus/luottamuksen-rakentaminen": "luottamus/reflection/luottamuksen-rakentaminen",
    }
    jasenet = next(q for q in unit1.questions if q.question_key == "jasenet")
    assert jasenet.points == 2.0 and "points" not in jasenet.data
    assert unit2.reflection_tasks[0].min_length == 0


def test_question_data_has_the_factory_shape(db_session, courses, media):
    _import(db_session, courses, media)
    questions = db_session.scalars(select(Question)).all()
    assert {q.type for q in questions} == {"single_choice", "multiple_choice", "true_false",
                                           "matching", "ordering"}
    for question in questions:
        factory = question_data(question.type, question.question_key)
        assert set(question.data) == set(factory), question.type
        assert question.data["id"] == question.question_key
        assert set(question.data["prompt"]) == {"fi", "sv", "en"}
        assert set(question.data["feedback"]) == {"correct", "incorrect"}
    answers = {q.question_key: correct_response(q.data) for q in questions}
    assert answers == {"lisaarvo": "a", "jasenet": ["a", "b"], "hierarkia": False,
                       "parit": {"p1": "p1", "p2": "p2"},
                       "jarjestys": ["tutustu", "sopikaa", "toimikaa"],
                       "kaikki-tietavat": False}


def test_images_are_stored_by_hash_and_served(app, db_session, courses, media):
    app.config["COURSE_MEDIA_PATH"] = str(media)
    _import(db_session, courses, media)
    image = (courses / UNIT1 / "images" / "verkosto.png").read_bytes()
    name = hashlib.sha256(image).hexdigest() + ".png"
    assert (media / name).read_bytes() == image
    unit = db_session.scalar(select(Unit).where(Unit.unit_key == "verkoston-perusta"))
    assert f'<img src="/media/{name}" alt="Verkoston jäsenet ympyrässä">' in unit.content_html["fi"]
    assert f'<img src="/media/{name}" alt="Nätverkets medlemmar i en cirkel">' in \
        unit.content_html["sv"]
    assert f'<a href="/media/{name}" rel="noopener noreferrer">tiivistelmästä</a>' in \
        unit.content_html["fi"]
    client = app.test_client()
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert response.data == image and response.mimetype == "image/png"
    assert "immutable" in response.headers["Cache-Control"]
    for bad in ("../elearn.sqlite3", "x.png", "a" * 64 + ".html", name.replace(".png", ".svg")):
        assert client.get(f"/media/{bad}").status_code == 404


def test_unchanged_import_is_a_no_op(db_session, courses, media):
    _import(db_session, courses, media)
    # formatting and comments are not content
    _replace(courses / "pienikurssi" / "course.yaml", "mastery_score: 0.5",
             "# passing the course\nmastery_score: 0.50")
    [result] = _import(db_session, courses, media)
    assert (result.published, result.version, str(result)) == (
        False, 1, "pienikurssi: unchanged (version 1)")
    assert db_session.scalar(select(func.count()).select_from(CourseVersion)) == 1


def test_changing_one_unit_keeps_every_activity_key(db_session, courses, media):
    _import(db_session, courses, media)
    v1_html = db_session.scalar(select(Unit.content_html).where(Unit.unit_key == "luottamus"))
    _replace(courses / UNIT2 / "content.fi.md", "Anna ja saa.", "Anna ja saa, ja luota.")
    _replace(courses / UNIT2 / "unit.yaml", "Järjestä vaiheet.", "Järjestä vaiheet oikein.")
    [result] = _import(db_session, courses, media)
    assert str(result) == "published pienikurssi version 2 (2 units; changed: luottamus)"
    assert _keys(db_session, 2) == _keys(db_session, 1)
    # the old version is untouched
    rows = db_session.execute(select(CourseVersion.number, Unit.content_html).join(Unit)
                              .where(Unit.unit_key == "luottamus")
                              .order_by(CourseVersion.number)).all()
    assert rows[0] == (1, v1_html)
    assert "luota" in rows[1][1]["fi"] and "luota" not in rows[0][1]["fi"]


def test_changing_a_correct_answer_changes_only_that_question_key(db_session, courses, media):
    _import(db_session, courses, media)
    unit_file = courses / UNIT1 / "unit.yaml"
    original = unit_file.read_text()
    _replace(unit_file, "          correct: true\n          feedback: {fi: Oikein.",
             "          feedback: {fi: Oikein.")
    _replace(unit_file, "          text: {fi: Lisää kokouksia, sv: Fler möten, en: More meetings}\n",
             "          text: {fi: Lisää kokouksia, sv: Fler möten, en: More meetings}\n"
             "          correct: true\n")
    [result] = _import(db_session, courses, media)
    assert str(result) == "published pienikurssi version 2 (2 units; changed: verkoston-perusta)"
    v1, v2 = _keys(db_session, 1), _keys(db_session, 2)
    changed = {key for key in v1 if v1[key] != v2[key]}
    assert changed == {"verkoston-perusta/lisaarvo"}
    assert v2["verkoston-perusta/lisaarvo"] == "verkoston-perusta/quiz/lisaarvo~v2"
    # back to the first meaning: the first key again
    unit_file.write_text(original)
    _import(db_session, courses, media)
    assert _keys(db_session, 3) == v1


def test_type_change_is_a_new_meaning(db_session, courses, media):
    _import(db_session, courses, media)
    # same correct choice (a), but now "choose all that apply"
    _replace(courses / UNIT1 / "unit.yaml", "type: single_choice", "type: multiple_choice")
    _import(db_session, courses, media)
    v1, v2 = _keys(db_session, 1), _keys(db_session, 2)
    assert {key for key in v1 if v1[key] != v2[key]} == {"verkoston-perusta/lisaarvo"}
    assert v2["verkoston-perusta/lisaarvo"] == "verkoston-perusta/quiz/lisaarvo~v2"


def test_added_and_removed_units_are_reported(db_session, courses, media):
    _import(db_session, courses, media)
    course_file = courses / "pienikurssi" / "course.yaml"
    _replace(course_file, "  - 02-luottamus\n", "")
    shutil.rmtree(courses / UNIT2)
    [result] = _import(db_session, courses, media)
    assert str(result) == ("published pienikurssi version 2 (1 units; changed: course; "
                           "removed: luottamus)")
    assert _keys(db_session, 2) == {key: value for key, value in _keys(db_session, 1).items()
                                    if key.startswith("verkoston-perusta")}


def test_failing_import_imports_nothing(db_session, courses, media, tmp_path):
    shutil.copytree(courses / "pienikurssi", courses / "toinen")
    _replace(courses / "toinen" / "course.yaml", "id: pienikurssi", "id: toinen")
    _replace(courses / "toinen" / "units" / "02-luottamus" / "unit.yaml", "pass_mark: 0.5",
             "pass_mark: 5")
    with pytest.raises(ImportProblems) as error:
        import_courses(db_session, courses, media_dir=media)
    assert [str(p) for p in error.value.problems] == [
        f"{courses}/toinen/units/02-luottamus/unit.yaml:10: quiz.pass_mark: must be between 0 "
        "and 1 (got 5)"]
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Course)) == 0
    assert not media.exists()
    # with a published version, a broken edit leaves it the only one
    shutil.rmtree(courses / "toinen")
    _import(db_session, courses, media)
    _replace(courses / UNIT1 / "content.en.md", "## What", "# What")
    with pytest.raises(ImportProblems):
        import_courses(db_session, courses, media_dir=media)
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(CourseVersion)) == 1
    assert db_session.scalar(select(func.count()).select_from(Question)) == 6


def test_preview_renders_without_the_database(db_session, courses, media):
    build, problems = preview_course(courses / "pienikurssi", media)
    assert problems == []
    assert [unit.key for unit in build.units] == ["verkoston-perusta", "luottamus"]
    assert build.units[0].content_html["en"].startswith("<h2>What is a network?</h2>")
    assert db_session.scalar(select(func.count()).select_from(Course)) == 0
    _replace(courses / UNIT1 / "content.en.md", "## What", "# What")
    build, problems = preview_course(courses / "pienikurssi", media)
    assert build is None
    assert [str(p) for p in problems] == [
        f"{courses}/{UNIT1}/content.en.md:1: headings start at ## (the page supplies the # "
        "title)"]


REPOSITORY_COURSES = find_course_dirs(PROJECT_ROOT / "courses")


def test_the_repository_has_courses():
    assert [path.name for path in REPOSITORY_COURSES] == ["verkostojohtaminen"]


@pytest.mark.parametrize("course_dir", REPOSITORY_COURSES, ids=lambda path: path.name)
def test_repository_course_validates_and_imports(db_session, course_dir, media):
    course, problems = load_course(course_dir)
    assert [str(p) for p in problems] == []
    [result] = _import(db_session, course_dir, media)
    assert result.published and result.version == 1 and result.units == len(course.units)
    units = db_session.scalars(select(Unit).order_by(Unit.position)).all()
    assert [u.unit_key for u in units] == [u.data["id"] for u in course.units]
    for unit in units:
        assert set(unit.content_html) == {"fi", "sv", "en"}
        assert all(html.startswith("<h2>") or "<h2>" in html for html in unit.content_html.values())
        assert unit.questions and all(q.activity_key.startswith(f"{unit.unit_key}/quiz/")
                                      for q in unit.questions)
    assert db_session.scalar(select(func.count()).select_from(ReflectionTask)) == sum(
        len(u.data.get("reflections") or []) for u in course.units)
    [again] = _import(db_session, course_dir, media)
    assert not again.published
