"""Course texts are language maps ``{"fi", "sv", "en"}``; these helpers pick one language.

Finnish is the course's primary language, so it is the fallback when a requested language is
unknown or a text is missing in it.
"""
from __future__ import annotations

from typing import Any

LANGUAGES = ("fi", "sv", "en")
PRIMARY_LANGUAGE = "fi"


def pick_language(requested: str | None) -> str:
    """``requested`` when it is one of the course languages, otherwise Finnish."""
    return requested if requested in LANGUAGES else PRIMARY_LANGUAGE


def text_in(value: Any, language: str) -> Any:
    """The text of a language map in ``language`` (falling back to Finnish, then any
    language); values that are not language maps are returned unchanged."""
    if not isinstance(value, dict):
        return value
    for candidate in (language, PRIMARY_LANGUAGE, *LANGUAGES):
        if value.get(candidate):
            return value[candidate]
    return ""
