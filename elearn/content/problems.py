"""Problems found in course files, reported as ``path:line: message``.

Authors fix course files in an editor; ``path:line:`` is the form editors and terminals turn
into a jump to the spot, so every check reports a file and a line, never just "invalid".
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One rule broken at one place.

    ``path`` is the file's path as the course folder was given (the PATH argument joined with
    the file's place inside it), ``line`` is 1-based.
    """

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Problems by file, then line (on one line in the order they were found: the order
    of the text); duplicates dropped."""
    return sorted(dict.fromkeys(problems), key=lambda problem: (problem.path, problem.line))


class Collector:
    """Collects problems for one file, so checks can keep going after the first one."""

    def __init__(self, path: str, sink: list[Problem]):
        self.path = path
        self.sink = sink

    def add(self, line: int, message: str) -> None:
        self.sink.append(Problem(self.path, max(int(line), 1), message))
