"""One unit of a draft or a published version, as the trainer's preview page shows it.

Each unit has its own page (a whole course on one page was tens of thousands of pixels and
seconds to render), with an index of every unit to jump between them.  The questions are
presented by the learner quiz form's own presenter and carry the answer key and the ground
(``source``) of each question, which only trainers see (shared with
:mod:`elearn.web.trainer_preview`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from elearn.content.build import CourseBuild, UnitBuild
from elearn.web.trainer_preview import AnswerKey, answer_keys, present_unit


@dataclass
class UnitPage:
    build: CourseBuild
    unit: UnitBuild
    number: int  # 1-based position in the course
    questions: list[dict[str, Any]]
    answers: list[AnswerKey]
    previous: UnitBuild | None
    next: UnitBuild | None


def unit_page(build: CourseBuild, unit_key: str, language: str) -> UnitPage | None:
    """The page of unit ``unit_key`` in ``language`` (None when the course has no such unit)."""
    for index, unit in enumerate(build.units):
        if unit.key == unit_key:
            return UnitPage(
                build=build, unit=unit, number=index + 1,
                questions=present_unit(unit, language),
                answers=answer_keys(unit, build.sources, language),
                previous=build.units[index - 1] if index > 0 else None,
                next=build.units[index + 1] if index + 1 < len(build.units) else None)
    return None


__all__ = ["UnitPage", "unit_page"]
