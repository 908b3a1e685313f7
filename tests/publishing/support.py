"""Course packages for the publishing tests: zips built from the fixture course, and
hostile zips written byte by byte where :mod:`zipfile` would refuse to make them."""
from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "courses" / "valid" / "pienikurssi"
SLUG = "pienikurssi"


def course_files(root: Path = FIXTURE) -> dict[str, bytes]:
    """Paths inside the course folder -> bytes."""
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def make_zip(files: dict[str, bytes], *, top: str | None = SLUG,
             modes: dict[str, int] | None = None) -> bytes:
    """A zip of ``files`` under the folder ``top`` (or at the root when ``top`` is None)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            full = f"{top}/{name}" if top else name
            info = zipfile.ZipInfo(full)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = (modes or {}).get(name)
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def course_zip(changes: dict[str, bytes | None] | None = None) -> bytes:
    """The fixture course zipped, with ``changes`` applied (None deletes a file)."""
    files = course_files()
    for name, data in (changes or {}).items():
        if data is None:
            files.pop(name, None)
        else:
            files[name] = data
    return make_zip(files)


def edited(name: str, old: str, new: str) -> dict[str, bytes]:
    """The change replacing ``old`` by ``new`` in the fixture file ``name``."""
    text = (FIXTURE / name).read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    return {name: text.replace(old, new).encode("utf-8")}


SYMLINK_MODE = stat.S_IFLNK | 0o777
