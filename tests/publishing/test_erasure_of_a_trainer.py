"""Erasing a trainer keeps the course drafts they uploaded for their colleagues: only the
link to the person goes."""
from __future__ import annotations

from sqlalchemy import select

from elearn.models import User
from elearn.publishing.models import CourseDraft
from tests.publishing.support import course_zip


def test_drafts_stay_without_their_uploader_after_erasure(app, trainer, draft_id, client_as):
    draft = draft_id(course_zip())
    with app.extensions["elearn.db"].session_scope() as session:
        uploader = session.get(CourseDraft, draft).uploaded_by_id
        username = session.get(User, uploader).username
    assert uploader is not None

    result = app.test_cli_runner().invoke(args=["privacy", "erase", username, "--yes"])
    assert result.exit_code == 0, result.output

    with app.extensions["elearn.db"].session_scope() as session:
        kept = session.get(CourseDraft, draft)
        assert kept is not None and kept.uploaded_by_id is None
        assert session.scalar(select(User.username).where(User.id == uploader)) \
            .startswith("erased-")
    # The erased trainer's session has ended; a colleague still finds and opens the draft.
    assert trainer.get(f"/trainer/courses/drafts/{draft}").status_code != 200
    colleague = client_as("trainer", display_name="Kalle Kollega")
    assert f"/trainer/courses/drafts/{draft}" in colleague.get("/trainer/courses").get_data(
        as_text=True)
    assert colleague.get(f"/trainer/courses/drafts/{draft}").status_code == 200
