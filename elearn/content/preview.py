"""Preview a course folder as it would be published, without touching the database.

A trainer page can show the rendered units and quizzes of the files on disk (or the
problems that stop them from being published) before anyone runs the import.
"""
from __future__ import annotations

import os

from elearn.content.build import CourseBuild, build_course
from elearn.content.loader import load_course
from elearn.content.media import MediaStore
from elearn.content.problems import Problem


def preview_course(path: str | os.PathLike[str],
                   media_dir: str | os.PathLike[str]) -> tuple[CourseBuild | None, list[Problem]]:
    """Load, validate and render one course folder.

    Returns ``(build, [])`` when valid (images copied into ``media_dir`` so ``/media/`` can
    show them) or ``(None, problems)``.
    """
    course, problems = load_course(path)
    if problems:
        return None, problems
    return build_course(course, MediaStore(media_dir)), []
