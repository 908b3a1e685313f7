"""``docs/xapi-profile.md`` shows what the code produces: its example statements are the
builder's output, its verb table is the vocabulary, and the examples are valid for Ralph."""
from __future__ import annotations

import json
import re

from elearn.xapi import vocabulary
from tests.xapi.profile_examples import (DOC, doc_blocks, examples, full_statements,
                                         identity_example, render)
from tests.xapi.support import ralph_errors


def test_doc_examples_are_the_builders_output():
    blocks = doc_blocks(DOC.read_text(encoding="utf-8"))
    generated = examples()
    assert set(blocks) == set(generated)
    for name, value in generated.items():
        assert blocks[name] == render(value), (
            f"docs/xapi-profile.md example {name!r} is stale; run "
            ".venv/bin/python -m tests.xapi.profile_examples")


def test_doc_covers_every_event_and_question_type():
    generated = examples()
    verbs = {s["verb"]["id"].rsplit("/", 1)[1] for s in full_statements()}
    assert verbs == set(vocabulary.VERBS)
    interactions = {v.get("interactionType") for k, v in generated.items()
                    if k.startswith("answered-") and isinstance(v, dict)} | {
        s["object"]["definition"].get("interactionType") for s in full_statements()}
    assert {"choice", "true-false", "matching", "sequencing", "long-fill-in"} <= interactions


def test_doc_examples_are_valid_for_ralph():
    statements = full_statements()
    assert len(statements) == 10
    assert ralph_errors(statements) == [[]] * len(statements)


def test_worked_id_example_matches():
    text = DOC.read_text(encoding="utf-8")
    registered_id = examples()["registered"]["id"]
    assert identity_example() == registered_id
    assert f"`{registered_id}` (the example below)" in text


def test_verb_table_matches_the_vocabulary():
    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\w+) \| `(http[^`]+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", text,
                      re.M)
    table = {name: (iri, {"fi": fi.strip(), "sv": sv.strip(), "en": en.strip()})
             for name, iri, fi, sv, en in rows}
    assert table == {name: (verb.id, verb.display) for name, verb in vocabulary.VERBS.items()}


def test_examples_are_json_documents():
    for body in doc_blocks(DOC.read_text(encoding="utf-8")).values():
        json.loads(body)
