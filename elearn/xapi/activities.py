"""Activity IRIs and definitions: course, unit (module), quiz (assessment), question and
reflection (cmi.interaction), and this profile's category activity.

Every IRI lives under the deployment's public URL and is built from the stable
``activity_key`` the importer keeps across course versions, so statements about the same
item in different versions share one activity id.
"""
from __future__ import annotations

from typing import Any

from tincan import Activity, ActivityDefinition, LanguageMap

from elearn.models import Question, ReflectionTask, Unit
from elearn.xapi import interactions
from elearn.xapi.vocabulary import (ASSESSMENT_TYPE, COURSE_TYPE, INTERACTION_TYPE, MODULE_TYPE,
                                    PROFILE_NAME, PROFILE_TYPE, QUIZ_NAME, joined_map,
                                    language_map)


def _base(public_url: str) -> str:
    return public_url.rstrip("/") + "/xapi"


def _iri(public_url: str, kind: str, key: str) -> str:
    # Keys are the importer's validated ids ([a-z0-9_-], joined with "/"), safe in an IRI
    # as they are; the reports build course IRIs in SQL by putting the slug in verbatim.
    return f"{_base(public_url)}/activities/{kind}/{key}"


def course_activity_id(public_url: str, slug: str) -> str:
    return _iri(public_url, "course", slug)


def unit_activity_id(public_url: str, unit: Unit) -> str:
    return _iri(public_url, "unit", unit.activity_key)


def quiz_activity_id(public_url: str, unit: Unit) -> str:
    return _iri(public_url, "quiz", unit.quiz_activity_key)


def question_activity_id(public_url: str, question: Question) -> str:
    return _iri(public_url, "question", question.activity_key)


def reflection_activity_id(public_url: str, task: ReflectionTask) -> str:
    return _iri(public_url, "reflection", task.activity_key)


def profile_iri(public_url: str) -> str:
    """This profile's IRI, sent as ``context.contextActivities.category``."""
    return _base(public_url) + "/profile"


def extension_iri(public_url: str, name: str) -> str:
    """An extension this profile defines (``attempt``, ``attempt-id``), under its IRI."""
    return f"{profile_iri(public_url)}/extensions/{name}"


def _definition(type_: str, name: Any, description: Any = None, **extra: Any) \
        -> ActivityDefinition:
    fields: dict[str, Any] = {"type": type_}
    if (names := language_map(name)) is not None:
        fields["name"] = LanguageMap(names)
    if description is not None:
        fields["description"] = LanguageMap(description)
    fields.update(extra)
    return ActivityDefinition(**fields)


def course_activity(public_url: str, slug: str, version) -> Activity:
    return Activity(id=course_activity_id(public_url, slug),
                    definition=_definition(COURSE_TYPE, version.title,
                                           language_map(version.description)))


def unit_activity(public_url: str, unit: Unit) -> Activity:
    return Activity(id=unit_activity_id(public_url, unit),
                    definition=_definition(MODULE_TYPE, unit.title, joined_map(unit.objectives)))


def quiz_activity(public_url: str, unit: Unit) -> Activity:
    titles = language_map(unit.title) or {}
    name = {lang: QUIZ_NAME[lang].format(title=titles[lang]) for lang in titles}
    return Activity(id=quiz_activity_id(public_url, unit),
                    definition=_definition(ASSESSMENT_TYPE, name))


def question_activity(public_url: str, question: Question) -> Activity:
    """A question as a ``cmi.interaction`` with its interaction type, components and
    correct response pattern (see :mod:`elearn.xapi.interactions`)."""
    prompt = language_map(question.data.get("prompt"))
    return Activity(id=question_activity_id(public_url, question),
                    definition=_definition(INTERACTION_TYPE, prompt, prompt,
                                           **interactions.definition_fields(question.data)))


def reflection_activity(public_url: str, task: ReflectionTask) -> Activity:
    prompt = language_map(task.prompt)
    return Activity(id=reflection_activity_id(public_url, task),
                    definition=_definition(INTERACTION_TYPE, prompt, prompt,
                                           interaction_type="long-fill-in"))


def profile_activity(public_url: str) -> Activity:
    return Activity(id=profile_iri(public_url),
                    definition=_definition(PROFILE_TYPE, PROFILE_NAME))


def reference(activity_id: str) -> Activity:
    """A context activity given by id only (its definition travels with its own statements)."""
    return Activity(id=activity_id)


__all__ = ["course_activity", "course_activity_id", "profile_activity", "profile_iri", "question_activity", "question_activity_id",
           "quiz_activity", "quiz_activity_id", "reference", "reflection_activity",
           "reflection_activity_id", "unit_activity", "unit_activity_id"]
