"""Helpers for the xAPI tests: validate statements with Ralph, read the outbox back, and
check the interaction string formats of xAPI 1.0.3 Data, 2.4.4.1.1."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import select

from elearn import PROJECT_ROOT
from elearn.models import XapiStatement

RALPH_PYTHON = PROJECT_ROOT / ".venv-ralph" / "bin" / "python"
CHECKER = Path(__file__).with_name("ralph_check.py")

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
_ID = r"[^\[\],.\s]+"
# The response / correctResponsesPattern formats per interaction type.
RESPONSE_FORMATS = {
    "choice": re.compile(rf"^{_ID}(\[,\]{_ID})*$"),
    "true-false": re.compile(r"^(true|false)$"),
    "matching": re.compile(rf"^{_ID}\[\.\]{_ID}(\[,\]{_ID}\[\.\]{_ID})*$"),
    "sequencing": re.compile(rf"^{_ID}(\[,\]{_ID})*$"),
}


def ralph_errors(statements: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Ralph's validation errors per statement (``[]`` for a valid one)."""
    completed = subprocess.run([str(RALPH_PYTHON), str(CHECKER)], input=json.dumps(statements),
                               capture_output=True, text=True, timeout=180, check=True)
    return json.loads(completed.stdout)


def stored_payloads(session) -> list[str]:
    return list(session.scalars(select(XapiStatement.payload).order_by(XapiStatement.id)))


def stored_statements(session) -> list[dict[str, Any]]:
    return [json.loads(p) for p in stored_payloads(session)]


def summary(statement: dict[str, Any]) -> tuple[str, str]:
    """(verb name, object id without the public URL) – compact for asserting sequences."""
    object_id = statement["object"]["id"].split("/xapi/activities/", 1)[-1]
    return statement["verb"]["id"].rsplit("/", 1)[-1], object_id


def walk(value: Any, path: str = ""):
    """Every (path, leaf value) of a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")
    else:
        yield path, value
