"""The date and scope of the last automated accessibility check, shown in the accessibility
statement.  The browser tests check every page with axe-core in Chromium in fi, sv and en
and, when everything passes, write this record (``ELEARN_ACCESSIBILITY_CHECK_FILE``, by
default ``instance/accessibility-check.json``); the statement shows what it says, or that
no check has been recorded on this installation."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask


def record_path(app: Flask) -> Path:
    raw = str(app.config.get("ACCESSIBILITY_CHECK_FILE") or "")
    return Path(raw) if raw else Path(app.instance_path) / "accessibility-check.json"


def last_check(app: Flask) -> dict[str, Any] | None:
    """``{"date", "tool", "pages", "languages"}`` of the last passing check, or None."""
    path = record_path(app)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["date"] = date.fromisoformat(data["date"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return data


def write_check(path: Path, *, checked_on: date, tool: str, pages: list[str],
                languages: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"date": checked_on.isoformat(), "tool": tool, "pages": pages,
                                "languages": languages}, ensure_ascii=False, indent=1),
                    encoding="utf-8")
