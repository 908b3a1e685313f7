"""Markdown to safe HTML, once, at import.

Two layers, because either alone has failed somewhere before: markdown-it renders with raw
HTML disabled (tags come out as text, ``javascript:`` links are not links), then nh3 keeps
only an allow-list of tags and attributes and only http, https and mailto URLs (plus
relative ones, which we rewrite to our own media URLs first).  No script, no event handler,
no style attribute (the content policy forbids inline styles anyway) survives.
"""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import nh3

from elearn.content.mdparse import rendering_parser, walk_inline

ALLOWED_TAGS = {"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "code",
                "pre", "blockquote", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
                "hr", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

AssetResolver = Callable[[str], "str | None"]


def sanitise(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, strip_comments=True,
                     link_rel="noopener noreferrer")


def _is_relative(url: str) -> bool:
    return bool(url) and not urlsplit(url).scheme and not url.startswith(("/", "#"))


def render_markdown(text: str, resolve_asset: AssetResolver) -> str:
    """Render one Markdown file.  ``resolve_asset(url)`` maps a relative image or link URL
    (as written, percent-encoded) to the URL it is served at, or None to drop it."""
    md = rendering_parser()
    tokens = md.parse(text)
    for child, _line in walk_inline(tokens):
        attr = {"image": "src", "link_open": "href"}.get(child.type)
        if attr is None:
            continue
        url = child.attrGet(attr) or ""
        if _is_relative(url):
            served = resolve_asset(url)
            if served is None:
                child.attrs.pop(attr, None)
            else:
                child.attrSet(attr, served)
    return sanitise(md.renderer.render(tokens, md.options, {}))
