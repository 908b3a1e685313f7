"""The zip checks of course packages, without a database: every hostile shape is refused
with a message naming the entry, and a good zip reads back byte for byte."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from elearn.publishing.package import Limits, PackageRefused, read_package
from tests.publishing.support import SLUG, SYMLINK_MODE, course_files, course_zip, make_zip


def refused(data: bytes, limits: Limits = Limits()) -> PackageRefused:
    with pytest.raises(PackageRefused) as caught:
        read_package(data, limits)
    return caught.value


def test_a_course_folder_reads_back_with_its_slug_and_every_file():
    package = read_package(course_zip())
    assert package.slug == SLUG
    assert package.files == course_files()


def test_written_zip_is_deterministic_and_reads_back_the_same():
    package = read_package(course_zip())
    assert package.to_zip() == read_package(package.to_zip()).to_zip()
    assert read_package(package.to_zip()).files == package.files


def test_os_clutter_is_passed_over():
    files = course_files()
    data = make_zip({**files, ".DS_Store": b"\0\0"})
    with_macos = io.BytesIO(data)
    with zipfile.ZipFile(with_macos, "a") as archive:
        archive.writestr("__MACOSX/pienikurssi/._course.yaml", b"\0")
    assert read_package(with_macos.getvalue()).files == files


def test_empty_file_and_not_a_zip():
    assert "empty" in refused(b"").message
    assert refused(b"PK\x03\x04 not really").message == "not a zip file"


def test_empty_zip():
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    assert refused(buffer.getvalue()).message == "the zip holds no course files"


def test_only_folders_is_empty_too():
    assert "no course files" in refused(make_zip({"units/": b""})).message


@pytest.mark.parametrize("name,expected", [
    ("../evil.md", "leaves the course folder"),
    ("units/../../evil.md", "leaves the course folder"),
    ("/etc/passwd.md", "absolute paths"),
    ("C:/temp/x.md", "absolute paths"),
    ("units\\x\\content.fi.md", "backslashes"),
])
def test_names_that_leave_the_folder(name, expected):
    error = refused(make_zip({"course.yaml": b"id: x", name: b"x"}, top=None)
                    if name.startswith(("/", "C:")) else
                    make_zip({**course_files(), name: b"x"}))
    assert expected in error.message
    assert error.entry.endswith(name.lstrip("/")) or error.entry == name or name in error.entry


def test_symlink_is_refused_by_its_mode():
    data = make_zip({**course_files(), "units/link.md": b"/etc/passwd"},
                    modes={"units/link.md": SYMLINK_MODE})
    error = refused(data)
    assert error.entry == f"{SLUG}/units/link.md" and "symbolic link" in error.message


def _zip_with_raw_name(raw_name: bytes, data: bytes = b"x") -> bytes:
    """A one-entry stored zip whose name is ``raw_name`` exactly, without the UTF-8 flag."""
    crc = zlib.crc32(data)
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, len(data), len(data),
                        len(raw_name), 0) + raw_name + data
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, len(data),
                          len(data), len(raw_name), 0, 0, 0, 0, 0, 0) + raw_name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local), 0)
    return local + central + end


def test_name_that_is_not_utf8():
    error = refused(_zip_with_raw_name(b"kurssi/units/\xe4\xf6.md"))
    assert "not UTF-8" in error.message and "kurssi/units/" in error.entry


def test_utf8_name_without_the_flag_is_accepted():
    package = read_package(_zip_with_raw_name("kurssi/course.yaml".encode()))
    assert package.slug == "kurssi"


def test_other_file_types_are_refused():
    for name in ("units/01-verkoston-perusta/run.sh", "units/x/page.html", "notes.zip"):
        error = refused(make_zip({**course_files(), name: b"x"}))
        assert error.entry == f"{SLUG}/{name}" and "type of file" in error.message


def test_several_courses_are_refused():
    files = course_files()
    data = make_zip({**{f"a/{k}": v for k, v in files.items()},
                     **{f"b/{k}": v for k, v in files.items()}}, top=None)
    error = refused(data)
    assert "one course folder" in error.message and "a, b" in error.message


def test_loose_files_beside_the_course_folder_are_refused():
    data = make_zip({**{f"{SLUG}/{k}": v for k, v in course_files().items()},
                     "README.md": b"hi"}, top=None)
    assert refused(data).entry == "README.md"


def test_a_folder_without_course_yaml_is_refused():
    files = course_files()
    files.pop("course.yaml")
    error = refused(make_zip(files))
    assert error.entry == f"{SLUG}/course.yaml" and "missing" in error.message


def test_duplicate_names_are_refused():
    buffer = io.BytesIO(make_zip(course_files()))
    with pytest.warns(UserWarning), zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(f"{SLUG}/course.yaml", b"id: other")
    assert refused(buffer.getvalue()).message == "appears twice in the zip"


def test_too_many_entries():
    error = refused(course_zip(), Limits(max_files=3))
    assert "entries" in error.message and "at most 3" in error.message


def test_bomb_over_the_unpacked_cap_stops_at_the_real_bytes():
    bomb = make_zip({"course.yaml": b"id: x\n", "units/a/content.fi.md": b"a" * 5_000_000})
    assert len(bomb) < 20_000
    error = refused(bomb, Limits(max_unpacked_bytes=1_000_000))
    assert error.entry == f"{SLUG}/units/a/content.fi.md" and "zip bomb" in error.message


def test_bomb_that_lies_about_its_size_is_still_stopped():
    """The directory claims 10 bytes; the stream inflates to 3 MB.  Reading stops at the
    declared size and the checksum of what came out does not match: refused, by name."""
    payload = b"b" * 3_000_000
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = compressor.compress(payload) + compressor.flush()
    name = b"k/units/a/content.fi.md"
    crc = zlib.crc32(payload)
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(packed), 10,
                        len(name), 0) + name + packed
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(packed),
                          10, len(name), 0, 0, 0, 0, 0, 0) + name
    course = b"k/course.yaml"
    offset = len(local)
    local2 = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, zlib.crc32(b"id: k"), 5, 5,
                         len(course), 0) + course + b"id: k"
    central2 = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0,
                           zlib.crc32(b"id: k"), 5, 5, len(course), 0, 0, 0, 0, 0,
                           offset) + course
    directory = central + central2
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 2, 2, len(directory),
                      len(local) + len(local2), 0)
    data = local + local2 + directory + end
    error = refused(data, Limits(max_unpacked_bytes=1_000_000))
    assert error.entry == "k/units/a/content.fi.md" and "cannot be read" in error.message


def test_the_cap_counts_all_files_together():
    files = {"course.yaml": b"id: x\n", **{f"units/a/{n}.md": b"c" * 400_000 for n in range(3)}}
    error = refused(make_zip(files), Limits(max_unpacked_bytes=1_000_000))
    assert error.entry == f"{SLUG}/units/a/2.md" and "zip bomb" in error.message


def test_encrypted_member_is_refused():
    data = bytearray(make_zip(course_files()))
    # set the "encrypted" flag on every central directory record
    index = data.find(b"PK\x01\x02")
    while index != -1:
        data[index + 8] |= 0x01
        index = data.find(b"PK\x01\x02", index + 4)
    assert "encrypted" in refused(bytes(data)).message


def test_names_too_long_for_a_file_system_are_refused():
    error = refused(make_zip({**course_files(), "units/" + "a" * 300 + ".md": b"x"}))
    assert error.message == "the name is too long"
