"""Text that cannot be stored: NUL characters and lone surrogates.

PostgreSQL refuses NUL in text (a 500 at the first query that carries it) and no database
driver can encode a lone UTF-16 surrogate (``"\\ud800"`` from a JSON escape), while SQLite
stores NUL silently and so breaks a later move to PostgreSQL.  Such text is refused where it
enters: requests (elearn.security.input_guard), JSON documents (elearn.security.safe_json),
course files and user files.
"""
from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None when it can."""
    match = _UNSTORABLE.search(value)
    if match is None:
        return None
    if match.group() == "\x00":
        return "contains a NUL character"
    return "contains a lone surrogate (not valid Unicode text)"


def unstorable_at(value: str) -> int | None:
    """Index of the first character that cannot be stored, or None."""
    match = _UNSTORABLE.search(value)
    return None if match is None else match.start()
