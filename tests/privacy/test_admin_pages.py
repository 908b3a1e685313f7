"""Admin privacy pages: erasure with a confirmation step, the erasures list and the
accountability log; only admins get in."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from elearn.models import Reflection, User
from elearn.privacy.models import AuditEvent, Erasure
from tests.factories import make_course_version
from tests.privacy.support import learner_did_everything


@pytest.fixture
def carl(app, make_user):
    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="testikurssi", units=2)
    user = make_user("learner", username="carl.cedergren", display_name="Carl Cedergren")
    learner_did_everything(app, "carl.cedergren")
    return user


@pytest.fixture
def admin(client_as):
    client = client_as("admin")
    client.post("/language", data={"language": "en", "next": "/"})
    return client


@pytest.mark.parametrize("role", ["learner", "trainer", "hr"])
def test_only_admins_get_in(client_as, role):
    client = client_as(role)
    assert client.get("/admin/privacy").status_code == 403
    assert client.post("/admin/privacy/erase", data={"username": "x"}).status_code == 403
    assert client.post("/admin/privacy/erase/confirm",
                       data={"username": "x", "confirm": "x"}).status_code == 403


def test_erasure_is_confirmed_then_done_and_logged(app, carl, admin):
    confirm = admin.post("/admin/privacy/erase", data={"username": "carl.cedergren"})
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "Carl Cedergren" in page and "<code>reflections</code>: 2" in page
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(func.count(Erasure.id))) == 0  # nothing done yet

    wrong = admin.post("/admin/privacy/erase/confirm",
                       data={"username": "carl.cedergren", "confirm": "carl"})
    assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.get_data(as_text=True)
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(func.count(Reflection.id))) == 2

    done = admin.post("/admin/privacy/erase/confirm",
                      data={"username": "carl.cedergren", "confirm": "carl.cedergren"})
    assert done.status_code == 302
    overview = admin.get("/admin/privacy").get_data(as_text=True)
    assert "carl.cedergren was erased" in overview
    assert "Carl Cedergren" not in overview and "carl.cedergren</td>" not in overview
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(func.count(Reflection.id))) == 0
        [erasure] = session.scalars(select(Erasure)).all()
        assert erasure.requested_via == "admin"
        assert erasure.requested_by_id == admin.user.id and erasure.completed_at
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions == ["account_view", "erasure"]
        assert not session.get(User, carl.id).is_active_account
    # The tombstone and the admin are in the log, the erased name is not.
    assert "erasure" in overview and admin.user.username in overview

    again = admin.post("/admin/privacy/erase", data={"username": "carl.cedergren"})
    assert again.status_code == 409 and "already erased" in again.get_data(as_text=True)


def test_unknown_and_own_account_are_refused(app, admin):
    unknown = admin.post("/admin/privacy/erase", data={"username": "nobody"})
    assert unknown.status_code == 422 and "No account is named nobody" in \
        unknown.get_data(as_text=True)
    own = admin.post("/admin/privacy/erase", data={"username": admin.user.username})
    assert own.status_code == 422 and "your own account" in own.get_data(as_text=True)
    empty = admin.post("/admin/privacy/erase", data={"username": " "})
    assert empty.status_code == 422


def test_audit_log_lists_exports_and_filters_by_action(app, client_as, admin):
    learner = client_as("learner")
    assert learner.get("/api/me/export").status_code == 200
    page = admin.get("/admin/privacy?action=export").get_data(as_text=True)
    assert "<td>export</td>" in page and learner.user.username in page
    assert "<td>erasure</td>" not in admin.get("/admin/privacy?action=erasure").get_data(
        as_text=True)


def test_bulk_views_and_downloads_are_in_the_accountability_log(app, carl, client_as,
                                                               admin):
    hr = client_as("hr")
    assert hr.get("/hr/reports/completions.csv?status=completed").status_code == 200
    assert hr.get("/api/reports/completions.csv").status_code == 200
    assert admin.get(f"/admin/accounts/{carl.id}").status_code == 200
    cli = app.test_cli_runner().invoke(args=["reports", "completions"])
    assert cli.exit_code == 0, cli.output
    with app.extensions["elearn.db"].session_scope() as session:
        entries = [(e.action, e.actor_id, e.actor_label, e.subject_id, e.details)
                   for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert entries == [
        ("hr_report_download", hr.user.id, "", None, {"filters": {
            "date_field": "enrolled", "delimiter": "comma", "direction": "asc",
            "sort": "enrolled_at", "status": "completed"}}),
        ("hr_report_download", hr.user.id, "", None, {"filters": {
            "date_field": "enrolled", "delimiter": "comma", "direction": "asc",
            "sort": "enrolled_at"}}),
        ("account_view", admin.user.id, "", carl.id, {"page": "account"}),
        ("hr_report_download", None, "cli", None, {"filters": {"date_field": "enrolled"}}),
    ]
    page = admin.get("/admin/privacy?action=hr_report_download").get_data(as_text=True)
    assert page.count("<td>hr_report_download</td>") == 3 and hr.user.username in page
