"""Markdown rendering is safe even for hostile input: the validator refuses such files, and
the renderer (markdown-it without HTML, then nh3) neutralises them anyway."""
from __future__ import annotations

from html.parser import HTMLParser

from elearn.content.render import ALLOWED_TAGS, render_markdown, sanitise

HOSTILE = """## Otsikko

<script>alert(1)</script>

<img src=x onerror="alert(1)">

[click](javascript:alert(1)) [Mixed](JaVaScRiPt:alert(1)) [entity](&#106;avascript:alert(1))
[page](data:text/html;base64,PHNjcmlwdD4=) [picture](data:image/png;base64,AAAA)
![x](javascript:alert(1)) <a href="javascript:alert(1)">raw link</a>
<div style="color:red" onmouseover="alert(1)">raw block</div> [vb](vbscript:msgbox(1))
<iframe src="https://evil.example/"></iframe> <style>body{}</style>

[fine](https://vnk.fi/ "Opas") and ![Kaavio](images/kaavio.png) and [muistio](liite.pdf#s2)
"""


class _Tags(HTMLParser):
    """Every element and attribute the browser would build from the HTML."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _resolve(url: str) -> str | None:
    return {"images/kaavio.png": "/media/abc.png", "liite.pdf#s2": "/media/def.pdf#s2"}.get(url)


def test_hostile_markdown_is_neutralised():
    html = render_markdown(HOSTILE, _resolve)
    elements = _elements(html)
    assert {tag for tag, _ in elements} <= ALLOWED_TAGS
    assert not {"script", "iframe", "style", "div"} & {tag for tag, _ in elements}
    for tag, attrs in elements:
        assert not [name for name in attrs if name.startswith("on") or name == "style"], tag
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)
    # raw HTML shows as text, it is never markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html


def test_safe_content_survives_with_rewritten_media_urls():
    elements = _elements(render_markdown(HOSTILE, _resolve))
    links = [attrs for tag, attrs in elements if tag == "a" and attrs.get("href")]
    assert {"href": "https://vnk.fi/", "title": "Opas", "rel": "noopener noreferrer"} in links
    assert {"href": "/media/def.pdf#s2", "rel": "noopener noreferrer"} in links
    images = [attrs for tag, attrs in elements if tag == "img"]
    assert images == [{"src": "/media/abc.png", "alt": "Kaavio"}]


def test_unresolvable_relative_urls_are_dropped():
    html = render_markdown("![Kuva](puuttuu.png) [liite](puuttuu.pdf)", lambda url: None)
    assert _elements(html) == [("p", {}), ("img", {"alt": "Kuva"}),
                               ("a", {"rel": "noopener noreferrer"})]


def test_sanitiser_allows_only_listed_tags_attributes_and_schemes():
    html = sanitise('<h1>t</h1><p onclick="x" class="c">a</p><script>b()</script>'
                    '<a href="javascript:x">c</a><img src="data:image/png;base64,AA" onerror="y">'
                    '<iframe src="https://x.example/"></iframe><a href="mailto:a@b.fi">m</a>'
                    "<!-- note -->")
    assert html == ('t<p>a</p><a rel="noopener noreferrer">c</a><img>'
                    '<a href="mailto:a@b.fi" rel="noopener noreferrer">m</a>')


def test_tables_render():
    html = render_markdown("| a | b |\n|---|--:|\n| 1 | 2 |\n", lambda url: None)
    assert "<table>" in html and "<td>2</td>" in html and "style" not in html
