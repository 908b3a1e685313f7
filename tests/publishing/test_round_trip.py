"""Upload → draft → preview → diff → publish → download → upload again, through the pages,
on the real database; and bad uploads refused with nothing stored."""
from __future__ import annotations

import io
import random
import re
import zipfile

import pytest
from sqlalchemy import func, select

from elearn.content.importer import import_courses
from elearn.models import CourseVersion, Question, Unit
from elearn.privacy.models import AuditEvent
from elearn.publishing.models import CourseDraft, CoursePackage
from tests.publishing.support import FIXTURE, SLUG, course_zip, edited, make_zip


def counts(app) -> tuple[int, int, int]:
    with app.extensions["elearn.db"].session_scope() as session:
        return (session.scalar(select(func.count()).select_from(CourseDraft)),
                session.scalar(select(func.count()).select_from(CoursePackage)),
                session.scalar(select(func.count()).select_from(CourseVersion)))


def test_upload_makes_a_draft_that_learners_do_not_see(app, trainer, draft_id, client_as):
    draft = draft_id(course_zip())
    page = trainer.get(f"/trainer/courses/drafts/{draft}").get_data(as_text=True)
    assert "A small network course" in page and "A new course" in page
    assert counts(app) == (1, 1, 0)
    learner = client_as("learner")
    assert SLUG not in learner.get("/learn/courses").get_data(as_text=True)
    assert learner.get(f"/api/courses/{SLUG}").status_code == 404


def test_problems_are_listed_as_path_line_message_and_nothing_is_stored(app, upload):
    bad = course_zip(edited("units/02-luottamus/unit.yaml", "pass_mark: 0.5", "pass_mark: 5"))
    response = upload(bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r"<code>pienikurssi/units/02-luottamus/unit\.yaml:\d+: quiz\.pass_mark: ",
                     page), page
    assert "nothing was stored" in page
    assert counts(app) == (0, 0, 0)


@pytest.mark.parametrize("name,data,entry", [
    ("traversal", make_zip({"course.yaml": b"id: x", "../../etc/x.md": b"x"}),
     "pienikurssi/../../etc/x.md"),
    ("type", course_zip({"units/01-verkoston-perusta/evil.exe": b"MZ"}),
     "pienikurssi/units/01-verkoston-perusta/evil.exe"),
    ("empty", make_zip({}), None),
])
def test_hostile_zip_is_refused_naming_the_entry(app, upload, name, data, entry):
    response = upload(data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The package was refused; nothing was stored" in page
    if entry:
        assert f"<code>{entry}</code>" in page
    assert counts(app) == (0, 0, 0)


def test_upload_needs_a_file(upload):
    assert upload(b"", filename="").status_code == 422


def test_upload_larger_than_the_setting_is_refused(app, upload):
    app.config["PUBLISH_MAX_UPLOAD_BYTES"] = 10_000
    noise = random.Random(1).randbytes(200_000)  # does not compress
    response = upload(course_zip({"units/01-verkoston-perusta/images/big.png": noise}))
    assert response.status_code == 413
    assert counts(app) == (0, 0, 0)


def test_the_whole_round_trip(app, trainer, draft_id, client_as):
    # first publish: version 1
    first = draft_id(course_zip())
    diff = trainer.get(f"/trainer/courses/drafts/{first}/diff").get_data(as_text=True)
    assert "A new course" in diff and "Publishing creates version 1" in diff
    response = trainer.post(f"/trainer/courses/drafts/{first}/publish")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/trainer/courses/{SLUG}/move")
    assert counts(app)[2] == 1

    # a learner starts version 1
    learner = client_as("learner")
    assert learner.post(f"/api/courses/{SLUG}/enrolment", json={}).status_code in (200, 201)

    # download version 1 and upload it unchanged: an empty diff
    downloaded = trainer.get(f"/trainer/courses/{SLUG}/versions/1/package.zip")
    assert downloaded.status_code == 200 and downloaded.mimetype == "application/zip"
    same = draft_id(downloaded.data)
    page = trainer.get(f"/trainer/courses/drafts/{same}/diff").get_data(as_text=True)
    assert "Nothing: the draft is the same as version 1" in page
    # publishing it publishes nothing
    trainer.post(f"/trainer/courses/drafts/{same}/publish")
    assert counts(app)[2] == 1

    # edit the downloaded zip: one choice text, one answer, one new question removed
    with zipfile.ZipFile(io.BytesIO(downloaded.data)) as archive:
        files = {info.filename.split("/", 1)[1]: archive.read(info)
                 for info in archive.infolist() if not info.is_dir()}
    unit2 = files["units/02-luottamus/unit.yaml"].decode()
    unit2 = unit2.replace("answer: false", "answer: true")  # new meaning: a new activity id
    unit2 = unit2.replace("en: Gives and takes}", "en: Gives and receives}")  # pair text
    files["units/02-luottamus/unit.yaml"] = unit2.encode()
    edited_draft = draft_id(make_zip(files))
    page = trainer.get(f"/trainer/courses/drafts/{edited_draft}/diff").get_data(as_text=True)
    assert "Compared with version 1" in page
    assert re.search(r"Question <code>kaikki-tietavat</code> – changed", page)
    assert "gets a new activity id" in page and "kaikki-tietavat~v2" in page
    assert re.search(r"Question <code>parit</code> – changed", page)
    assert re.search(r"changed: <code>p2</code>", page)
    assert "keeps its activity id" in page  # parit, unit 1, ...
    assert "1 learner is mid-course on an earlier version" in page

    # publish version 2, then the move: dry run first, then the move
    assert trainer.post(f"/trainer/courses/drafts/{edited_draft}/publish").status_code == 303
    dry = trainer.get(f"/trainer/courses/{SLUG}/move").get_data(as_text=True)
    assert "Dry run" in dry and "Move 1 learner" in dry
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "learners_move")) == 0
    moved = trainer.post(f"/trainer/courses/{SLUG}/move", data={"to_version": "2"})
    assert moved.status_code == 200
    assert "1 learner was moved to the new version" in moved.get_data(as_text=True)

    with app.extensions["elearn.db"].session_scope() as session:
        versions = session.scalars(select(CourseVersion).order_by(CourseVersion.number)).all()
        assert [v.number for v in versions] == [1, 2]
        assert versions[1].published_by == "Tiina Trainer"
        keys = dict(session.execute(
            select(Question.question_key, Question.activity_key).join(Unit)
            .where(Unit.version_id == versions[1].id)).all())
        assert keys["kaikki-tietavat"] == "luottamus/quiz/kaikki-tietavat~v2"
        assert keys["parit"] == "luottamus/quiz/parit"
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor_id) for e in events] == [
            ("course_publish", trainer.user.id), ("course_publish", trainer.user.id),
            ("course_publish", trainer.user.id), ("learners_move", trainer.user.id)]
        assert events[0].details["version"] == 1 and events[2].details["version"] == 2
        assert events[3].details == {"course": SLUG, "to_version": 2, "moved": 1, "skipped": 0}
    # the accountability log's page names the trainer
    log = client_as("admin").get("/admin/privacy?action=course_publish").get_data(as_text=True)
    assert log.count("<td>course_publish</td>") == 3 and trainer.user.username in log


def test_publishing_from_the_page_equals_the_command(app, trainer, draft_id, db_session,
                                                     tmp_path):
    """The same files give the same version whichever way they are published."""
    draft = draft_id(course_zip())
    trainer.post(f"/trainer/courses/drafts/{draft}/publish")
    results = import_courses(db_session, FIXTURE, media_dir=tmp_path / "media")
    db_session.commit()
    assert [r.published for r in results] == [False]  # unchanged: the command sees version 1


def test_download_of_a_version_imported_by_the_command(app, trainer, runner=None):
    from click.testing import CliRunner  # noqa: F401 - the app's runner below

    result = app.test_cli_runner().invoke(args=["courses", "import", str(FIXTURE),
                                                "--published-by", "ops"])
    assert result.exit_code == 0, result.output
    response = trainer.get(f"/trainer/courses/{SLUG}/versions/1/package.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = sorted(archive.namelist())
    assert f"{SLUG}/course.yaml" in names
    assert f"{SLUG}/units/01-verkoston-perusta/images/verkosto.png" in names


def test_a_draft_cannot_be_published_twice(trainer, draft_id):
    draft = draft_id(course_zip())
    assert trainer.post(f"/trainer/courses/drafts/{draft}/publish").status_code == 303
    again = trainer.post(f"/trainer/courses/drafts/{draft}/publish")
    assert again.status_code == 409
    assert "already been published" in again.get_data(as_text=True)


@pytest.mark.parametrize("role", ["learner", "hr"])
def test_only_trainers_and_admins(client_as, role, trainer, draft_id):
    draft = draft_id(course_zip())
    client = client_as(role)
    for url in ("/trainer/courses", "/trainer/courses/upload", f"/trainer/courses/drafts/{draft}",
                f"/trainer/courses/drafts/{draft}/diff",
                f"/trainer/courses/drafts/{draft}/units/perusta",
                f"/trainer/courses/drafts/{draft}/package.zip"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/trainer/courses/drafts/{draft}/publish").status_code == 403


def test_a_package_stored_meanwhile_is_reused(app, db_session, tmp_path):
    """Two uploads of the same files at once: the one whose insert comes second finds the
    other's package at its insert (unique slug and hash) and keeps that one."""
    from sqlalchemy import event

    from elearn.publishing.drafts import store_package, validate_package
    from elearn.publishing.package import read_package

    package = read_package(course_zip())
    build, problems = validate_package(package, tmp_path / "media")
    assert not problems
    first: list = []

    def other_upload_commits_first(session, _context, _instances):
        if not first:  # after our look found nothing, before our insert
            first.append(store_package(db_session, package, build.content_hash).id)
            db_session.commit()

    late = app.extensions["elearn.db"].sessionmaker()
    event.listen(late, "before_flush", other_upload_commits_first)
    kept = store_package(late, package, build.content_hash)
    late.commit()
    late.close()
    assert first and kept.id == first[0]
    assert counts(app)[1] == 1


def test_the_upload_form_says_how_large_a_zip_may_be(app, trainer):
    app.config["PUBLISH_MAX_UPLOAD_BYTES"] = 5 * 1024 * 1024
    page = trainer.get("/trainer/courses/upload").get_data(as_text=True)
    assert "At most 5 MB." in page and 'enctype="multipart/form-data"' in page


def test_a_draft_can_be_discarded_until_it_is_published(app, trainer, draft_id):
    kept = draft_id(course_zip())
    twin = draft_id(course_zip())  # same files: the two drafts share one package
    answer = trainer.post(f"/trainer/courses/drafts/{twin}/discard")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/trainer/courses")
    assert counts(app) == (1, 1, 0)  # the package stays for the other draft
    assert trainer.get(f"/trainer/courses/drafts/{twin}").status_code == 404
    trainer.post(f"/trainer/courses/drafts/{kept}/publish")
    refused = trainer.post(f"/trainer/courses/drafts/{kept}/discard")
    assert refused.status_code == 409 and counts(app) == (1, 1, 1)
    lonely = draft_id(course_zip(edited("course.yaml", "mastery_score: 0.5",
                                        "mastery_score: 0.4")))
    assert counts(app) == (2, 2, 1)
    trainer.post(f"/trainer/courses/drafts/{lonely}/discard")
    assert counts(app) == (1, 1, 1)  # its package went with it
