"""``make test`` checks for the browser before the suite: it installs Chromium with apt-get
where it may (root), otherwise stops with one line naming the package; it never lets the
browser tests fail one by one in setup, and never skips them."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "ensure_chromium.sh"


def run(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT)], env={"PATH": "/usr/bin:/bin", **env},
                          capture_output=True, text=True, timeout=30)


def fake_apt_get(tmp_path: Path, *, creates: Path | None) -> Path:
    """A stand-in package manager that logs its arguments (and 'installs' the browser)."""
    log = tmp_path / "apt.log"
    script = tmp_path / "apt-get"
    install = f'touch {creates} && chmod +x {creates}' if creates else "true"
    script.write_text(f'#!/bin/sh\necho "$@" >> {log}\n'
                      f'case "$1" in install) {install};; esac\n')
    script.chmod(0o755)
    return script


def test_present_browser_passes_quietly(tmp_path):
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    result = run({"CHROMIUM": str(browser), "EUID_OVERRIDE": "1000"})
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_missing_browser_without_root_stops_with_one_line(tmp_path):
    apt = fake_apt_get(tmp_path, creates=None)
    result = run({"CHROMIUM": str(tmp_path / "chromium"), "APT_GET": str(apt),
                  "EUID_OVERRIDE": "1000"})
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "apt-get install chromium" in lines[0], result.stderr
    assert not (tmp_path / "apt.log").exists(), "apt-get must not run without root"


def test_missing_browser_as_root_is_installed_with_apt_get(tmp_path):
    browser = tmp_path / "chromium"
    apt = fake_apt_get(tmp_path, creates=browser)
    result = run({"CHROMIUM": str(browser), "APT_GET": str(apt), "EUID_OVERRIDE": "0"})
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "apt.log").read_text().splitlines()
    assert calls[0].startswith("update") and calls[1].split()[-1] == "chromium"
    assert "install" in calls[1].split() and "-y" in calls[1].split()


def test_failed_install_stops_with_one_line(tmp_path):
    apt = fake_apt_get(tmp_path, creates=None)  # "succeeds" but leaves no browser
    result = run({"CHROMIUM": str(tmp_path / "chromium"), "APT_GET": str(apt),
                  "EUID_OVERRIDE": "0"})
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("make test: installing chromium")


def test_make_test_runs_the_check_before_pytest():
    recipe = (ROOT / "Makefile").read_text().split("\ntest:", 1)[1].split("\n\n", 1)[0]
    steps = [line.strip() for line in recipe.splitlines()[1:]]
    assert steps[0] == "@tools/ensure_chromium.sh" and "pytest" in steps[1]


def test_pytest_stops_before_browser_tests_when_the_browser_is_missing(monkeypatch):
    """Running pytest directly: one line, before any test, when browser tests are chosen."""
    from tests.browser import conftest

    class Item:
        def __init__(self, browser: bool):
            self.browser = browser

        def get_closest_marker(self, name):
            return object() if name == "browser" and self.browser else None

    monkeypatch.setattr(conftest, "CHROMIUM", "/nonexistent/chromium")
    conftest.pytest_collection_modifyitems(None, [Item(False)])  # no browser test: runs on
    with pytest.raises(pytest.exit.Exception) as stopped:
        conftest.pytest_collection_modifyitems(None, [Item(False), Item(True)])
    assert "apt-get install chromium" in str(stopped.value)
