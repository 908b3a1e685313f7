"""``elearn courses move-learners``: output per learner, dry run, errors, one transaction per
run, and what HR's completion report shows afterwards."""
from __future__ import annotations

from sqlalchemy import select

from elearn.models import Enrolment, Role, User
from elearn.services import learning, reports, version_move
from elearn.services.accounts import create_user
from tests.factories import make_course_version
from tests.services.support import pass_unit


def _db(app):
    return app.extensions["elearn.db"]


def _cohort(app) -> None:
    """Version 1 with three learners: "valmis" completed it, "puolivali" passed unit-1 and
    "aloittaja" only enrolled; then version 2 (units unchanged) is published."""
    with app.app_context(), _db(app).session_scope() as session:
        make_course_version(session, slug="testikurssi", units=2)
        for username in ("valmis", "puolivali", "aloittaja"):
            user = create_user(session, username=username, password="correct horse battery",
                               role=Role.LEARNER, organisation_unit="VNK")
            enrolment = learning.enrol(session, user, "testikurssi")
            if username != "aloittaja":
                pass_unit(session, enrolment, "unit-1")
            if username == "valmis":
                pass_unit(session, enrolment, "unit-2")
        make_course_version(session, slug="testikurssi", units=2)


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["courses", "move-learners", *args])


def _versions(app) -> dict[str, list[tuple[int, bool, bool]]]:
    """username -> [(version, completed, moved)] of every enrolment."""
    with _db(app).session_scope() as session:
        rows = session.execute(select(User.username, Enrolment).join(Enrolment)
                               .order_by(Enrolment.id)).all()
        result: dict[str, list[tuple[int, bool, bool]]] = {}
        for username, enrolment in rows:
            result.setdefault(username, []).append(
                (enrolment.version.number, enrolment.completed_at is not None,
                 enrolment.moved_to_id is not None))
        return result


def test_dry_run_prints_the_plan_and_changes_nothing(app):
    _cohort(app)
    before = _versions(app)
    result = _run(app, "testikurssi", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "would move aloittaja: version 1 -> 2, 0 unit(s) carried over, 2 start fresh, "
        "0 reflection(s) copied",
        "would move puolivali: version 1 -> 2, 1 unit(s) carried over (unit-1), 1 start "
        "fresh, 1 reflection(s) copied",
        "testikurssi: 2 learner(s) would be moved to version 2 (dry run, nothing changed)",
    ]
    assert _versions(app) == before


def test_move_prints_a_summary_per_learner_and_keeps_completions(app):
    _cohort(app)
    result = _run(app, "testikurssi", "--user", "puolivali", "--user", "valmis")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "moved puolivali: version 1 -> 2, 1 unit(s) carried over (unit-1), 1 start fresh, "
        "1 reflection(s) copied, progress 50 %",
        "skipped valmis: no unfinished enrolment on an older version",
        "testikurssi: 1 learner(s) moved to version 2",
    ]
    assert _versions(app) == {"valmis": [(1, True, False)],
                              "puolivali": [(1, False, True), (2, False, False)],
                              "aloittaja": [(1, False, False)]}


def test_hr_report_shows_a_moved_learner_once_on_the_new_version(app, client_as):
    _cohort(app)
    assert _run(app, "testikurssi").exit_code == 0
    with app.app_context(), _db(app).session_scope() as session:
        page = reports.completion_page(session, reports.ReportFilters(course="testikurssi"),
                                       destinations=[])
        rows = sorted((row.username, row.version, row.progress_percent,
                       row.completed_at is not None) for row in page.rows)
        completed = reports.completion_page(
            session, reports.ReportFilters(course="testikurssi", status="completed"),
            destinations=[])
    assert page.total == 3
    assert rows == [("aloittaja", 2, 0, False), ("puolivali", 2, 50, False),
                    ("valmis", 1, 100, True)]
    assert [(row.username, row.version) for row in completed.rows] == [("valmis", 1)]
    csv_text = client_as("hr").get("/hr/reports/completions.csv?course=testikurssi").get_data(
        as_text=True)
    lines = csv_text.strip().splitlines()[1:]
    assert len(lines) == 3 and sum("puolivali" in line for line in lines) == 1


def test_a_failure_for_one_learner_moves_nobody(app, monkeypatch):
    """The whole run is one transaction: an error while moving the second learner leaves
    the first one where they were too."""
    _cohort(app)
    before = _versions(app)
    real = version_move.update_completion
    calls = []

    def failing_second(session, enrolment, now):
        calls.append(enrolment.id)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        real(session, enrolment, now)

    monkeypatch.setattr(version_move, "update_completion", failing_second)
    result = _run(app, "testikurssi")
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert len(calls) == 2
    assert _versions(app) == before


def test_unknown_version_is_a_clear_error(app):
    _cohort(app)
    result = _run(app, "testikurssi", "--to-version", "9")
    assert result.exit_code == 2
    assert "course 'testikurssi' has no version 9; nothing moved" in result.output
    assert _run(app, "ei-ole").exit_code == 2
    assert _versions(app)["puolivali"] == [(1, False, False)]
