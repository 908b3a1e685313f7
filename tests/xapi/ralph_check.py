"""Validate xAPI statements with Ralph's strict models; run with ``.venv-ralph/bin/python``.

Reads a JSON list of statements on stdin and prints a JSON list with one entry per
statement: ``[]`` when valid, else Ralph's validation errors (location and message).
Ralph lives in its own virtual environment because its pinned dependencies clash with the
service's, so the tests call this script in a subprocess.
"""
import json
import sys

from pydantic import ValidationError
from ralph.models.xapi.base.statements import BaseXapiStatement


def main() -> None:
    results = []
    for statement in json.load(sys.stdin):
        try:
            BaseXapiStatement(**statement)
        except ValidationError as exc:
            results.append([{"loc": [str(p) for p in e["loc"]], "msg": e["msg"]}
                            for e in exc.errors()])
        else:
            results.append([])
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
