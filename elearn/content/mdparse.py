"""The one Markdown dialect of course files: CommonMark plus tables.

Both the validator and the renderer parse with these settings so that what is checked is
what is rendered.  The checking parser sees raw HTML and every link (nothing is silently
dropped), so it can report them; the rendering parser never passes HTML through.
"""
from __future__ import annotations

from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token


def checking_parser() -> MarkdownIt:
    """Parses raw HTML into html tokens and accepts every link URL, so both can be reported."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def rendering_parser() -> MarkdownIt:
    """Raw HTML is escaped as text; markdown-it's own link check drops javascript: etc."""
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def walk_inline(tokens: list[Token]) -> Iterator[tuple[Token, int]]:
    """Every inline child token with its 1-based source line.

    Children carry no line map; we count the line breaks seen since the start of their block.
    """
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        line = (token.map[0] + 1) if token.map else 1
        for child in token.children:
            if child.type in {"softbreak", "hardbreak"}:
                line += 1
                continue
            yield child, line
            if child.type == "image" and child.children:
                for grandchild in child.children:
                    yield grandchild, line
