"""The learner-independent part of the unit page, rendered once per published unit and
language.

A unit's objectives and content (its largest part, sanitised HTML in three languages) are
the same for every learner, and a published version never changes: a new import publishes a
new version.  So that part is rendered from ``learner/_unit_content.html`` once per process
and kept, and the unit row is read without its content columns (they are read only to
render a unit not yet kept).  Everything about the learner — status, attempts, quiz form,
saved reflections, the CSRF token — is rendered per request around it.

The key names the version by id, ``published_at`` and ``content_hash`` and the unit by id
and ``content_hash`` (ids can be reused after a database is emptied), plus the interface
language and the request's script root.  Bounded: cleared whole when full.
"""
from __future__ import annotations

import threading
from typing import Any

from flask import render_template, request
from markupsafe import Markup
from sqlalchemy import inspect
from sqlalchemy.orm import object_session

from elearn.i18n import current_language
from elearn.models import CourseVersion, Unit

MAX_FRAGMENTS = 1024
_cache: dict[tuple[Any, ...], Markup] = {}
_lock = threading.Lock()


def unit_content(version: CourseVersion, unit: Unit) -> Markup:
    """The objectives and content sections of ``unit`` in the interface language."""
    key = (version.id, version.published_at, version.content_hash, unit.id,
           unit.content_hash, current_language(), request.script_root)
    found = _cache.get(key)
    if found is not None:
        return found
    unloaded = inspect(unit).unloaded & {"objectives", "content_html"}
    if unloaded:  # read without them (elearn.services.learning.unit_of): one query for both
        object_session(unit).refresh(unit, attribute_names=sorted(unloaded))
    html = Markup(render_template("learner/_unit_content.html", unit=unit))
    with _lock:
        if len(_cache) >= MAX_FRAGMENTS:
            _cache.clear()
        _cache[key] = html
    return html


def clear() -> None:
    """Forget every kept fragment (for tests that rewrite a unit's rows in place)."""
    with _lock:
        _cache.clear()
