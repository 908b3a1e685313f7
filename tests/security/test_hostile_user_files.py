"""``elearn users import`` refuses hostile rows with ``FILE:line`` messages and imports nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from elearn.models import User

HEADER = "username,display_name,email,organisation_unit,role\n"


def _import(app, path):
    return app.test_cli_runner().invoke(args=["users", "import", str(path)])


def test_nul_and_lone_surrogates_are_refused_with_their_lines(app, tmp_path, db_session):
    path = tmp_path / "users.csv"
    path.write_text(HEADER + "aino,Aino A,aino@example.fi,Unit A,learner\n"
                    "bertil\x00,Bertil B,,Unit A,learner\n"
                    "cilla,Cilla C,,Unit \x00B,learner\n", encoding="utf-8")
    result = _import(app, path)
    assert result.exit_code == 1
    assert f"{path}:3: username: contains a NUL character" in result.stderr
    assert f"{path}:4: organisation_unit: contains a NUL character" in result.stderr
    assert db_session.scalar(select(func.count(User.id))) == 0


def test_a_field_over_the_csv_limit_is_a_file_line_problem(app, tmp_path, db_session):
    path = tmp_path / "users.csv"
    path.write_text(HEADER + "aino,Aino A,,Unit A,learner\n"
                    'bertil,"' + "B" * 200_000 + '",,Unit A,learner\n', encoding="utf-8")
    result = _import(app, path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{path}:3: cannot read the row" in result.stderr
    assert db_session.scalar(select(func.count(User.id))) == 0


def test_a_huge_header_is_a_file_line_problem(app, tmp_path, db_session):
    path = tmp_path / "users.csv"
    path.write_text('"' + "u" * 200_000 + '",display_name\n', encoding="utf-8")
    result = _import(app, path)
    assert result.exit_code == 1
    assert f"{path}:1: cannot read the header row" in result.stderr
