"""A stored statement as the read API serves it.

The outbox payload is what the learner's action produced; when serving it this LRS adds what
an LRS sets (Data §2.4.7–2.4.10): ``stored`` (from ``stored_at``, UTC, milliseconds),
``authority`` (this service, which asserts every statement it serves) and ``version``
``1.0.0`` when the statement has none (the profile never sets one, and "if they lack a
version, the version MUST be set to 1.0.0").

Formats: ``exact`` as stored; ``ids`` keeps only what identifies agents, verbs and activities;
``canonical`` keeps one language per language map, chosen by ``Accept-Language``.
"""
from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from elearn.models.xapi import XapiStatement
from elearn.xapi.statements import format_timestamp

STATEMENT_VERSION = "1.0.0"
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_INTERACTION_COMPONENTS = ("choices", "scale", "source", "target", "steps")


def authority_agent(public_url: str) -> dict[str, Any]:
    """The Agent this service signs its statements with."""
    return {"objectType": "Agent", "name": "elearn",
            "account": {"homePage": public_url, "name": "elearn-lrs"}}


def authority_key(public_url: str) -> str:
    return f"account:{public_url}|elearn-lrs"


def served(row: XapiStatement, *, authority: dict[str, Any], fmt: str = "exact",
           pick_language: Callable[[list[str]], str | None] | None = None) -> dict[str, Any]:
    """The statement of ``row`` with the LRS properties, in format ``fmt``."""
    statement = json.loads(row.payload)
    statement["authority"] = copy.deepcopy(authority)  # the LRS asserts what it serves
    statement["stored"] = format_timestamp(row.stored_at)
    statement.setdefault("version", STATEMENT_VERSION)
    if fmt == "ids":
        return _ids_only(statement)
    if fmt == "canonical":
        _one_language(statement, pick_language or (lambda keys: keys[0] if keys else None))
    return statement


def _agent_ids(agent: Any) -> Any:
    if not isinstance(agent, dict):
        return agent
    slim: dict[str, Any] = {key: agent[key] for key in _IFIS if key in agent}
    if "objectType" in agent:
        slim["objectType"] = agent["objectType"]
    if "member" in agent and not any(key in agent for key in _IFIS):  # anonymous group
        slim["member"] = [_agent_ids(member) for member in agent["member"]]
    return slim


def _object_ids(obj: Any) -> Any:
    if not isinstance(obj, dict):
        return obj
    kind = obj.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        return _agent_ids(obj)
    if kind == "SubStatement":
        return _ids_only(obj)
    slim = {"id": obj["id"]} if "id" in obj else {}
    if "objectType" in obj:
        slim["objectType"] = obj["objectType"]
    return slim


def _ids_only(statement: dict[str, Any]) -> dict[str, Any]:
    statement = dict(statement)
    for key in ("actor", "authority"):
        if key in statement:
            statement[key] = _agent_ids(statement[key])
    if "verb" in statement:
        statement["verb"] = {"id": statement["verb"]["id"]}
    if "object" in statement:
        statement["object"] = _object_ids(statement["object"])
    context = statement.get("context")
    if isinstance(context, dict):
        context = dict(context)
        for key in ("instructor", "team"):
            if key in context:
                context[key] = _agent_ids(context[key])
        activities = context.get("contextActivities")
        if isinstance(activities, dict):
            context["contextActivities"] = {
                key: [_object_ids(a) for a in value] if isinstance(value, list)
                else _object_ids(value) for key, value in activities.items()}
        statement["context"] = context
    return statement


def _filter_map(language_map: Any, pick: Callable[[list[str]], str | None]) -> Any:
    if not isinstance(language_map, dict) or len(language_map) <= 1:
        return language_map
    chosen = pick(list(language_map))
    return {chosen: language_map[chosen]} if chosen in language_map else language_map


def _filter_activity(activity: Any, pick: Callable[[list[str]], str | None]) -> None:
    if not isinstance(activity, dict):
        return
    definition = activity.get("definition")
    if not isinstance(definition, dict):
        return
    for key in ("name", "description"):
        if key in definition:
            definition[key] = _filter_map(definition[key], pick)
    for key in _INTERACTION_COMPONENTS:
        for component in definition.get(key) or []:
            if isinstance(component, dict) and "description" in component:
                component["description"] = _filter_map(component["description"], pick)


def _one_language(statement: dict[str, Any], pick: Callable[[list[str]], str | None]) -> None:
    verb = statement.get("verb")
    if isinstance(verb, dict) and "display" in verb:
        verb["display"] = _filter_map(verb["display"], pick)
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity":
        _filter_activity(obj, pick)
    elif isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        _one_language(obj, pick)
    activities = (statement.get("context") or {}).get("contextActivities") or {}
    for value in activities.values():
        for activity in value if isinstance(value, list) else [value]:
            _filter_activity(activity, pick)
