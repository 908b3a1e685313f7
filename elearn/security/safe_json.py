"""JSON parsing that refuses what would later cost a 500: deep nesting, huge numbers, bad text.

Python's ``json`` module recurses once per nesting level (a few thousand ``[`` end in
``RecursionError``), converts integers of any length (past 4,300 digits it raises
``ValueError``; before that, the number overflows every database column), and turns
``"\\u0000"`` and ``"\\ud800"`` escapes into text no database accepts.  :func:`loads` bounds
all three and names the place in the document where it stopped, as a dotted path
(``answers.q1``, ``items.3``), so the client can be told which field is wrong.
"""
from __future__ import annotations

import json
from typing import Any

from elearn.security.text import text_problem

MAX_DEPTH = 32
MAX_INTEGER_DIGITS = 64


class UnsafeJSON(ValueError):
    """The document is valid JSON but cannot be accepted; ``field`` says where."""

    def __init__(self, field: str, message: str, code: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code


class _HugeInteger:
    """Stands in for an integer too long to convert, until the walk knows its field."""


_HUGE = _HugeInteger()


def _parse_int(literal: str) -> int | _HugeInteger:
    if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS:
        return _HUGE
    return int(literal)


def _parse_constant(name: str) -> Any:
    raise UnsafeJSON("", f"{name} is not a JSON number", "bad_request")


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, root: str = "") -> Any:
    """Parse ``text``; raise :class:`UnsafeJSON` for unsafe content, ``ValueError`` for bad JSON.

    ``root`` prefixes field names (``agent`` for a JSON query parameter).
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")  # UnicodeDecodeError is a ValueError
    too_deep = UnsafeJSON(root or "body", f"nested more than {max_depth} levels deep",
                          "too_deep")
    try:
        value = json.loads(text, parse_int=_parse_int, parse_constant=_parse_constant)
    except UnsafeJSON as exc:
        raise UnsafeJSON(root or "body", exc.message, exc.code) from None
    except RecursionError:
        raise too_deep from None
    _check(value, root, max_depth, too_deep)
    return value


def _check(value: Any, path: str, max_depth: int, too_deep: UnsafeJSON) -> None:
    """Walk the document without recursion: refuse deep nesting and text that cannot be stored."""
    stack = [(value, path, 0)]
    while stack:
        node, where, depth = stack.pop()
        if isinstance(node, (dict, list)) and depth >= max_depth:
            raise too_deep
        if node is _HUGE:
            raise UnsafeJSON(where or "body", f"a number of more than {MAX_INTEGER_DIGITS} "
                             "digits", "number_too_large")
        if isinstance(node, str):
            problem = text_problem(node)
            if problem:
                raise UnsafeJSON(where or "body", problem, "invalid_text")
        elif isinstance(node, dict):
            for key, item in node.items():
                child = f"{where}.{key}" if where else str(key)
                problem = text_problem(key)
                if problem:
                    raise UnsafeJSON(child.encode("unicode_escape").decode("ascii"),
                                     f"a key {problem}", "invalid_text")
                stack.append((item, child, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, f"{where}.{index}" if where else str(index), depth + 1)
                         for index, item in enumerate(node))
