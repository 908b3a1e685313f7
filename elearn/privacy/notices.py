"""The operator's parts of the privacy notice and the accessibility statement.

elearn knows what data it keeps, why, where it sends it, which LRSs, its retention settings
and how its pages were checked; only the organisation running it knows who the controller
is, whom to contact, on what legal basis it processes the data, how compliant it judges the
service and which content is not accessible.  Those parts are two YAML files in
``ELEARN_NOTICES_PATH`` (``privacy.yaml`` and ``accessibility.yaml``), every text a language
map in Finnish, Swedish and English.

In production the service refuses to start while either file is missing or incomplete (a
public-sector service must publish both, Act 306/2019 and GDPR art. 13); every problem is
reported as ``file:line: message``.  In development and tests the example files shipped in
``elearn/privacy/example_notices/`` are used when no path is set, so the pages work out of the
box and say plainly that they show an example organisation.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from elearn.config import SettingError
from elearn.content.yamlsource import YAMLProblem, YList, YMap, parse_yaml

LANGUAGES = ("fi", "sv", "en")
EXAMPLE_PATH = Path(__file__).parent / "example_notices"
COMPLIANCE = ("full", "partial", "none")

PRIVACY_TEXTS = ("controller", "contact", "legal_basis", "retention")
PRIVACY_OPTIONAL = ("data_protection_officer",)
ACCESSIBILITY_TEXTS = ("organisation", "feedback_contact", "assessment_method")
ACCESSIBILITY_DATES = ("statement_date", "assessment_date")


@dataclass(frozen=True)
class Notices:
    """Both files, checked.  ``example`` is true for the shipped example texts."""

    privacy: dict[str, Any]
    accessibility: dict[str, Any]
    example: bool
    folder: Path


class NoticeProblems(Exception):
    """Every problem found, as ``file:line: message`` lines."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _language_map(value: Any, where: str, line: int, problems: list[str]) -> dict | None:
    if not isinstance(value, dict):
        problems.append(f"{where}:{line}: expected texts in fi, sv and en")
        return None
    missing = [lang for lang in LANGUAGES
               if not isinstance(value.get(lang), str) or not value[lang].strip()]
    if missing:
        problems.append(f"{where}:{line}: missing text in " + ", ".join(missing))
        return None
    return {lang: value[lang].strip() for lang in LANGUAGES}


def _read(path: Path, problems: list[str]) -> YMap | None:
    if not path.is_file():
        problems.append(f"{path}:1: file missing")
        return None
    try:
        data, yaml_problems = parse_yaml(path.read_text(encoding="utf-8"))
    except YAMLProblem as exc:
        problems.append(f"{path}:{exc.line}: {exc.message}")
        return None
    except UnicodeDecodeError:
        problems.append(f"{path}:1: not UTF-8 text")
        return None
    problems.extend(f"{path}:{line}: {message}" for line, message in yaml_problems)
    if not isinstance(data, YMap):
        problems.append(f"{path}:1: expected a mapping of keys")
        return None
    return data


def _texts(data: YMap, path: Path, required: tuple[str, ...], optional: tuple[str, ...],
           problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in required + optional:
        if key not in data:
            if key in required:
                problems.append(f"{path}:{data.line}: missing {key}")
            continue
        out[key] = _language_map(data[key], str(path), data.value_line(key), problems)
    return out


def _date(data: YMap, key: str, path: Path, problems: list[str]) -> date | None:
    value = data.get(key)
    if isinstance(value, date):
        return value
    line = data.value_line(key) if key in data else data.line
    problems.append(f"{path}:{line}: {key}: expected a date YYYY-MM-DD")
    return None


def load_notices(folder: Path) -> Notices:
    """Read and check ``privacy.yaml`` and ``accessibility.yaml`` in ``folder``."""
    problems: list[str] = []
    privacy_path, access_path = folder / "privacy.yaml", folder / "accessibility.yaml"
    privacy = _read(privacy_path, problems)
    access = _read(access_path, problems)
    privacy_out: dict[str, Any] = {}
    access_out: dict[str, Any] = {}
    if privacy is not None:
        privacy_out = _texts(privacy, privacy_path, PRIVACY_TEXTS, PRIVACY_OPTIONAL, problems)
    if access is not None:
        access_out = _texts(access, access_path, ACCESSIBILITY_TEXTS, (), problems)
        for key in ACCESSIBILITY_DATES:
            access_out[key] = _date(access, key, access_path, problems)
        compliance = access.get("compliance")
        if compliance not in COMPLIANCE:
            line = access.value_line("compliance") if "compliance" in access else access.line
            problems.append(f"{access_path}:{line}: compliance: expected one of "
                            + ", ".join(COMPLIANCE))
        access_out["compliance"] = compliance
        gaps = access.get("non_accessible", [])
        access_out["non_accessible"] = []
        if not isinstance(gaps, list):
            problems.append(f"{access_path}:{access.value_line('non_accessible')}: "
                            "non_accessible: expected a list")
            gaps = []
        for index, gap in enumerate(gaps):
            line = gaps.item_lines[index] if isinstance(gaps, YList) else access.line
            if not isinstance(gap, YMap) or not {"content", "reason"} <= set(gap):
                problems.append(f"{access_path}:{line}: each non_accessible item needs "
                                "content and reason")
                continue
            access_out["non_accessible"].append({
                "content": _language_map(gap["content"], str(access_path),
                                         gap.value_line("content"), problems),
                "reason": _language_map(gap["reason"], str(access_path),
                                        gap.value_line("reason"), problems)})
        if compliance in ("partial", "none") and not access_out["non_accessible"]:
            problems.append(f"{access_path}:{access.line}: non_accessible: list what is not "
                            "accessible when compliance is partial or none")
    if problems:
        raise NoticeProblems(problems)
    return Notices(privacy=privacy_out, accessibility=access_out,
                   example=folder.resolve() == EXAMPLE_PATH.resolve(), folder=folder)


def notices_for(config: dict[str, Any]) -> Notices:
    """The notices for these settings: the operator's folder, or in development and tests
    the shipped example.  SettingError naming the problems otherwise."""
    raw = str(config.get("NOTICES_PATH") or "").strip()
    if not raw:
        if config["ENV"] == "production":
            raise SettingError("ELEARN_NOTICES_PATH: production needs the organisation's "
                               "privacy.yaml and accessibility.yaml (see docs/privacy.md)")
        return load_notices(EXAMPLE_PATH)
    try:
        return load_notices(Path(raw))
    except NoticeProblems as exc:
        raise SettingError("ELEARN_NOTICES_PATH: " + "; ".join(exc.problems)) from None


__all__ = ["COMPLIANCE", "EXAMPLE_PATH", "NoticeProblems", "Notices", "load_notices",
           "notices_for"]
