"""Publishing tests run against the app with its real database (SQLite, or PostgreSQL when
``ELEARN_DATABASE_URL`` says so), a media folder of their own and English pages."""
from __future__ import annotations

import pytest


@pytest.fixture
def app_overrides(tmp_path):
    return {"COURSE_MEDIA_PATH": str(tmp_path / "media"),
            "COURSES_PATH": str(tmp_path / "no-courses")}


@pytest.fixture
def trainer(client_as):
    client = client_as("trainer", display_name="Tiina Trainer")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def upload(trainer):
    """POST a zip to the upload form; returns the response."""
    def post(data: bytes, filename: str = "course.zip", client=None):
        import io
        return (client or trainer).post(
            "/trainer/courses/upload", data={"package": (io.BytesIO(data), filename)},
            content_type="multipart/form-data")
    return post


@pytest.fixture
def draft_id(upload):
    """Upload ``data`` and return the new draft's id (asserting it was accepted)."""
    def make(data: bytes) -> int:
        response = upload(data)
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        return int(response.headers["Location"].rstrip("/").split("/")[-1])
    return make
