"""Presentation helpers for learner pages: texts in the interface language, progress shaped
for templates, and the order in which matching targets and ordering items are shown.

Nothing here decides whether an answer is right or a unit complete; those rules live in the
learning service and are only read here.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import object_session

from elearn.i18n import current_language
from elearn.models import CourseVersion
from elearn.services.course_structure import UnitInfo, structure_of
from elearn.services.i18n_text import LANGUAGES, PRIMARY_LANGUAGE, text_in
from elearn.services.learning import CourseProgress, UnitStatus


def localised(value: Mapping[str, Any] | str | None) -> Any:
    """The interface-language entry of a course language map (Finnish when missing)."""
    if value is None:
        return ""
    return text_in(dict(value) if isinstance(value, Mapping) else value, current_language())


def content_language(value: Mapping[str, Any] | None) -> str:
    """The language :func:`localised` actually shows for ``value``, for the ``lang``
    attribute of course content (WCAG 3.1.2)."""
    if isinstance(value, Mapping):
        for candidate in (current_language(), PRIMARY_LANGUAGE, *LANGUAGES):
            if value.get(candidate):
                return candidate
    return current_language()


@dataclass
class UnitRow:
    """One unit with the learner's standing in it and a three-word status for people."""

    unit: UnitInfo
    state: UnitStatus

    @property
    def status(self) -> str:
        if self.state.complete:
            return "complete"
        if self.state.viewed or self.state.attempts_used or self.state.reflections_done:
            return "in_progress"
        return "not_started"

    def __getattr__(self, name: str) -> Any:  # attempts_left, best_score, quiz_passed, ...
        return getattr(self.state, name)

    @property
    def reflections_missing(self) -> bool:
        return self.state.reflections_done < self.state.reflections_total


@dataclass
class CourseView:
    """The service's :class:`CourseProgress` joined to the version's units for templates."""

    progress: CourseProgress
    units: list[UnitRow]

    @classmethod
    def of(cls, progress: CourseProgress, version: CourseVersion) -> CourseView:
        """Rows name their units by the version's cached structure (key, title, position),
        which is all the pages show of the other units; no unit rows are loaded."""
        structure = structure_of(object_session(version), version)
        return cls(progress, [UnitRow(unit, s) for s in progress.units
                              if (unit := structure.unit(s.unit_id)) is not None])

    @property
    def fraction(self) -> float:
        return self.progress.progress

    @property
    def units_complete(self) -> int:
        return self.progress.units_complete

    @property
    def units_total(self) -> int:
        return len(self.units)

    @property
    def completed(self) -> bool:
        return self.progress.completed_at is not None

    @property
    def completed_at(self) -> datetime | None:
        return self.progress.completed_at

    @property
    def score(self) -> float | None:
        return self.progress.score

    @property
    def passed(self) -> bool:
        return self.progress.passed

    @property
    def resume_unit(self) -> UnitInfo | None:
        return self._unit_by_key(self.progress.resume_unit_key)

    @property
    def next_incomplete_unit(self) -> UnitInfo | None:
        return self._unit_by_key(self.progress.next_unit_key)

    def unit(self, unit_key: str) -> UnitRow:
        return next(row for row in self.units if row.unit.unit_key == unit_key)

    def _unit_by_key(self, unit_key: str | None) -> UnitInfo | None:
        return next((row.unit for row in self.units if row.unit.unit_key == unit_key), None)
