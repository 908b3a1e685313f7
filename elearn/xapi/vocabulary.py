"""The IRIs this xAPI profile uses, with their Finnish, Swedish and English display texts.

Verbs and activity types come from the ADL vocabulary (the same IRIs cmi5 uses), so any LRS
or dashboard that knows cmi5 or SCORM-style statements understands ours without a mapping.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True)
class Verb:
    id: str
    display: dict[str, str]


def _adl_verb(name: str, fi: str, sv: str) -> Verb:
    return Verb(f"http://adlnet.gov/expapi/verbs/{name}", {"fi": fi, "sv": sv, "en": name})


REGISTERED = _adl_verb("registered", "ilmoittautui", "registrerade sig")
EXPERIENCED = _adl_verb("experienced", "tutustui", "tog del av")
ANSWERED = _adl_verb("answered", "vastasi", "svarade")
PASSED = _adl_verb("passed", "suoritti hyväksytysti", "blev godkänd")
FAILED = _adl_verb("failed", "ei läpäissyt", "blev underkänd")
COMPLETED = _adl_verb("completed", "suoritti loppuun", "slutförde")
PROGRESSED = _adl_verb("progressed", "edistyi", "gjorde framsteg")
# Only in voiding statements (erasure), never about learning.
VOIDED = _adl_verb("voided", "mitätöi", "ogiltigförklarade")

VERBS = {verb.display["en"]: verb for verb in
         (REGISTERED, EXPERIENCED, ANSWERED, PASSED, FAILED, COMPLETED, PROGRESSED)}

# Activity types (ADL vocabulary)
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
MODULE_TYPE = "http://adlnet.gov/expapi/activities/module"
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
PROFILE_TYPE = "http://adlnet.gov/expapi/activities/profile"

# Extensions (cmi5)
PROGRESS_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress"
MASTERY_SCORE_EXTENSION = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"

PLATFORM = "elearn"

# Display texts of this profile's own activities: "{title}" is the unit's title.
QUIZ_NAME = {"fi": "Tietovisa: {title}", "sv": "Quiz: {title}", "en": "Quiz: {title}"}
PROFILE_NAME = {"fi": "elearn-xAPI-profiili", "sv": "elearn xAPI-profil",
                "en": "elearn xAPI profile"}


def language_map(value: Any) -> dict[str, str] | None:
    """The fi/sv/en texts of a course-file language map, without empty entries (an LRS must
    reject empty values), or None when nothing is left."""
    if isinstance(value, str):
        value = {"fi": value}
    if not isinstance(value, dict):
        return None
    found = {lang: str(value[lang]).strip() for lang in LANGUAGES
             if isinstance(value.get(lang), str) and value[lang].strip()}
    return found or None


def joined_map(value: Any) -> dict[str, str] | None:
    """A language map of lists (unit objectives) as one text per language."""
    if not isinstance(value, dict):
        return None
    return language_map({lang: " ".join(str(v) for v in items if str(v).strip())
                         for lang, items in value.items() if isinstance(items, list)})


__all__ = ["ANSWERED", "ASSESSMENT_TYPE", "COMPLETED", "COURSE_TYPE", "EXPERIENCED", "FAILED",
           "INTERACTION_TYPE", "LANGUAGES", "MASTERY_SCORE_EXTENSION", "MODULE_TYPE", "PASSED",
           "PLATFORM", "PROFILE_NAME", "PROFILE_TYPE", "PROGRESSED", "PROGRESS_EXTENSION",
           "QUIZ_NAME", "REGISTERED", "VERBS", "VOIDED", "Verb", "joined_map", "language_map"]
