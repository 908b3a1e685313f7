"""The quiz as an HTML form without JavaScript: field names per question type, and turning
a posted form back into the response shapes the learning service accepts.

Field names (``q-<question key>`` plus ``-<pair or item id>`` for per-row selects):

==================  =====================================  ===============================
type                form controls                          response handed to the service
==================  =====================================  ===============================
single_choice       radio buttons, value = choice id       choice id
multiple_choice     checkboxes, value = choice id          list of choice ids
true_false          two radio buttons, "true" / "false"    bool
matching            one ``<select>`` per source pair       {source pair id: target pair id}
ordering            one ``<select>`` of position per item  item ids in the chosen order
==================  =====================================  ===============================

Questions are the dicts of ``learning.present_question`` (ids as strings, texts in the
interface language, matching targets and ordering items already shuffled per attempt).
A question left blank is left out of the answers, so the service reports it as unanswered.
The only check made here is one the form encoding itself needs: an ordering whose positions
are incomplete or repeated cannot be written as a list of items.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.datastructures import MultiDict

from elearn.i18n import gettext as _

Presented = dict[str, Any]  # a question as shown: learning.present_question(...)


def field_name(question_key: str, part: str | None = None) -> str:
    """The form name (and id stem) of a question's control, or of one row of it."""
    return f"q-{question_key}" if part is None else f"q-{question_key}-{part}"


def first_control_id(question: Presented) -> str:
    """The id of the control an error-summary link should move focus to."""
    key = question["key"]
    if question["type"] in {"single_choice", "multiple_choice"}:
        return field_name(key, question["choices"][0]["id"])
    if question["type"] == "true_false":
        return field_name(key, "true")
    if question["type"] == "matching":
        return field_name(key, question["sources"][0]["id"])
    return field_name(key, question["items"][0]["id"])


def parse_answers(form: MultiDict, questions: Iterable[Presented]
                  ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Answers keyed by question key, and form-encoding errors keyed the same way."""
    answers: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for question in questions:
        key, kind = question["key"], question["type"]
        name = field_name(key)
        if kind == "single_choice":
            value = form.get(name)
            if value:
                answers[key] = value
        elif kind == "multiple_choice":
            values = [v for v in form.getlist(name) if v]
            if values:
                answers[key] = values
        elif kind == "true_false":
            value = form.get(name)
            if value in {"true", "false"}:
                answers[key] = value == "true"
            elif value:
                answers[key] = value  # not a boolean: the service rejects it by name
        elif kind == "matching":
            chosen = {source["id"]: form.get(field_name(key, source["id"]), "")
                      for source in question["sources"]}
            chosen = {source: target for source, target in chosen.items() if target}
            if chosen:
                answers[key] = chosen
        elif kind == "ordering":
            order, error = _ordering(form, key, question["items"])
            if error:
                errors[key] = [error]
            elif order:
                answers[key] = order
    return answers, errors


def _ordering(form: MultiDict, key: str, items: list[dict[str, Any]]
              ) -> tuple[list[str] | None, str | None]:
    """Item ids sorted by the position chosen for each, or an error when positions are
    missing, out of range or repeated."""
    positions: dict[str, int] = {}
    for item in items:
        raw = form.get(field_name(key, item["id"]), "").strip()
        if not raw:
            continue
        try:
            positions[item["id"]] = int(raw)
        except ValueError:
            positions[item["id"]] = 0
    if not positions:
        return None, None
    count = len(items)
    if len(positions) != count or sorted(positions.values()) != list(range(1, count + 1)):
        return None, _("Give each item a different position from 1 to %(count)s.", count=count)
    return sorted(positions, key=positions.__getitem__), None


def _how_to_answer(kind: str) -> str:
    """What a learner must do to answer a question of ``kind``, in the interface language."""
    if kind == "single_choice":
        return _("You have not answered. Choose one answer.")
    if kind == "multiple_choice":
        return _("You have not answered. Choose at least one answer.")
    if kind == "true_false":
        return _("You have not answered. Choose true or false.")
    if kind == "matching":
        return _("Choose a match for every item.")
    return _("Give every item a position.")


def question_errors(service_fields: dict[str, list[str]], form_errors: dict[str, list[str]],
                    questions: Iterable[Presented]) -> tuple[dict[str, list[str]], list[str]]:
    """Problems per question key for the page, and problems not tied to a question.

    The service decides *that* an answer is unusable and names it (``answers.<key>``); its
    messages are written for API clients in English, so the page says in the learner's
    language how to answer that kind of question instead.  Errors found while reading the
    form itself are more precise and win.
    """
    kinds = {q["key"]: q["type"] for q in questions}
    per_question: dict[str, list[str]] = {}
    other: list[str] = []
    for name, messages in service_fields.items():
        key = name.removeprefix("answers.")
        if key in kinds:
            per_question[key] = [_how_to_answer(kinds[key])]
        else:
            other.extend(messages)
    per_question.update(form_errors)
    return per_question, other
