"""The publishing forms need the CSRF token (on, as in production): without it an upload,
a publish or a move is refused and nothing changes."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from elearn.publishing.models import CourseDraft
from tests.publishing.support import SLUG, course_zip


@pytest.fixture
def app_overrides(tmp_path):
    return {"WTF_CSRF_ENABLED": True, "COURSE_MEDIA_PATH": str(tmp_path / "media")}


def test_forms_without_the_token_are_refused(app, make_user):
    trainer = make_user("trainer")
    client = app.test_client()
    import re
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"csrf_token": token, "username": trainer.username,
                                       "password": "correct horse battery"}).status_code == 302
    answer = client.post("/trainer/courses/upload", content_type="multipart/form-data",
                         data={"package": (io.BytesIO(course_zip()), "c.zip")})
    assert answer.status_code == 400
    assert client.post("/trainer/courses/drafts/1/publish").status_code == 400
    assert client.post("/trainer/courses/drafts/1/discard").status_code == 400
    assert client.post(f"/trainer/courses/{SLUG}/move", data={"to_version": "1"}).status_code \
        == 400
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(func.count()).select_from(CourseDraft)) == 0
    # with the token from the form, the same upload is accepted
    form = client.get("/trainer/courses/upload").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    answer = client.post("/trainer/courses/upload", content_type="multipart/form-data",
                         data={"csrf_token": token,
                               "package": (io.BytesIO(course_zip()), "c.zip")})
    assert answer.status_code == 303
