"""Turn a validated course into plain data, ready to store or to preview.

The importer stores exactly this; a trainer preview shows exactly this, without touching
the database.  Hashes are taken over the normalised data (parsed YAML, not its formatting;
rendered HTML, which names images by their content hash), so reformatting a file changes
nothing while any learner-visible change does.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from elearn.content.loader import LANGUAGES, LoadedCourse, LoadedUnit
from elearn.content.markdown_check import local_file
from elearn.content.media import MediaStore
from elearn.content.render import render_markdown

ID_KEYS = {"id"}


@dataclass
class QuestionBuild:
    key: str
    type: str
    points: float
    data: dict[str, Any]  # the question as written (language maps), without ``points``


@dataclass
class ReflectionBuild:
    key: str
    prompt: dict[str, str]
    min_length: int


@dataclass
class UnitBuild:
    folder: str
    key: str
    title: dict[str, str]
    objectives: dict[str, list[str]]
    sources: list[str]
    estimated_minutes: int
    content_html: dict[str, str]
    pass_mark: float
    max_attempts: int
    draw_count: int | None
    questions: list[QuestionBuild] = field(default_factory=list)
    reflections: list[ReflectionBuild] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        data = asdict(self)
        data.pop("folder")  # renaming a folder is not a change learners see
        return digest(data)


@dataclass
class CourseBuild:
    slug: str
    title: dict[str, str]
    description: dict[str, str]
    mastery_score: float
    sources: list[dict[str, str]]
    units: list[UnitBuild]

    def course_fields(self) -> dict[str, Any]:
        """Course-level data (not the units' content): what ``course.yaml`` decides."""
        return {"title": self.title, "description": self.description,
                "mastery_score": self.mastery_score, "sources": self.sources,
                "units": [unit.key for unit in self.units]}

    @property
    def content_hash(self) -> str:
        return digest({"course": self.course_fields(),
                       "units": [unit.content_hash for unit in self.units]})


def digest(data: Any) -> str:
    """SHA-256 of the canonical JSON of ``data``."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plain(value: Any) -> Any:
    """YMap/YList trees as plain dicts and lists; ids as strings."""
    if isinstance(value, dict):
        return {str(key): (str(item) if key in ID_KEYS else plain(item))
                for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def answer_key(data: dict[str, Any]) -> str:
    """The *meaning* of a question: its type and normalised correct answer.  A question
    keeps its xAPI activity key across versions only while this is unchanged."""
    kind = data["type"]
    if kind == "single_choice":
        answer: Any = [c["id"] for c in data["choices"] if c.get("correct") is True]
    elif kind == "multiple_choice":
        answer = sorted(c["id"] for c in data["choices"] if c.get("correct") is True)
    elif kind == "true_false":
        answer = bool(data["answer"])
    elif kind == "matching":
        answer = sorted(p["id"] for p in data["pairs"])
    else:
        answer = [item["id"] for item in data["items"]]
    return json.dumps({"type": kind, "answer": answer}, sort_keys=True)


def _render_unit_content(course: LoadedCourse, unit: LoadedUnit,
                         media: MediaStore) -> dict[str, str]:
    html: dict[str, str] = {}
    for language in LANGUAGES:
        text_file = unit.content[language]
        base_dir: Path = text_file.fs_path.parent

        def resolve(url: str, base_dir: Path = base_dir) -> str | None:
            target = local_file(url, base_dir, course.dir)
            if target is None or not target.is_file():
                return None
            fragment = url.partition("#")[2]
            return media.url(media.add(target)) + (f"#{fragment}" if fragment else "")

        html[language] = render_markdown(text_file.text or "", resolve)
    return html


def build_unit(course: LoadedCourse, unit: LoadedUnit, media: MediaStore) -> UnitBuild:
    data = unit.data
    assert data is not None, "build only validated courses"
    quiz = data["quiz"]
    questions = []
    for raw in quiz["questions"]:
        question = plain(raw)
        points = question.pop("points", 1)
        questions.append(QuestionBuild(key=question["id"], type=question["type"],
                                       points=float(points), data=question))
    reflections = [ReflectionBuild(key=str(raw["id"]), prompt=plain(raw["prompt"]),
                                   min_length=int(raw.get("min_length", 0)))
                   for raw in data.get("reflections") or []]
    return UnitBuild(
        folder=unit.folder, key=str(data["id"]), title=plain(data["title"]),
        objectives=plain(data["objectives"]), sources=plain(data.get("sources") or []),
        estimated_minutes=int(data.get("estimated_minutes", 0)),
        content_html=_render_unit_content(course, unit, media),
        pass_mark=float(quiz["pass_mark"]), max_attempts=int(quiz.get("max_attempts", 0)),
        draw_count=int(quiz["draw"]) if "draw" in quiz else None,
        questions=questions, reflections=reflections)


def build_course(course: LoadedCourse, media: MediaStore) -> CourseBuild:
    """The publishable data of a *validated* course; copies its media into ``media``."""
    data = course.data
    assert data is not None, "build only validated courses"
    return CourseBuild(
        slug=course.slug, title=plain(data["title"]), description=plain(data["description"]),
        mastery_score=float(data["mastery_score"]), sources=plain(data.get("sources") or []),
        units=[build_unit(course, unit, media) for unit in course.units])
