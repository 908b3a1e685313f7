"""The example statements of ``docs/xapi-profile.md``, built by the real statement builder
from fixed records (a learner on unit 1 of the network-leadership course).

    .venv/bin/python -m tests.xapi.profile_examples          # rewrite the doc's examples
    .venv/bin/python -m tests.xapi.profile_examples --check  # exit 1 when the doc is stale

``tests/xapi/test_profile_doc.py`` fails when the doc and the code disagree.
"""
from __future__ import annotations

import json
import re
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from elearn.models import (AttemptAnswer, Course, CourseVersion, Enrolment, Question,
                           QuizAttempt, Reflection, ReflectionTask, Unit, User)
from elearn.xapi.statements import EnrolmentStatements, ProfileSettings, namespace_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "xapi-profile.md"
PUBLIC_URL = "https://elearn.example.fi"
T0 = datetime(2026, 5, 4, 9, 15, 2, 123000, tzinfo=timezone.utc)


def _lm(fi: str, sv: str, en: str) -> dict[str, str]:
    return {"fi": fi, "sv": sv, "en": en}


QUESTIONS: list[dict[str, Any]] = [
    {"id": "ilmiolahtoisyys-haastaa", "type": "single_choice",
     "prompt": _lm("Mitä ilmiölähtöisyys haastaa?", "Vad utmanar det fenomenbaserade arbetet?",
                   "What does phenomenon-based work challenge?"),
     "choices": [
         {"id": "a", "correct": True,
          "text": _lm("Hierarkkisen ja siiloutuneen tavan organisoitua",
                      "Det hierarkiska och stuprörsindelade sättet att organisera sig",
                      "The hierarchical, siloed way of organising")},
         {"id": "b", "text": _lm("Hallinnon lainalaisuuden", "Förvaltningens lagbundenhet",
                                 "The rule of law in administration")}]},
    {"id": "siilonmurtajat", "type": "multiple_choice",
     "prompt": _lm("Mitkä väitteet Siilonmurtajista pitävät paikkansa?",
                   "Vilka påståenden om Siilonmurtajat stämmer?",
                   "Which statements about Siilonmurtajat are true?"),
     "choices": [
         {"id": "a", "correct": True, "text": _lm("Kokeiluja vuonna 2018", "Försök år 2018",
                                                  "Experiments in 2018")},
         {"id": "b", "text": _lm("Virastoja yhdistettiin", "Ämbetsverk slogs samman",
                                 "Agencies were merged")},
         {"id": "c", "correct": True, "text": _lm("Neljä kokeilua valittiin",
                                                  "Fyra försök valdes",
                                                  "Four experiments were chosen")}]},
    {"id": "muutos-rakenteista", "type": "true_false", "answer": False,
     "prompt": _lm("Muutoksen on aina lähdettävä rakenteista.",
                   "Förändringen måste alltid börja i strukturerna.",
                   "Change must always start from structures.")},
    {"id": "kasitteet", "type": "matching",
     "prompt": _lm("Yhdistä käsite ja sen kuvaus.", "Para ihop begreppet med dess beskrivning.",
                   "Match each concept with its description."),
     "pairs": [
         {"id": "ilmiolahtoisyys", "source": _lm("Ilmiölähtöisyys", "Fenomenbaserat arbete",
                                                 "Phenomenon-based approach"),
          "target": _lm("Työ järjestetään ilmiön ympärille.",
                        "Arbetet organiseras kring fenomenet.",
                        "Work is organised around the phenomenon.")},
         {"id": "siiloutuminen", "source": _lm("Siiloutuminen", "Stuprör", "Siloing"),
          "target": _lm("Kukin sektori katsoo vain omaa osaansa.",
                        "Varje sektor ser bara sin egen del.",
                        "Each sector sees only its own part.")}]},
    {"id": "kokeilun-vaiheet", "type": "ordering",
     "prompt": _lm("Järjestä kokeilun vaiheet.", "Ordna försökets faser.",
                   "Put the phases of an experiment in order."),
     "items": [{"id": "suunnittele", "text": _lm("Suunnittele", "Planera", "Design")},
               {"id": "toteuta", "text": _lm("Toteuta", "Genomför", "Run")},
               {"id": "arvioi", "text": _lm("Arvioi", "Utvärdera", "Evaluate")}]},
]

# A first attempt: right, wrong, right, one pair swapped, right.
RESPONSES = {"ilmiolahtoisyys-haastaa": "a", "siilonmurtajat": ["a", "b"],
             "muutos-rakenteista": False,
             "kasitteet": {"ilmiolahtoisyys": "siiloutuminen", "siiloutuminen": "ilmiolahtoisyys"},
             "kokeilun-vaiheet": ["suunnittele", "toteuta", "arvioi"]}
CORRECT = {"ilmiolahtoisyys-haastaa": True, "siilonmurtajat": False, "muutos-rakenteista": True,
           "kasitteet": False, "kokeilun-vaiheet": True}


def records() -> dict[str, Any]:
    """Transient model objects (never stored) for one learner who finished unit 1 of 2."""
    course = Course(slug="verkostojohtaminen")
    version = CourseVersion(
        course=course, number=3, mastery_score=0.8,
        title=_lm("Verkostotyö ja verkostojohtaminen valtionhallinnossa",
                  "Nätverksarbete och nätverksledning i statsförvaltningen",
                  "Network work and network leadership in central government"),
        description=_lm("Kurssi valtionhallinnon asiantuntijoille ja esihenkilöille.",
                        "En kurs för sakkunniga och chefer i statsförvaltningen.",
                        "A course for experts and managers in central government."))
    unit = Unit(version=version, unit_key="miksi-verkostot", activity_key="miksi-verkostot",
                quiz_activity_key="miksi-verkostot/quiz", position=1, pass_mark=0.75,
                title=_lm("Miksi verkostoja tarvitaan?", "Varför behövs nätverk?",
                          "Why are networks needed?"),
                objectives={"fi": ["Osaat selittää, miksi ilmiöt haastavat siilot."],
                            "sv": ["Du kan förklara varför fenomen utmanar stuprören."],
                            "en": ["You can explain why phenomena challenge silos."]})
    Unit(version=version, unit_key="perusteet", activity_key="perusteet",
         quiz_activity_key="perusteet/quiz", position=2, pass_mark=0.75,
         title=_lm("Verkostotyön perusteet", "Grunderna i nätverksarbete",
                   "Basics of network work"), objectives={})
    questions = [Question(unit=unit, id=i, question_key=data["id"], type=data["type"],
                          activity_key=f"miksi-verkostot/quiz/{data['id']}", position=i,
                          points=1.0, data=data)
                 for i, data in enumerate(QUESTIONS, start=1)]
    task = ReflectionTask(unit=unit, task_key="ongelma", position=1, min_length=150,
                          activity_key="miksi-verkostot/reflection/ongelma",
                          prompt=_lm("Mitä ongelmaa yksikkösi ei pysty ratkaisemaan yksin?",
                                     "Vilket problem kan din enhet inte lösa ensam?",
                                     "Which problem can your unit not solve alone?"))
    user = User(username="example.learner", display_name="Example Learner",
                email="example.learner@virasto.example.fi",
                opaque_id="3f9c2a7d51e84b0c9a6e2d4f8b1c7e05", preferred_language="fi")
    enrolment = Enrolment(registration="6a1f0e4c-2b7d-4c9a-8e35-0d2f7b9c4a18", user=user,
                          version=version, enrolled_at=T0, score=0.9,
                          completed_at=T0 + timedelta(minutes=50),
                          passed_at=T0 + timedelta(minutes=50))

    def attempt(number: int, started: timedelta, minutes: int,
                right: dict[str, bool]) -> QuizAttempt:
        made = QuizAttempt(unit=unit, number=number, question_ids=[q.id for q in questions],
                           started_at=T0 + started,
                           submitted_at=T0 + timedelta(minutes=minutes, seconds=0.456))
        for question in questions:
            ok = right[question.question_key]
            made.answers.append(AttemptAnswer(
                question=question, question_id=question.id, correct=ok,
                points=1.0 if ok else 0.0,
                response=RESPONSES[question.question_key] if not all(right.values())
                else _correct(question.data)))
        made.score_raw = sum(a.points for a in made.answers)
        made.score_max = float(len(questions))
        made.score_scaled = made.score_raw / made.score_max
        made.passed = made.score_scaled >= unit.pass_mark
        return made

    first = attempt(1, timedelta(minutes=2, seconds=3.2), 12, CORRECT)
    second = attempt(2, timedelta(minutes=12, seconds=40.1), 15, {q: True for q in CORRECT})
    reflection = Reflection(task=task, text="Työttömien palvelupolku katkeaa virastojen "
                                            "välissä; tarvitsemme TE-toimiston ja kunnan.",
                            created_at=T0 + timedelta(minutes=20),
                            updated_at=T0 + timedelta(minutes=24, seconds=0.789))
    return {"enrolment": enrolment, "unit": unit, "first": first, "second": second,
            "reflection": reflection}


def _correct(data: dict[str, Any]) -> Any:
    from tests.factories import correct_response
    return correct_response(data)


def settings(**overrides: Any) -> ProfileSettings:
    config = {"PUBLIC_URL": PUBLIC_URL, "XAPI_NAMESPACE": "", "XAPI_ACTOR": "account",
              "XAPI_ACTOR_HOMEPAGE": "", "XAPI_SEND_REFLECTION_TEXT": False,
              "DEFAULT_LANGUAGE": "fi", **overrides}
    return ProfileSettings.from_config(config)


def examples() -> dict[str, Any]:
    """Every example of the doc by name."""
    r = records()
    build = EnrolmentStatements(settings(), r["enrolment"])
    unit = r["unit"]
    first, second = r["first"], r["second"]
    answered = {a.question.data["type"]: build.answered(first, a) for a in first.answers}
    with_text = EnrolmentStatements(settings(XAPI_SEND_REFLECTION_TEXT=True), r["enrolment"])
    mbox = EnrolmentStatements(settings(XAPI_ACTOR="mbox"), r["enrolment"])
    done = T0 + timedelta(minutes=25, seconds=0.001)
    opened = T0 + timedelta(minutes=1, seconds=0.5)
    found = {
        "registered": build.registered(T0),
        "experienced": build.experienced(unit, opened),
        "answered-choice": answered["single_choice"],
        "answered-multiple-choice": answered["multiple_choice"]["object"]["definition"],
        "answered-multiple-choice-result": answered["multiple_choice"]["result"],
        "answered-true-false": answered["true_false"]["object"]["definition"],
        "answered-true-false-result": answered["true_false"]["result"],
        "answered-matching": answered["matching"]["object"]["definition"],
        "answered-matching-result": answered["matching"]["result"],
        "answered-sequencing": answered["ordering"]["object"]["definition"],
        "answered-sequencing-result": answered["ordering"]["result"],
        "failed": build.attempt_result(first),
        "passed-quiz": build.attempt_result(second),
        "answered-reflection": build.reflection(r["reflection"]),
        "answered-reflection-with-text": with_text.reflection(r["reflection"])["result"],
        "completed-unit": build.unit_completed(unit, done, opened),
        "progressed": build.course_progressed(0.5, done),
        "completed-course": build.course_completed(r["enrolment"].completed_at),
        "passed-course": build.course_passed(r["enrolment"].passed_at),
        "actor-mbox": mbox.registered(T0)["actor"],
    }
    return found


def full_statements() -> list[dict[str, Any]]:
    """The examples that are whole statements (for validation)."""
    return [value for value in examples().values() if isinstance(value, dict) and "verb" in value]


def render(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


BLOCK = re.compile(r"(<!-- example: (?P<name>[a-z0-9-]+) -->\n```json\n)(?P<body>.*?)(```\n"
                   r"<!-- /example -->)", re.S)


def doc_blocks(text: str) -> dict[str, str]:
    return {m.group("name"): m.group("body").rstrip("\n") for m in BLOCK.finditer(text)}


def rewrite(text: str) -> str:
    found = examples()

    def replace(match: re.Match) -> str:
        return match.group(1) + render(found[match.group("name")]) + "\n" + match.group(4)
    return BLOCK.sub(replace, text)


def identity_example() -> str:
    """The statement id derivation, worked through for the registered example."""
    namespace = namespace_for({"PUBLIC_URL": PUBLIC_URL})
    return str(uuid.uuid5(namespace, "registered|6a1f0e4c-2b7d-4c9a-8e35-0d2f7b9c4a18"))


if __name__ == "__main__":
    current = DOC.read_text(encoding="utf-8")
    fresh = rewrite(current)
    if "--check" in sys.argv:
        sys.exit(0 if fresh == current else 1)
    DOC.write_text(fresh, encoding="utf-8")
