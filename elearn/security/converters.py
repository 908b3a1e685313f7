"""URL converters with the database's range: ``<int:...>`` ids and numbers fit in a column.

Werkzeug's ``int`` converter accepts any number of digits; a path such as
``/api/attempts/99999999999999999999`` then fails inside the database driver (SQLite's
``OverflowError``, PostgreSQL's ``NumericValueOutOfRange``).  Bounding the converter to a
signed 32-bit integer turns such paths into an ordinary 404 for every route at once.
"""
from __future__ import annotations

from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """``<int:name>`` limited to 0…2³¹−1 unless a route gives its own ``max``."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_ID if max is None else max, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(self.max)) + 1:  # never convert thousands of digits
            raise ValidationError()
        return super().to_python(value)


def parse_id(raw: str | None) -> int | None:
    """A database id from form or query text, or None when it cannot be one."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_ID)):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None
