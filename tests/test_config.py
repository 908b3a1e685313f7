"""Settings: defaults, ELEARN_* parsing, and refusals that name the setting."""
from __future__ import annotations

import subprocess
import sys

import pytest

from elearn.config import DEV_SECRET_KEY, SettingError, load_settings


def test_defaults_use_sqlite_under_instance(tmp_path):
    settings = load_settings(str(tmp_path), environ={})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'elearn.sqlite3'}"
    assert settings["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert settings["SESSION_COOKIE_SECURE"] is False


def test_environment_overrides_with_types(tmp_path):
    settings = load_settings(str(tmp_path), environ={
        "ELEARN_LOGIN_MAX_FAILURES": "7", "ELEARN_XAPI_SEND_REFLECTION_TEXT": "true",
        "ELEARN_PUBLIC_URL": "https://learn.example.fi/", "ELEARN_DATABASE_URL": "postgresql://u@h/db",
        "ELEARN_LRS_DESTINATIONS": '[{"name": "a", "endpoint": "http://127.0.0.1:1/xAPI/"}]'})
    assert settings["LOGIN_MAX_FAILURES"] == 7
    assert settings["XAPI_SEND_REFLECTION_TEXT"] is True
    assert settings["PUBLIC_URL"] == "https://learn.example.fi"
    assert settings["DATABASE_URL"] == "postgresql+psycopg://u@h/db"
    assert settings["LRS_DESTINATIONS"][0]["name"] == "a"


@pytest.mark.parametrize("environ,named", [
    ({"ELEARN_ENV": "production"}, "ELEARN_SECRET_KEY"),
    ({"ELEARN_ENV": "production", "ELEARN_SECRET_KEY": DEV_SECRET_KEY}, "ELEARN_SECRET_KEY"),
    ({"ELEARN_LOGIN_MAX_FAILURES": "many"}, "ELEARN_LOGIN_MAX_FAILURES"),
    ({"ELEARN_DATABASE_URL": "mysql://x"}, "ELEARN_DATABASE_URL"),
    ({"ELEARN_PUBLIC_URL": "learn.example.fi"}, "ELEARN_PUBLIC_URL"),
    ({"ELEARN_LRS_DESTINATIONS": "[oops"}, "ELEARN_LRS_DESTINATIONS"),
    ({"ELEARN_XAPI_SEND_REFLECTION_TEXT": "maybe"}, "ELEARN_XAPI_SEND_REFLECTION_TEXT"),
    ({"ELEARN_ENV": "staging"}, "ELEARN_ENV"),
    ({"ELEARN_QUIZ_RETRY_WAIT_HOURS": "-1"}, "ELEARN_QUIZ_RETRY_WAIT_HOURS"),
    ({"ELEARN_QUIZ_RETRY_WAIT_HOURS": "a day"}, "ELEARN_QUIZ_RETRY_WAIT_HOURS"),
])
def test_bad_settings_are_refused_naming_the_setting(tmp_path, environ, named):
    with pytest.raises(SettingError) as caught:
        load_settings(str(tmp_path), environ=environ)
    assert str(caught.value).startswith(named + ":")
    assert "\n" not in str(caught.value)


def test_production_accepts_a_real_secret(tmp_path):
    settings = load_settings(str(tmp_path), environ={"ELEARN_ENV": "production",
                                                     "ELEARN_SECRET_KEY": "s" * 40})
    assert settings["ENV"] == "production"


def test_cli_stops_with_one_line_naming_the_setting(tmp_path):
    result = subprocess.run([sys.executable, "-m", "elearn.cli", "db", "upgrade", "--check"],
                            capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "ELEARN_ENV": "production",
                                 "HOME": str(tmp_path)})
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["elearn: configuration error: ELEARN_SECRET_KEY: production needs its own "
                     "secret of at least 32 characters"]
