"""The Learning Record Stores statements are delivered to (``ELEARN_LRS_DESTINATIONS``).

The setting is a JSON list of objects::

    [{"name": "eoppiva", "endpoint": "https://lrs.example.fi/xAPI/",
      "username": "key", "password": "secret",
      "courses": ["verkostojohtaminen"], "batch_size": 50, "timeout": 10}]

``courses``, ``batch_size`` and ``timeout`` are optional (all courses,
``ELEARN_XAPI_BATCH_SIZE``, ``ELEARN_XAPI_TIMEOUT_SECONDS``).  The list is validated once at
start-up so a typo stops the service with one line naming ``ELEARN_LRS_DESTINATIONS[i].field``
instead of failing later in the worker.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from elearn.config import SettingError

SETTING = "ELEARN_LRS_DESTINATIONS"
_KNOWN_FIELDS = {"name", "endpoint", "username", "password", "courses", "batch_size", "timeout"}
_NAME_MAX = 100


@dataclass(frozen=True)
class Destination:
    """One LRS.  ``endpoint`` always ends with ``/`` (statements go to
    ``<endpoint>statements``); ``courses`` empty means every course."""

    name: str
    endpoint: str
    username: str
    password: str = field(repr=False)
    courses: tuple[str, ...] = ()
    batch_size: int = 100
    timeout: float = 10.0

    def accepts(self, course_slug: str) -> bool:
        """Whether statements of ``course_slug`` go to this destination."""
        return not self.courses or course_slug in self.courses

    @property
    def statements_url(self) -> str:
        return self.endpoint + "statements"

    def __repr__(self) -> str:  # never show the password, even in tracebacks or logs
        return (f"Destination(name={self.name!r}, endpoint={self.endpoint!r}, "
                f"username={self.username!r}, password='***', courses={self.courses!r}, "
                f"batch_size={self.batch_size!r}, timeout={self.timeout!r})")


def parse_destinations(raw: Any, *, default_batch_size: int = 100,
                       default_timeout: float = 10.0) -> list[Destination]:
    """Validate the setting's value (a list, or its JSON text) into destinations."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else []
        except json.JSONDecodeError as exc:
            raise SettingError(f"{SETTING}: expected JSON ({exc.msg})") from None
    if not isinstance(raw, list):
        raise SettingError(f"{SETTING}: expected a JSON list of objects")
    found: list[Destination] = []
    names: set[str] = set()
    for index, item in enumerate(raw):
        where = f"{SETTING}[{index}]"
        if not isinstance(item, dict):
            raise SettingError(f"{where}: expected an object")
        unknown = sorted(set(item) - _KNOWN_FIELDS)
        if unknown:
            raise SettingError(f"{where}.{unknown[0]}: unknown field")
        name = _text(item, "name", where)
        if len(name) > _NAME_MAX:
            raise SettingError(f"{where}.name: at most {_NAME_MAX} characters")
        if name in names:
            raise SettingError(f"{where}.name: {name!r} is used twice")
        names.add(name)
        endpoint = _text(item, "endpoint", where)
        parts = urlsplit(endpoint)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise SettingError(f"{where}.endpoint: expected an http:// or https:// URL")
        if parts.query or parts.fragment:
            raise SettingError(f"{where}.endpoint: must not have a query or fragment")
        if not endpoint.endswith("/"):
            endpoint += "/"
        username = _text(item, "username", where)
        password = _text(item, "password", where)
        courses = item.get("courses", [])
        if not isinstance(courses, list) or not all(
                isinstance(c, str) and c.strip() for c in courses):
            raise SettingError(f"{where}.courses: expected a list of course slugs")
        batch_size = item.get("batch_size", default_batch_size)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise SettingError(f"{where}.batch_size: expected a positive integer")
        timeout = item.get("timeout", default_timeout)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise SettingError(f"{where}.timeout: expected a positive number of seconds")
        found.append(Destination(name=name, endpoint=endpoint, username=username,
                                 password=password, courses=tuple(courses),
                                 batch_size=batch_size, timeout=float(timeout)))
    return found


def _text(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SettingError(f"{where}.{key}: required, a non-empty string")
    return value


def destinations(app: Flask) -> list[Destination]:
    """The app's destinations (parsed once and cached on the app)."""
    cached = app.extensions.get("elearn.xapi.destinations")
    if cached is None:
        cached = parse_destinations(
            app.config.get("LRS_DESTINATIONS", []),
            default_batch_size=int(app.config.get("XAPI_BATCH_SIZE", 100)),
            default_timeout=float(app.config.get("XAPI_TIMEOUT_SECONDS", 10.0)))
        app.extensions["elearn.xapi.destinations"] = cached
    return list(cached)


def destination_named(app: Flask, name: str) -> Destination | None:
    return next((d for d in destinations(app) if d.name == name), None)


__all__ = ["Destination", "destination_named", "destinations", "parse_destinations"]
