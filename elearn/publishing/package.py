"""Course packages: the zip of one course folder a trainer uploads, read without trusting it.

A zip is a list of names and sizes chosen by whoever made it, so nothing here extracts it
with :mod:`zipfile`'s own helpers.  Every entry is checked *before* any byte is written
anywhere, and the checks are the ones a hostile archive tries to slip past:

- **bombs**: a cap on the number of entries and on the unpacked size, counted on the bytes
  actually read from each member (a member's declared size is only a hint: it can lie), so
  reading stops at the first byte over the cap;
- **names**: each must be UTF-8 (the zip's UTF-8 flag, or plain bytes that decode as
  UTF-8), relative (no ``/x``, no ``C:``), without ``..``, backslashes or control
  characters, and unique;
- **links and devices**: only regular files and folders; a symlink is refused by its mode;
- **types**: only what the course format uses (``.yaml``, ``.md`` and the image and document
  types course Markdown may reference); encrypted members are refused;
- **shape**: exactly one top folder (the course's slug) holding ``course.yaml``; an empty
  zip or a zip of several courses is refused.

Each refusal names the entry.  What passes is a :class:`Package`: the course's files in
memory, which :meth:`Package.write_to` lays out in a folder the caller owns (a temporary
one) for the ordinary course loader, and :meth:`Package.to_zip` writes back as a
deterministic zip (sorted names, fixed dates), so downloading a version twice gives the same
bytes and an unchanged round trip is recognisable.

Operating-system clutter (``__MACOSX/`` folders, ``.DS_Store``, ``Thumbs.db``) is passed
over after the checks above, because the archivers of two common systems add it unasked.
"""
from __future__ import annotations

import io
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from elearn.content.loader import COURSE_FILE
from elearn.content.markdown_check import LINKED_FILE_TYPES

ALLOWED_SUFFIXES = (".yaml", ".md") + LINKED_FILE_TYPES
CLUTTER_FOLDERS = ("__MACOSX",)
CLUTTER_FILES = (".DS_Store", "Thumbs.db", "desktop.ini")
UTF8_FLAG = 0x800
ENCRYPTED_FLAG = 0x1
FIXED_DATE = (2020, 1, 1, 0, 0, 0)
READ_CHUNK = 64 * 1024
MAX_NAME = 400  # characters in a whole name
MAX_PART = 200  # bytes in one folder or file name (file systems allow 255)


@dataclass(frozen=True)
class Limits:
    """Caps applied while reading a package (settings ``ELEARN_PUBLISH_MAX_*``)."""

    max_files: int = 500
    max_unpacked_bytes: int = 100 * 1024 * 1024


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is written; the page translates it."""
    return message


class PackageRefused(ValueError):
    """The zip cannot be used; ``entry`` names the member at fault ("" for the whole zip).

    ``message`` is the English text; :meth:`translated` gives it in the page's language
    (``template`` is the catalogue's message id, filled with ``params``)."""

    def __init__(self, entry: str, template: str, **params: object):
        self.entry = entry
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(f"{entry}: {self.message}" if entry else self.message)

    def translated(self, gettext) -> str:
        text = gettext(self.template)
        return text % self.params if self.params else text


@dataclass
class Package:
    """One course folder's files: ``slug`` is the top folder, ``files`` maps paths inside it
    (``course.yaml``, ``units/01-x/unit.yaml`` ...) to their bytes."""

    slug: str
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(len(data) for data in self.files.values())

    def write_to(self, parent: Path) -> Path:
        """Write the course folder under ``parent`` (which must be empty and private) and
        return it.  Names were checked when the package was read."""
        root = parent / self.slug
        for name, data in sorted(self.files.items()):
            target = root.joinpath(*PurePosixPath(name).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return root

    def to_zip(self) -> bytes:
        """The package as a zip: one top folder, sorted entries, fixed dates, deflated."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(self.files):
                info = zipfile.ZipInfo(f"{self.slug}/{name}", date_time=FIXED_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                archive.writestr(info, self.files[name])
        return buffer.getvalue()

    @classmethod
    def from_folder(cls, folder: Path) -> Package:
        """The package of a course folder on disk (the seed ``courses/<slug>``): the files
        a zip of it may hold, clutter and other types left out."""
        package = cls(slug=folder.name)
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink() \
                    and path.suffix.lower() in ALLOWED_SUFFIXES \
                    and not any(part.startswith(".") for part in path.relative_to(folder).parts):
                package.files[path.relative_to(folder).as_posix()] = path.read_bytes()
        return package


def _name_of(info: zipfile.ZipInfo) -> str:
    """The member's name as UTF-8 text, or a refusal naming it as well as it can."""
    if info.flag_bits & UTF8_FLAG:
        return info.filename  # zipfile decoded it as UTF-8 (and refused it if it was not)
    try:
        raw = info.filename.encode("cp437")  # zipfile's reading of a name without the flag
    except UnicodeEncodeError:  # pragma: no cover - zipfile always decodes cp437
        raw = info.filename.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        shown = raw.decode("utf-8", "backslashreplace")
        raise PackageRefused(shown, N_("the name is not UTF-8; rename the file and zip it "
                                       "again")) from None


def _check_name(name: str) -> PurePosixPath:
    shown = name
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in name):
        raise PackageRefused(name.encode("unicode_escape").decode("ascii"),
                             N_("the name contains control characters"))
    if "\\" in name:
        raise PackageRefused(shown, N_("backslashes are not allowed in names (use /)"))
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise PackageRefused(shown, N_("absolute paths are not allowed"))
    path = PurePosixPath(name)
    if len(name) > MAX_NAME or any(len(part.encode()) > MAX_PART for part in path.parts):
        raise PackageRefused(name[:MAX_NAME] + "…" if len(name) > MAX_NAME else name,
                             N_("the name is too long"))
    if any(part == ".." for part in path.parts):
        raise PackageRefused(shown, N_("the path leaves the course folder (..)"))
    if any(part in ("", ".") for part in name.rstrip("/").split("/")):
        raise PackageRefused(shown, N_("empty or '.' path parts are not allowed"))
    return path


def _kind(info: zipfile.ZipInfo) -> str:
    """"dir", "file" or what else the member's Unix mode says it is."""
    mode = info.external_attr >> 16
    if info.is_dir():
        return "dir"
    file_type = stat.S_IFMT(mode)
    if file_type in (0, stat.S_IFREG):  # archivers that record no Unix mode say 0
        return "file"
    if file_type == stat.S_IFLNK:
        return "symlink"
    return "special file"


def _is_clutter(path: PurePosixPath) -> bool:
    return path.parts[0] in CLUTTER_FOLDERS or path.name in CLUTTER_FILES


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str,
                 budget: int) -> bytes:
    """The member's bytes, refusing as soon as more than ``budget`` have come out."""
    chunks: list[bytes] = []
    total = 0
    try:
        with archive.open(info) as member:
            while True:
                chunk = member.read(READ_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > budget:
                    raise PackageRefused(name, N_("unpacks to more than the package may "
                                                  "hold (zip bomb?)"))
                chunks.append(chunk)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise PackageRefused(name, N_("cannot be read (%(reason)s)"), reason=str(exc)) from None
    except NotImplementedError:
        raise PackageRefused(name, N_("uses a compression method this service cannot read "
                                      "(use ordinary Deflate)")) from None
    return b"".join(chunks)


def read_package(data: bytes, limits: Limits = Limits()) -> Package:
    """Check and read the zip ``data``; raise :class:`PackageRefused` at the first problem.

    Nothing is written to disk: the result holds the files in memory."""
    if not data:
        raise PackageRefused("", N_("the file is empty"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise PackageRefused("", N_("not a zip file")) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_files:
            raise PackageRefused("", N_("the zip has %(count)s entries; at most %(limit)s are "
                                        "allowed"), count=len(infos), limit=limits.max_files)
        members: list[tuple[PurePosixPath, zipfile.ZipInfo, str]] = []
        seen: set[str] = set()
        for info in infos:
            name = _name_of(info)
            path = _check_name(name)
            kind = _kind(info)
            if kind == "symlink":
                raise PackageRefused(name, N_("is a symbolic link; only files and folders are "
                                              "allowed"))
            if kind != "dir" and kind != "file":
                raise PackageRefused(name, N_("is a special file; only files and folders are "
                                              "allowed"))
            if info.flag_bits & ENCRYPTED_FLAG:
                raise PackageRefused(name, N_("is encrypted; zip the course without a "
                                              "password"))
            key = unicodedata.normalize("NFC", path.as_posix()).casefold()
            if key in seen:
                raise PackageRefused(name, N_("appears twice in the zip"))
            seen.add(key)
            if kind == "file":
                members.append((path, info, name))
        members = [m for m in members if not _is_clutter(m[0])]
        for path, _info, name in members:
            if path.suffix.lower() not in ALLOWED_SUFFIXES:
                raise PackageRefused(name, N_("this type of file is not part of a course "
                                              "(allowed: %(allowed)s)"),
                                     allowed=", ".join(ALLOWED_SUFFIXES))
        if not members:
            raise PackageRefused("", N_("the zip holds no course files"))
        slug = _single_course(members)
        budget = limits.max_unpacked_bytes
        package = Package(slug=slug)
        folders = {str(p) for path, _i, _n in members for p in path.parents}
        for path, info, name in members:
            if str(path) in folders:
                raise PackageRefused(name, N_("is both a file and a folder"))
            content = _read_member(archive, info, name, budget)
            budget -= len(content)
            package.files[PurePosixPath(*path.parts[1:]).as_posix()] = content
    return package


def _single_course(members: list[tuple[PurePosixPath, zipfile.ZipInfo, str]]) -> str:
    """The one top folder holding ``course.yaml``; refusals for loose files and for
    several courses."""
    tops: dict[str, str] = {}
    for path, _info, name in members:
        if len(path.parts) == 1:
            raise PackageRefused(name, N_("files must be inside the course folder (zip the "
                                          "folder itself, e.g. verkostojohtaminen/)"))
        tops.setdefault(path.parts[0], name)
    courses = sorted(top for top in tops
                     if any(p.parts == (top, COURSE_FILE) for p, _i, _n in members))
    if len(tops) > 1:
        others = sorted(tops)
        raise PackageRefused(others[1] + "/", N_("a package holds one course folder; this zip "
                                                 "has %(count)s top folders (%(names)s)"),
                             count=len(others), names=", ".join(others))
    top = next(iter(tops))
    if not courses:
        raise PackageRefused(f"{top}/{COURSE_FILE}", N_("missing: the course folder needs its "
                                                       "course.yaml"))
    return top


__all__ = ["ALLOWED_SUFFIXES", "Limits", "Package", "PackageRefused", "read_package"]
