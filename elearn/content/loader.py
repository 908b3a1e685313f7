"""Read a course folder from disk: ``course.yaml``, ``units/<folder>/unit.yaml`` and
``content.{fi,sv,en}.md``, keeping the line of every YAML node.

Reading and checking are separate steps (see :mod:`elearn.content.validator`);
:func:`load_course` does both, because a course is only usable once it is known to be valid.

Paths in problems are the folder *as given* joined with the file's place inside it, so
``elearn courses validate courses/`` prints ``courses/<slug>/units/...`` (clickable from
where the command ran) and an absolute PATH gives absolute paths.  A missing file is
reported at line 1 of its own path.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elearn.content.problems import Problem, sort_problems
from elearn.content.yamlsource import YAMLProblem, YMap, parse_yaml
from elearn.security.text import text_problem, unstorable_at

LANGUAGES = ("fi", "sv", "en")
COURSE_FILE = "course.yaml"
UNIT_FILE = "unit.yaml"
UNITS_DIR = "units"


@dataclass
class TextFile:
    """A file's text with where it lives (on disk) and how problems name it."""

    fs_path: Path
    display: str
    text: str | None = None  # None when missing or unreadable


@dataclass
class YAMLFile(TextFile):
    data: Any = None  # YMap/YList/scalar tree; None when missing, empty or unparsable


@dataclass
class LoadedUnit:
    """One unit folder as read from disk (not yet known to be valid)."""

    folder: str
    dir: Path
    display_dir: str
    unit_file: YAMLFile
    content: dict[str, TextFile] = field(default_factory=dict)  # language -> Markdown file
    extra_content: list[TextFile] = field(default_factory=list)  # content.<other>.md

    @property
    def data(self) -> YMap | None:
        return self.unit_file.data if isinstance(self.unit_file.data, YMap) else None


@dataclass
class LoadedCourse:
    """A course folder as read from disk.

    ``slug`` is the folder's name; ``unit_folders`` holds every folder under ``units/``;
    :attr:`units` lists the ones named in ``course.yaml`` in that order.
    """

    slug: str
    dir: Path
    display_dir: str
    course_file: YAMLFile
    unit_folders: dict[str, LoadedUnit] = field(default_factory=dict)

    @property
    def data(self) -> YMap | None:
        return self.course_file.data if isinstance(self.course_file.data, YMap) else None

    @property
    def units(self) -> list[LoadedUnit]:
        data = self.data
        listed = data.get("units") if data is not None else None
        if not isinstance(listed, list):
            return []
        seen: set[str] = set()
        result = []
        for name in listed:
            if isinstance(name, str) and name in self.unit_folders and name not in seen:
                seen.add(name)
                result.append(self.unit_folders[name])
        return result


def _display(base: str, *parts: str) -> str:
    return os.path.normpath(os.path.join(base, *parts))


def _read_text(file: TextFile, problems: list[Problem]) -> None:
    if not file.fs_path.is_file():
        problems.append(Problem(file.display, 1, "file is missing"))
        return
    try:
        file.text = file.fs_path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(file.display, 1 + file.fs_path.read_bytes()[:exc.start].count(b"\n"),
                                "not UTF-8 text"))
        return
    except OSError as exc:
        problems.append(Problem(file.display, 1, f"cannot read the file ({exc.strerror})"))
        return
    where = unstorable_at(file.text)
    if where is not None:
        problem = text_problem(file.text[where])
        problems.append(Problem(file.display, 1 + file.text.count("\n", 0, where),
                                f"the file {problem}"))
        file.text = None


def _read_yaml(fs_path: Path, display: str, problems: list[Problem]) -> YAMLFile:
    file = YAMLFile(fs_path, display)
    _read_text(file, problems)
    if file.text is None:
        return file
    try:
        file.data, minor = parse_yaml(file.text)
    except YAMLProblem as exc:
        problems.append(Problem(display, exc.line, exc.message))
        return file
    problems.extend(Problem(display, line, message) for line, message in minor)
    if file.data is None:
        problems.append(Problem(display, 1, "file is empty"))
    elif not isinstance(file.data, YMap):
        problems.append(Problem(display, 1, "expected a mapping of fields (key: value)"))
    return file


def _read_unit(course_dir: Path, display_dir: str, folder: str,
               problems: list[Problem]) -> LoadedUnit:
    unit_dir = course_dir / UNITS_DIR / folder
    unit_display = _display(display_dir, UNITS_DIR, folder)
    unit = LoadedUnit(folder, unit_dir, unit_display,
                      _read_yaml(unit_dir / UNIT_FILE, _display(unit_display, UNIT_FILE), problems))
    for language in LANGUAGES:
        name = f"content.{language}.md"
        text_file = TextFile(unit_dir / name, _display(unit_display, name))
        _read_text(text_file, problems)
        unit.content[language] = text_file
    for path in sorted(unit_dir.glob("content.*.md")):
        language = path.name[len("content."):-len(".md")]
        if language not in LANGUAGES:
            unit.extra_content.append(TextFile(path, _display(unit_display, path.name)))
    return unit


def read_course(path: str | os.PathLike[str]) -> tuple[LoadedCourse, list[Problem]]:
    """Read one course folder without checking its rules (only syntax problems)."""
    display_dir = os.path.normpath(os.fspath(path))
    course_dir = Path(path)
    problems: list[Problem] = []
    course = LoadedCourse(
        slug=course_dir.resolve().name, dir=course_dir, display_dir=display_dir,
        course_file=_read_yaml(course_dir / COURSE_FILE, _display(display_dir, COURSE_FILE),
                               problems))
    units_dir = course_dir / UNITS_DIR
    if units_dir.is_dir():
        for entry in sorted(units_dir.iterdir()):
            if entry.is_dir() and not entry.name.startswith("."):
                course.unit_folders[entry.name] = _read_unit(course_dir, display_dir,
                                                             entry.name, problems)
    return course, problems


def load_course(path: str | os.PathLike[str]) -> tuple[LoadedCourse, list[Problem]]:
    """Read and validate one course folder.

    Returns the course as read and every problem found (sorted by file and line); the
    course may be used (imported, previewed) only when the list is empty.
    """
    from elearn.content.validator import validate_course

    course, problems = read_course(path)
    problems.extend(validate_course(course))
    return course, sort_problems(problems)


def find_course_dirs(path: str | os.PathLike[str]) -> list[Path]:
    """``path`` itself when it holds a ``course.yaml``, else its sub-folders that do."""
    root = Path(path)
    if (root / COURSE_FILE).is_file():
        return [root]
    if not root.is_dir():
        return []
    return [entry for entry in sorted(root.iterdir())
            if entry.is_dir() and (entry / COURSE_FILE).is_file()]


def load_courses(path: str | os.PathLike[str]) -> tuple[list[LoadedCourse], list[Problem]]:
    """Load every course under ``path`` (a course folder or a folder of courses)."""
    dirs = find_course_dirs(path)
    given = os.fspath(path)
    if not dirs:
        return [], [Problem(_display(given, COURSE_FILE), 1,
                            "file is missing (PATH must be a course folder or a folder of "
                            "course folders)")]
    courses: list[LoadedCourse] = []
    problems: list[Problem] = []
    for course_dir in dirs:
        shown = given if course_dir == Path(path) else os.path.join(given, course_dir.name)
        course, found = load_course(shown)
        courses.append(course)
        problems.extend(found)
    return courses, sort_problems(problems)
