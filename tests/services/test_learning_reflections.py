"""Reflections: minimum length, editing, events, privacy (own only) and export."""
from __future__ import annotations

import pytest

from elearn.errors import APIError
from elearn.events import ReflectionSaved
from elearn.models import Role
from elearn.services import learning
from elearn.services.accounts import create_user
from tests.services.support import names


@pytest.fixture
def enrolment(session, learner, course):
    return learning.enrol(session, learner, "testikurssi")


def test_save_then_edit(session, enrolment, recorded):
    unit = learning.unit_of(session, enrolment, "unit-1")
    first = learning.save_reflection(session, enrolment, unit, "r1",
                                     "  Verkostossa luottamus syntyy teoista.  ")
    assert first.text == "Verkostossa luottamus syntyy teoista."  # trimmed
    edited = learning.save_reflection(session, enrolment, unit, "r1",
                                      "Luottamus syntyy pienistä teoista ajan mittaan.")
    assert edited.id == first.id and edited.text.startswith("Luottamus")
    assert edited.updated_at >= edited.created_at
    saved = [e for e in recorded if isinstance(e, ReflectionSaved)]
    assert [e.reflection_id for e in saved] == [first.id, first.id]
    learning.save_reflection(session, enrolment, unit, "r1",
                             "Luottamus syntyy pienistä teoista ajan mittaan.")
    assert names(recorded).count("ReflectionSaved") == 2  # unchanged text: nothing new
    assert learning.reflection_for(session, enrolment, unit, "r1").id == first.id


@pytest.mark.parametrize("text, message", [
    ("liian lyhyt", "Write at least 20 characters (now 11)."),
    ("  " + "x" * 19 + "   ", "Write at least 20 characters (now 19)."),
    (42, "Write the reflection as text."),
    ("x" * 20_001, "Write at most 20000 characters (now 20001)."),
])
def test_invalid_text_is_refused_naming_text(session, enrolment, recorded, text, message):
    unit = learning.unit_of(session, enrolment, "unit-1")
    with pytest.raises(APIError) as refused:
        learning.save_reflection(session, enrolment, unit, "r1", text)
    assert refused.value.code == 422
    assert refused.value.details == {"fields": {"text": [message]}}
    assert learning.reflection_for(session, enrolment, unit, "r1") is None
    assert recorded == []


def test_unknown_task_is_404(session, enrolment):
    unit = learning.unit_of(session, enrolment, "unit-1")
    with pytest.raises(APIError) as missing:
        learning.save_reflection(session, enrolment, unit, "r9", "x" * 30)
    assert missing.value.code == 404 and missing.value.error_code == "reflection_task_not_found"


def test_reflections_of_returns_own_only(session, enrolment, learner):
    unit = learning.unit_of(session, enrolment, "unit-1")
    learning.save_reflection(session, enrolment, unit, "r1", "Oma pohdintani verkostosta.")
    other = create_user(session, username="naapuri", password="correct horse battery",
                        role=Role.LEARNER)
    theirs = learning.enrol(session, other, "testikurssi")
    learning.save_reflection(session, theirs, unit, "r1", "Naapurin salainen pohdinta.")
    assert [r.text for r in learning.reflections_of(session, learner)] == [
        "Oma pohdintani verkostosta."]
    assert [r.text for r in learning.reflections_of(session, other)] == [
        "Naapurin salainen pohdinta."]
    assert "Naapurin" not in learning.reflections_markdown(session, learner, "fi")
    assert all(row["text"] != "Naapurin salainen pohdinta."
               for row in learning.reflections_export(session, learner, "fi"))


def test_export_in_course_and_unit_order(session, enrolment, learner):
    second = learning.unit_of(session, enrolment, "unit-2")
    first = learning.unit_of(session, enrolment, "unit-1")
    learning.save_reflection(session, enrolment, second, "r1", "Toisen yksikön pohdinta.")
    learning.save_reflection(session, enrolment, first, "r1", "Ensimmäisen yksikön pohdinta.")
    rows = learning.reflections_export(session, learner, "sv")
    assert [(r["unit"], r["task"]) for r in rows] == [("unit-1", "r1"), ("unit-2", "r1")]
    assert rows[0]["prompt"] == "Reflect 1.1 (sv)" and rows[0]["course"] == "testikurssi"
    markdown = learning.reflections_markdown(session, learner, "sv")
    assert markdown.startswith("# Mina reflektioner\n\n## Course testikurssi (sv)\n")
    assert markdown.index("### Unit 1 (sv)") < markdown.index("Ensimmäisen yksikön pohdinta.") \
        < markdown.index("### Unit 2 (sv)") < markdown.index("Toisen yksikön pohdinta.")
    assert "> Reflect 2.1 (sv)" in markdown
