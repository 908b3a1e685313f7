"""The diff service against a published version, on the real database: units, questions
and choices added, removed and changed, matched by id; activity ids kept or new by the
importer's rules; learners mid-course counted."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from elearn.content.build import build_course
from elearn.content.importer import import_courses
from elearn.content.loader import load_course
from elearn.content.media import MediaStore
from elearn.models import CourseVersion, Enrolment, Role
from elearn.publishing.builds import find_version, version_build
from elearn.publishing.diff import diff_builds
from elearn.services.accounts import create_user
from tests.publishing.support import FIXTURE, SLUG


@pytest.fixture
def course_dir(tmp_path):
    folder = tmp_path / "courses" / SLUG
    shutil.copytree(FIXTURE, folder)
    return folder


def _edit(folder, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _build(folder, tmp_path):
    course, problems = load_course(folder)
    assert not problems, problems
    return build_course(course, MediaStore(tmp_path / "media"))


@pytest.fixture
def published(db_session, course_dir, tmp_path):
    import_courses(db_session, course_dir, media_dir=tmp_path / "media")
    db_session.commit()
    return find_version(db_session, SLUG)


def test_a_version_read_back_hashes_like_the_import(published):
    assert version_build(published).content_hash == published.content_hash


def test_unchanged_files_give_an_empty_diff(db_session, published, course_dir, tmp_path):
    diff = diff_builds(db_session, _build(course_dir, tmp_path), published)
    assert diff.identical and diff.is_empty and diff.next_number == 2
    assert all(unit.keeps_activity for unit in diff.units)


def test_changes_are_found_by_id(db_session, published, course_dir, tmp_path):
    unit2 = "units/02-luottamus/unit.yaml"
    _edit(course_dir, unit2, "        - id: p2\n", "        - id: p3\n")  # pair renamed: meaning
    _edit(course_dir, unit2, "answer: false", "answer: true")
    _edit(course_dir, unit2, "prompt: {fi: Järjestä vaiheet., sv: Ordna stegen., en: Put the "
                             "steps in order.}",
          "prompt: {fi: Järjestä vaiheet oikein., sv: Ordna stegen., en: Order the steps.}")
    _edit(course_dir, "course.yaml", "mastery_score: 0.5", "mastery_score: 0.4")
    diff = diff_builds(db_session, _build(course_dir, tmp_path), published)
    assert not diff.identical and diff.course_fields == ["mastery_score"]
    units = {unit.key: unit for unit in diff.units}
    assert units["verkoston-perusta"].status == "unchanged"
    trust = units["luottamus"]
    assert trust.status == "changed" and trust.keeps_activity
    questions = {q.key: q for q in trust.questions}
    assert questions["parit"].status == "changed"
    assert {(o.key, o.status) for o in questions["parit"].options} == {("p3", "added"),
                                                                       ("p2", "removed")}
    assert not questions["parit"].keeps_activity  # the pair ids are its answer key
    assert questions["parit"].activity_next == "luottamus/quiz/parit~v2"
    assert questions["jarjestys"].status == "changed" and questions["jarjestys"].fields == ["prompt"]
    assert questions["jarjestys"].keeps_activity  # rewording keeps the meaning
    assert questions["kaikki-tietavat"].fields == ["answer"]
    assert questions["kaikki-tietavat"].activity_next == "luottamus/quiz/kaikki-tietavat~v2"
    assert diff.count("changed")["questions"] == 3 and diff.count("added")["options"] == 1


def test_units_added_and_removed_and_learners_mid_course(db_session, published, course_dir,
                                                        tmp_path):
    _edit(course_dir, "course.yaml", "  - 01-verkoston-perusta\n", "")
    shutil.rmtree(course_dir / "units" / "01-verkoston-perusta")
    learner = create_user(db_session, username="oppija", role=Role.LEARNER, password="x" * 12)
    done = create_user(db_session, username="valmis", role=Role.LEARNER, password="x" * 12)
    version = db_session.scalar(select(CourseVersion))
    db_session.add(Enrolment(user_id=learner.id, version_id=version.id))
    from elearn.db import utcnow
    db_session.add(Enrolment(user_id=done.id, version_id=version.id, completed_at=utcnow()))
    db_session.commit()
    diff = diff_builds(db_session, _build(course_dir, tmp_path), published)
    units = {unit.key: unit for unit in diff.units}
    assert units["verkoston-perusta"].status == "removed"
    assert units["verkoston-perusta"].activity_next is None
    assert all(q.status == "removed" for q in units["verkoston-perusta"].questions)
    assert "units" in diff.course_fields
    assert diff.learners_mid_course == 1  # the one who completed is not counted


def test_a_new_course_is_all_added(db_session, course_dir, tmp_path):
    diff = diff_builds(db_session, _build(course_dir, tmp_path), None)
    assert diff.base_number is None and diff.next_number == 1
    assert {unit.status for unit in diff.units} == {"added"}
    assert all(unit.activity_now is None and unit.activity_next == unit.key
               for unit in diff.units)
