"""YAML with line numbers.

PyYAML's ``safe_load`` forgets where a value came from, but every problem in a course file
must name its line.  We compose the node tree with the safe loader and convert it ourselves
into dicts and lists that remember the line of each key and value.  Duplicate keys (silently
overwritten by PyYAML) are reported instead.

Course files come from people and from uploaded folders, so the reader is also a boundary.
Before the tree is built, one pass over the parser's events refuses what a course never
needs and an attacker would: anchors and aliases (an alias "bomb" expands exponentially when
converted), nesting deeper than :data:`MAX_DEPTH` (the composer recurses per level) and files
over :data:`MAX_CHARACTERS`.  Values that cannot become data (integers of thousands of digits,
impossible dates, NUL characters or lone surrogates from escapes) are problems on their line,
never tracebacks.
"""
from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from elearn.security.text import text_problem

MAX_CHARACTERS = 1_000_000
MAX_DEPTH = 40
MAX_INTEGER_DIGITS = 30
_INT_TAG = "tag:yaml.org,2002:int"


class YMap(dict):
    """A mapping that remembers its own line and the line of each key and value."""

    line: int
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]
    source_texts: dict[Any, str]  # plain values as written (YAML reads 010 as 8)

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self.key_lines = {}
        self.value_lines = {}
        self.source_texts = {}

    def key_line(self, key: Any, default: int | None = None) -> int:
        return self.key_lines.get(key, self.line if default is None else default)

    def value_line(self, key: Any, default: int | None = None) -> int:
        return self.value_lines.get(key, self.line if default is None else default)


class YList(list):
    """A sequence that remembers its own line and the line of each item."""

    line: int
    item_lines: list[int]

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self.item_lines = []

    def item_line(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class YAMLProblem(Exception):
    """A problem that stops reading the file (syntax error) or a list of lesser ones."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Converter:
    def __init__(self, loader: Any):
        self.loader = loader
        self.problems: list[tuple[int, str]] = []
        self.active: set[int] = set()

    def scalar(self, node: ScalarNode) -> Any:
        """The value of a plain or quoted scalar; None (and a problem) when it has none."""
        if node.tag == _INT_TAG and len(node.value) > MAX_INTEGER_DIGITS:
            self.problems.append((_line(node), f"a number of more than {MAX_INTEGER_DIGITS} "
                                               "digits"))
            return None
        try:
            value = self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            self.problems.append((_line(node), f"cannot read the value {node.value[:40]!r} "
                                               f"({exc.__class__.__name__})"))
            return None
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                self.problems.append((_line(node), f"the text {problem}"))
                return None
        return value

    def convert(self, node: Node) -> Any:
        if id(node) in self.active:
            raise YAMLProblem(_line(node), "recursive YAML alias")
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                result = YList(_line(node))
                for item in node.value:
                    result.append(self.convert(item))
                    result.item_lines.append(_line(item))
                return result
            if isinstance(node, MappingNode):
                self.loader.flatten_mapping(node)
                result = YMap(_line(node))
                for key_node, value_node in node.value:
                    if not isinstance(key_node, ScalarNode):
                        self.problems.append((_line(key_node), "a key must be a plain value"))
                        continue
                    key = self.scalar(key_node)
                    if key is None:
                        continue
                    if key in result:
                        self.problems.append(
                            (_line(key_node), f"duplicate key {key!r} (first on line "
                                              f"{result.key_lines[key]})"))
                        continue
                    result[key] = self.convert(value_node)
                    result.key_lines[key] = _line(key_node)
                    result.value_lines[key] = _line(value_node)
                    if isinstance(value_node, ScalarNode):
                        result.source_texts[key] = value_node.value
                return result
        finally:
            self.active.discard(id(node))
        raise YAMLProblem(_line(node), "unsupported YAML node")  # pragma: no cover


# libyaml's parser is ~10x faster than the pure-Python one (it ships in PyYAML's wheels).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> tuple[Any, list[tuple[int, str]]]:
    """Parse one YAML document into YMap/YList/scalars.

    Returns the data (None for an empty document) and lesser problems as (line, message);
    raises :class:`YAMLProblem` when the text is not YAML at all.
    """
    if len(text) > MAX_CHARACTERS:
        raise YAMLProblem(1, f"the file is longer than {MAX_CHARACTERS:,} characters")
    loader = _Loader(text)
    try:
        _screen(text)
        node = loader.get_single_node()
        if node is None:
            return None, []
        converter = _Converter(loader)
        data = converter.convert(node)
        return data, converter.problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = ": ".join(part for part in (exc.context, exc.problem) if part)
        raise YAMLProblem(line, f"YAML syntax error: {message}") from None
    except yaml.YAMLError as exc:
        raise YAMLProblem(1, f"YAML error: {exc}") from None
    finally:
        loader.dispose()


def _screen(text: str) -> None:
    """Refuse anchors, aliases and deep nesting from the event stream, before composing."""
    loader = _Loader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            line = event.start_mark.line + 1
            if isinstance(event, AliasEvent):
                raise YAMLProblem(line, "YAML aliases (*name) are not allowed in course files; "
                                        "write the value out")
            if isinstance(event, NodeEvent) and event.anchor is not None:
                raise YAMLProblem(line, "YAML anchors (&name) are not allowed in course files")
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YAMLProblem(line, f"nested more than {MAX_DEPTH} levels deep")
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()
