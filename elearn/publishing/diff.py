"""What publishing a draft would change, compared with the course's newest version.

Items are matched by the author's ids (unit ``id``, question ``id``, choice/pair/item
``id``), never by position, so a reordering reads as a reordering and not as everything
changed.  For each unit and question the diff shows the xAPI activity id it has now and the
one it would get, computed by the importer's own rules
(:func:`elearn.content.importer.planned_activity_keys`): an item keeps its id while its
meaning is unchanged, so statements about it stay comparable across versions.

It also counts the learners who are mid-course on an older version: they stay there when the
draft is published (enrolments are pinned) and are the ones a trainer may move to the new
version afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearn.content.build import CourseBuild, QuestionBuild, UnitBuild
from elearn.content.importer import planned_activity_keys
from elearn.models import Course, CourseVersion, Enrolment, Question, Unit
from elearn.publishing.builds import find_version, version_build
from elearn.publishing.models import CourseDraft

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"
LANGUAGE_FIELDS = ("title", "objectives", "content_html")
UNIT_FIELDS = ("title", "objectives", "content_html", "sources", "estimated_minutes",
               "pass_mark", "max_attempts", "draw_count", "reflections")
OPTION_LISTS = {"single_choice": "choices", "multiple_choice": "choices",
                "matching": "pairs", "ordering": "items"}


@dataclass
class OptionChange:
    """A choice, matching pair or ordering item added, removed or changed."""

    key: str
    status: str
    text: Any  # language map (the new one, or the old one when removed)


@dataclass
class QuestionChange:
    key: str
    status: str
    prompt: Any
    fields: list[str] = field(default_factory=list)  # which parts changed
    options: list[OptionChange] = field(default_factory=list)
    activity_now: str | None = None
    activity_next: str | None = None

    @property
    def keeps_activity(self) -> bool:
        return self.activity_now is not None and self.activity_now == self.activity_next


@dataclass
class UnitChange:
    key: str
    status: str
    title: Any
    fields: list[str] = field(default_factory=list)
    questions: list[QuestionChange] = field(default_factory=list)
    activity_now: str | None = None
    activity_next: str | None = None

    @property
    def keeps_activity(self) -> bool:
        return self.activity_now is not None and self.activity_now == self.activity_next


@dataclass
class CourseDiff:
    slug: str
    base_number: int | None  # the version compared with (None: a new course)
    next_number: int  # the number publishing would give
    identical: bool  # same content hash: publishing would create no version
    course_fields: list[str] = field(default_factory=list)
    units: list[UnitChange] = field(default_factory=list)
    learners_mid_course: int = 0

    @property
    def changed_units(self) -> list[UnitChange]:
        return [unit for unit in self.units if unit.status != UNCHANGED]

    @property
    def is_empty(self) -> bool:
        return not self.course_fields and not self.changed_units

    def count(self, status: str) -> dict[str, int]:
        """How many units, questions and options have ``status``."""
        questions = [q for u in self.units for q in u.questions]
        return {"units": sum(u.status == status for u in self.units),
                "questions": sum(q.status == status for q in questions),
                "options": sum(o.status == status for q in questions for o in q.options)}


def _options(question: QuestionBuild | None) -> dict[str, dict[str, Any]]:
    if question is None:
        return {}
    name = OPTION_LISTS.get(question.type)
    return {str(option["id"]): option for option in question.data.get(name or "", [])
            if isinstance(option, dict)} if name else {}


def _option_text(option: dict[str, Any]) -> Any:
    return option.get("text") or option.get("source") or option.get("id")


def _option_changes(old: QuestionBuild | None, new: QuestionBuild | None) -> list[OptionChange]:
    before, after = _options(old), _options(new)
    changes = []
    for key, option in after.items():
        if key not in before:
            changes.append(OptionChange(key, ADDED, _option_text(option)))
        elif before[key] != option:
            changes.append(OptionChange(key, CHANGED, _option_text(option)))
    changes += [OptionChange(key, REMOVED, _option_text(option))
                for key, option in before.items() if key not in after]
    return changes


def _question_fields(old: QuestionBuild, new: QuestionBuild) -> list[str]:
    fields = []
    if old.type != new.type:
        fields.append("type")
    if old.points != new.points:
        fields.append("points")
    listed = OPTION_LISTS.get(new.type)
    for key in sorted(set(old.data) | set(new.data)):
        if key in ("id", "type") or key == listed:
            continue
        if old.data.get(key) != new.data.get(key):
            fields.append(key)
    if listed and [str(o.get("id")) for o in old.data.get(listed, [])] \
            != [str(o.get("id")) for o in new.data.get(listed, [])]:
        fields.append(f"{listed} order")
    return fields


def _unit_fields(old: UnitBuild, new: UnitBuild) -> list[str]:
    fields = []
    for name in UNIT_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        if name in LANGUAGE_FIELDS and isinstance(before, dict) and isinstance(after, dict):
            fields += [f"{name} ({language})" for language in ("fi", "sv", "en")
                       if before.get(language) != after.get(language)]
        else:
            fields.append(name)
    if [q.key for q in old.questions] != [q.key for q in new.questions]:
        fields.append("question order")
    return fields


def _compare_unit(old: UnitBuild | None, new: UnitBuild | None) -> UnitChange:
    if old is None or new is None:
        unit = new or old
        status = ADDED if old is None else REMOVED
        return UnitChange(unit.key, status, unit.title, questions=[
            QuestionChange(q.key, status, q.data.get("prompt"), options=[])
            for q in unit.questions])
    change = UnitChange(new.key, UNCHANGED if old.content_hash == new.content_hash else CHANGED,
                        new.title, fields=_unit_fields(old, new))
    before = {q.key: q for q in old.questions}
    after = {q.key: q for q in new.questions}
    for key, question in after.items():
        if key not in before:
            change.questions.append(QuestionChange(key, ADDED, question.data.get("prompt"),
                                                   options=_option_changes(None, question)))
        else:
            same = before[key].data == question.data and before[key].points == question.points \
                and before[key].type == question.type
            change.questions.append(QuestionChange(
                key, UNCHANGED if same else CHANGED, question.data.get("prompt"),
                fields=[] if same else _question_fields(before[key], question),
                options=_option_changes(before[key], question)))
    change.questions += [QuestionChange(key, REMOVED, question.data.get("prompt"))
                         for key, question in before.items() if key not in after]
    return change


def learners_mid_course(session: Session, slug: str) -> int:
    """Learners with an unfinished, unmoved enrolment on some version of course ``slug``."""
    return session.scalar(
        select(func.count(func.distinct(Enrolment.user_id)))
        .join(CourseVersion, CourseVersion.id == Enrolment.version_id)
        .join(Course, Course.id == CourseVersion.course_id)
        .where(Course.slug == slug, Enrolment.completed_at.is_(None),
               Enrolment.moved_to_id.is_(None))) or 0


def diff_builds(session: Session, build: CourseBuild, base: CourseVersion | None) -> CourseDiff:
    """Compare ``build`` (what would be published) with the published version ``base``."""
    planned = planned_activity_keys(session, build)
    old = version_build(base) if base is not None else None
    result = CourseDiff(slug=build.slug, base_number=base.number if base is not None else None,
                        next_number=planned.number,
                        identical=old is not None and old.content_hash == build.content_hash)
    if old is not None:
        fields_old = old.course_fields()
        fields_new = build.course_fields()
        result.course_fields = [name for name in fields_new if fields_old[name] != fields_new[name]]
        result.learners_mid_course = learners_mid_course(session, build.slug)
    before = {unit.key: unit for unit in (old.units if old is not None else [])}
    after = {unit.key: unit for unit in build.units}
    current_units: dict[str, Unit] = {u.unit_key: u for u in base.units} if base else {}
    for key, unit in after.items():
        change = _compare_unit(before.get(key), unit)
        _note_activities(change, current_units.get(key), planned.units[key],
                         planned.questions[key])
        result.units.append(change)
    for key, unit in before.items():
        if key not in after:
            change = _compare_unit(unit, None)
            _note_activities(change, current_units.get(key), None, {})
            result.units.append(change)
    return result


def _note_activities(change: UnitChange, current: Unit | None, unit_next: str | None,
                     questions_next: dict[str, str]) -> None:
    change.activity_now = current.activity_key if current is not None else None
    change.activity_next = unit_next
    now: dict[str, Question] = {q.question_key: q for q in current.questions} if current else {}
    for question in change.questions:
        question.activity_now = now[question.key].activity_key if question.key in now else None
        question.activity_next = questions_next.get(question.key)


def diff_draft(session: Session, draft: CourseDraft) -> CourseDiff:
    """The draft compared with the newest published version of its course."""
    from elearn.publishing.drafts import draft_build

    return diff_builds(session, draft_build(draft), find_version(session, draft.slug))


__all__ = ["ADDED", "CHANGED", "REMOVED", "UNCHANGED", "CourseDiff", "OptionChange",
           "QuestionChange", "UnitChange", "diff_builds", "diff_draft", "learners_mid_course"]
