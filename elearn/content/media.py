"""Images and files referenced by course Markdown, stored by content hash.

Files are copied to ``COURSE_MEDIA_PATH`` (default ``instance/course-media``) as
``<sha256>.<ext>``: the name changes whenever the bytes do, so a published version's HTML
always shows the image it was published with and responses can be cached forever.  Copies
are written to a temporary name and renamed, so a reader never sees half a file.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

NAME_PATTERN = re.compile(r"^[0-9a-f]{64}\.(png|jpg|jpeg|gif|webp|pdf)$")
URL_PREFIX = "/media/"


class MediaStore:
    """A content-addressed folder of course media."""

    def __init__(self, directory: str | os.PathLike[str]):
        self.directory = Path(directory)

    def add(self, source: Path) -> str:
        """Copy ``source`` into the store (once) and return its stored name."""
        data = source.read_bytes()
        name = hashlib.sha256(data).hexdigest() + source.suffix.lower()
        target = self.directory / name
        if not target.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".incoming-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        return name

    @staticmethod
    def url(name: str) -> str:
        return URL_PREFIX + name
