"""Rules for the Markdown of a unit (``content.LANG.md``).

Raw HTML is refused (the sanitiser would silently drop it, and authors should know),
headings start at ``##`` (the page supplies the ``#`` title, so the outline stays valid for
screen readers), images need alt text and must be files in the course folder (the page's
content policy serves images only from this site), and links are limited to https, http,
mailto and relative files that exist.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from elearn.content.mdparse import checking_parser, walk_inline
from elearn.content.problems import Collector

IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
LINKED_FILE_TYPES = IMAGE_TYPES + (".pdf",)
LINK_SCHEMES = ("https", "http", "mailto")


def _snippet(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def local_file(url: str, base_dir: Path, course_dir: Path) -> Path | None:
    """The file a relative URL points at (query and fragment dropped), or None when it
    leaves the course folder."""
    path_part = unquote(urlsplit(url).path)
    if not path_part or path_part.startswith("/"):
        return None
    target = (base_dir / path_part).resolve()
    if not target.is_relative_to(course_dir.resolve()):
        return None
    return target


def _has_scheme(url: str) -> bool:
    scheme = urlsplit(url).scheme
    return bool(scheme) or url.startswith("//")


def check_markdown(text: str, base_dir: Path, course_dir: Path, out: Collector) -> None:
    """Report every rule broken in ``text`` (the Markdown of one file) to ``out``."""
    if not text.strip():
        out.add(1, "file is empty")
        return
    tokens = checking_parser().parse(text)
    for token in tokens:
        line = (token.map[0] + 1) if token.map else 1
        if token.type == "html_block":
            out.add(line, f"raw HTML is not allowed: {_snippet(token.content)}")
        elif token.type == "heading_open" and token.tag == "h1":
            out.add(line, "headings start at ## (the page supplies the # title)")
    for child, line in walk_inline(tokens):
        if child.type == "html_inline":
            out.add(line, f"raw HTML is not allowed: {_snippet(child.content)}")
        elif child.type == "image":
            _check_image(child.attrGet("src") or "", child.content, line, base_dir, course_dir,
                         out)
        elif child.type == "link_open":
            _check_link(child.attrGet("href") or "", line, base_dir, course_dir, out)


def _check_image(src: str, alt: str, line: int, base_dir: Path, course_dir: Path,
                 out: Collector) -> None:
    shown = _snippet(unquote(src), 60)
    if not alt.strip():
        out.add(line, f'image "{shown}" needs alt text: ![what the image shows]({shown})')
    if _has_scheme(src) or src.startswith("/"):
        out.add(line, f'image "{shown}" must be a file in the course folder '
                      "(a relative path such as images/picture.png)")
        return
    target = local_file(src, base_dir, course_dir)
    if target is None:
        out.add(line, f'image "{shown}" points outside the course folder')
    elif not target.suffix.lower() in IMAGE_TYPES:
        out.add(line, f'image "{shown}": use a {", ".join(IMAGE_TYPES)} file')
    elif not target.is_file():
        out.add(line, f'image "{shown}" not found')


def _check_link(href: str, line: int, base_dir: Path, course_dir: Path,
                out: Collector) -> None:
    shown = _snippet(unquote(href), 60)
    if _has_scheme(href):
        scheme = urlsplit(href).scheme.lower()
        if scheme not in LINK_SCHEMES or href.startswith("//"):
            out.add(line, f'link "{shown}": only https://, http://, mailto: and relative '
                          "links are allowed")
        elif scheme in {"http", "https"} and not urlsplit(href).netloc:
            out.add(line, f'link "{shown}" has no host')
        return
    if href.startswith("#"):
        return
    if href.startswith("/"):
        out.add(line, f'link "{shown}": a relative link is relative to this file '
                      "(no leading /)")
        return
    target = local_file(href, base_dir, course_dir)
    if target is None:
        out.add(line, f'link "{shown}" points outside the course folder')
    elif target.suffix.lower() not in LINKED_FILE_TYPES:
        out.add(line, f'link "{shown}": relative links may point to '
                      f'{", ".join(LINKED_FILE_TYPES)} files only')
    elif not target.is_file():
        out.add(line, f'link "{shown}" not found')
