"""Finds sentences a course took over from its source texts.

Facts carry over from the sources, sentences do not: a course is written in its own words,
and whatever a named person or text said word for word stands in a Markdown blockquote whose
last line names the speaker (``> — Aino Jalonen, …``). This module finds every run of
``RUN_LENGTH`` or more consecutive words of a source text that appears anywhere else in a
course file. Words are compared after folding case and dropping punctuation and line breaks;
Finnish inflection is kept as written, so "verkostoon" and "verkostoa" are different words.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

RUN_LENGTH = 8
WORD = re.compile(r"[^\W_]+")
BLOCKQUOTE = re.compile(r"^\s{0,3}>")
ATTRIBUTION = re.compile(r"^\s*(?:—|–|--)\s*\w")

# A word and the line it stands on; None separates text that must not join into one run.
Token = tuple[str, int] | None


@dataclass(frozen=True)
class CopiedRun:
    path: Path
    line: int
    words: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: copied from a source: «{' '.join(self.words)}»"


def words(text: str) -> list[str]:
    """The text's words, case folded, without punctuation."""
    return [word.casefold() for word in WORD.findall(text)]


def source_runs(texts: Iterable[str], length: int = RUN_LENGTH) -> set[tuple[str, ...]]:
    """Every run of `length` consecutive words in the source texts."""
    runs: set[tuple[str, ...]] = set()
    for text in texts:
        found = words(text)
        runs.update(tuple(found[i:i + length]) for i in range(len(found) - length + 1))
    return runs


def _line_tokens(text: str, number: int) -> list[Token]:
    return [(word, number) for word in words(text)]


def markdown_tokens(text: str) -> list[Token]:
    """The words of a Markdown text, leaving out blockquotes that end in an attribution line.

    A blockquote without an attribution counts as the course's own text."""
    tokens: list[Token] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if not BLOCKQUOTE.match(lines[i]):
            tokens += _line_tokens(lines[i], i + 1)
            i += 1
            continue
        start = i
        while i < len(lines) and BLOCKQUOTE.match(lines[i]):
            i += 1
        quoted = [BLOCKQUOTE.sub("", line, count=1).lstrip(">").strip() for line in lines[start:i]]
        body = [line for line in quoted if line]
        tokens.append(None)
        if not (body and ATTRIBUTION.match(body[-1])):
            for offset, line in enumerate(quoted):
                tokens += _line_tokens(line, start + offset + 1)
            tokens.append(None)
    return tokens


def plain_tokens(text: str) -> list[Token]:
    """The words of a YAML (or other non-Markdown) file: no quotation is exempt there."""
    tokens: list[Token] = []
    for number, line in enumerate(text.splitlines(), start=1):
        tokens += _line_tokens(line, number)
    return tokens


def copied_runs(path: Path, text: str, runs: set[tuple[str, ...]],
                length: int = RUN_LENGTH) -> Iterator[CopiedRun]:
    """Each longest stretch of the file made of source runs, reported at its first line."""
    tokens = markdown_tokens(text) if path.suffix == ".md" else plain_tokens(text)
    i = 0
    while i + length <= len(tokens):
        window = tokens[i:i + length]
        if None not in window and tuple(t[0] for t in window) in runs:  # type: ignore[index]
            end = i + length
            while end < len(tokens) and tokens[end] is not None and tuple(
                    t[0] for t in tokens[end - length + 1:end + 1]) in runs:  # type: ignore[index]
                end += 1
            first = window[0]
            assert first is not None
            yield CopiedRun(path, first[1], tuple(t[0] for t in tokens[i:end]))  # type: ignore[index]
            i = end - length + 1
            continue
        i += 1


def course_files(courses: Path) -> list[Path]:
    """Every Markdown and YAML file of every course under `courses`."""
    return sorted(p for p in courses.rglob("*") if p.suffix in {".md", ".yaml", ".yml"})
