"""Quiz questions as xAPI ``cmi.interaction`` activities (xAPI 1.0.3 Data, 2.4.4.1.1).

Question type   interactionType  components       correctResponsesPattern / response
single_choice   choice           choices          ``a``
multiple_choice choice           choices          ``a[,]c``
true_false      true-false       -                ``true`` / ``false``
matching        matching         source, target   ``p1[.]p1[,]p2[.]p2``
ordering        sequencing       choices          ``first[,]second[,]third``

Component ids are the author's choice/pair/item ids.  A matching pair's source and target
carry the pair's id, so a correct match is ``p[.]p``.  Responses are written in exactly the
same format as the pattern, so an LRS can compare them as strings.
"""
from __future__ import annotations

from typing import Any

from tincan import InteractionComponent, InteractionComponentList, LanguageMap

from elearn.xapi.vocabulary import language_map

INTERACTION_TYPES = {"single_choice": "choice", "multiple_choice": "choice",
                     "true_false": "true-false", "matching": "matching",
                     "ordering": "sequencing"}
LIST_SEPARATOR = "[,]"
PAIR_SEPARATOR = "[.]"


def _component(id_: str, text: Any) -> InteractionComponent:
    description = language_map(text)
    if description is None:
        return InteractionComponent(id=id_)
    return InteractionComponent(id=id_, description=LanguageMap(description))


def correct_pattern(data: dict[str, Any]) -> str:
    """The fully correct response of ``data`` in the xAPI response format."""
    kind = data["type"]
    if kind == "single_choice":
        return next(c["id"] for c in data["choices"] if c.get("correct"))
    if kind == "multiple_choice":
        return LIST_SEPARATOR.join(c["id"] for c in data["choices"] if c.get("correct"))
    if kind == "true_false":
        return "true" if data["answer"] else "false"
    if kind == "matching":
        return LIST_SEPARATOR.join(f"{p['id']}{PAIR_SEPARATOR}{p['id']}" for p in data["pairs"])
    if kind == "ordering":
        return LIST_SEPARATOR.join(item["id"] for item in data["items"])
    raise ValueError(f"unknown question type {kind!r}")


def definition_fields(data: dict[str, Any]) -> dict[str, Any]:
    """``ActivityDefinition`` keyword arguments for a question: interaction type, correct
    response pattern and components."""
    kind = data["type"]
    fields: dict[str, Any] = {"interaction_type": INTERACTION_TYPES[kind],
                              "correct_responses_pattern": [correct_pattern(data)]}
    if kind in {"single_choice", "multiple_choice"}:
        fields["choices"] = InteractionComponentList(
            [_component(c["id"], c.get("text")) for c in data["choices"]])
    elif kind == "matching":
        fields["source"] = InteractionComponentList(
            [_component(p["id"], p.get("source")) for p in data["pairs"]])
        fields["target"] = InteractionComponentList(
            [_component(p["id"], p.get("target")) for p in data["pairs"]])
    elif kind == "ordering":
        fields["choices"] = InteractionComponentList(
            [_component(item["id"], item.get("text")) for item in data["items"]])
    return fields


def response_string(data: dict[str, Any], response: Any) -> str:
    """A learner's stored response (choice id(s), bool, {source: target}, item ids) in the
    question's xAPI response format.  Choices and pairs follow the question's own order, so
    the same answer always gives the same string."""
    kind = data["type"]
    if kind == "single_choice":
        return response if isinstance(response, str) else LIST_SEPARATOR.join(response)
    if kind == "multiple_choice":
        chosen = set(response if isinstance(response, list) else [response])
        return LIST_SEPARATOR.join(c["id"] for c in data["choices"] if c["id"] in chosen)
    if kind == "true_false":
        return "true" if response else "false"
    if kind == "matching":
        return LIST_SEPARATOR.join(f"{p['id']}{PAIR_SEPARATOR}{response[p['id']]}"
                                   for p in data["pairs"] if p["id"] in response)
    if kind == "ordering":
        return LIST_SEPARATOR.join(response)
    raise ValueError(f"unknown question type {kind!r}")


__all__ = ["INTERACTION_TYPES", "correct_pattern", "definition_fields", "response_string"]
