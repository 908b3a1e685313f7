"""The courses in courses/ are written in their own words: no run of eight or more
consecutive words of the source texts in ../shared/sources/seed-*.txt appears in any course
file outside a Markdown blockquote that names its speaker."""
from __future__ import annotations

from pathlib import Path

import pytest

from elearn import PROJECT_ROOT
from tests.content.originality import (RUN_LENGTH, copied_runs, course_files, markdown_tokens,
                                       source_runs)

SOURCES = PROJECT_ROOT.parent / "shared" / "sources"
COURSES = PROJECT_ROOT / "courses"


def seed_texts(sources: Path) -> list[str]:
    """The source texts; a missing folder fails the check rather than passing it unseen."""
    if not sources.is_dir():
        pytest.fail(f"the source texts are missing: {sources} does not exist (the copy check "
                    "compares every course with ../shared/sources/seed-*.txt)")
    seeds = sorted(sources.glob("seed-*.txt"))
    if not seeds:
        pytest.fail(f"no source texts: {sources} has no seed-*.txt")
    return [path.read_text(encoding="utf-8") for path in seeds]


def test_no_course_file_copies_a_source_text():
    runs = source_runs(seed_texts(SOURCES))
    files = course_files(COURSES)
    assert files, f"no course files under {COURSES}"
    copied = [str(run) for path in files
              for run in copied_runs(path.relative_to(PROJECT_ROOT),
                                     path.read_text(encoding="utf-8"), runs)]
    assert not copied, "\n".join(copied)


def test_missing_sources_fail_with_their_path(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="source texts are missing: .*shared"):
        seed_texts(tmp_path / "shared" / "sources")
    (tmp_path / "sources").mkdir()
    with pytest.raises(pytest.fail.Exception, match="has no seed-"):
        seed_texts(tmp_path / "sources")


SOURCE = ("Verkostoista saa tukea, mutta niihin liittyy myös velvollisuuksia. Parhaimmillaan "
          "verkostoista saa arvokasta tukea oman työnkuvan kehittämiseen.")
RUNS = source_runs([SOURCE])


def _found(name: str, text: str) -> list[tuple[int, str]]:
    return [(run.line, " ".join(run.words)) for run in copied_runs(Path(name), text, RUNS)]


def test_eight_words_in_a_row_are_found_whatever_the_case_punctuation_and_lines():
    text = "## Otsikko\n\nKuten sanotaan: VERKOSTOISTA saa tukea – mutta\nniihin liittyy myös\n" \
           "velvollisuuksia!\n"
    assert _found("content.fi.md", text) == [
        (3, "verkostoista saa tukea mutta niihin liittyy myös velvollisuuksia")]


def test_seven_words_or_other_inflections_are_the_course_s_own():
    assert _found("content.fi.md", "Verkostoista saa tukea, mutta niihin liittyy myös.") == []
    assert _found("content.fi.md",
                  "Verkostoista saa tukea, mutta niihin liittyy myös velvollisuus.") == []


def test_one_long_copied_stretch_is_reported_once_with_all_its_words():
    text = "Johdanto. " + SOURCE
    [(line, copied)] = _found("content.fi.md", text)
    assert line == 1 and copied.startswith("verkostoista saa tukea") and copied.endswith(
        "kehittämiseen")


def test_an_attributed_blockquote_may_quote_but_a_bare_one_may_not():
    quoted = "> Verkostoista saa tukea, mutta niihin liittyy myös velvollisuuksia.\n>\n" \
             "> — Riitta Kittilä, SOSTE\n"
    assert _found("content.fi.md", "Teksti.\n\n" + quoted) == []
    bare = "> Verkostoista saa tukea, mutta niihin liittyy myös velvollisuuksia.\n"
    assert _found("content.fi.md", "Teksti.\n\n" + bare) == [
        (3, "verkostoista saa tukea mutta niihin liittyy myös velvollisuuksia")]


def test_a_quotation_does_not_join_the_text_around_it_into_one_run():
    text = "verkostoista saa tukea mutta\n> lainaus\n> — Joku\nniihin liittyy myös velvollisuuksia\n"
    assert _found("content.fi.md", text) == []
    assert [w for t in markdown_tokens(text) if t for w in [t[0]]] == [
        "verkostoista", "saa", "tukea", "mutta", "niihin", "liittyy", "myös", "velvollisuuksia"]


def test_yaml_has_no_quotation_exemption():
    text = "prompt:\n  fi: \"> Verkostoista saa tukea, mutta niihin liittyy myös velvollisuuksia. " \
           "— Riitta Kittilä\"\n"
    assert len(_found("unit.yaml", text)) == 1


def test_the_run_length_is_eight():
    assert RUN_LENGTH == 8
