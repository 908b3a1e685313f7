"""Trainer preview: course folders rendered as learners see them, problems inline as
file:line: message, languages, and no way out of the courses folder."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "courses" / "valid" / "pienikurssi"


@pytest.fixture
def courses(tmp_path) -> Path:
    root = tmp_path / "courses"
    shutil.copytree(FIXTURES, root / "pienikurssi")
    broken = root / "rikki"
    shutil.copytree(FIXTURES, broken)
    course_file = broken / "course.yaml"
    course_file.write_text(course_file.read_text(encoding="utf-8")
                           .replace("id: pienikurssi", "id: rikki"), encoding="utf-8")
    unit_file = broken / "units" / "02-luottamus" / "unit.yaml"
    unit_file.write_text(unit_file.read_text(encoding="utf-8")
                         .replace("pass_mark: 0.5", "pass_mark: 5"), encoding="utf-8")
    (tmp_path / "secret.txt").write_text("not for trainers", encoding="utf-8")
    return root


@pytest.fixture
def app_overrides(courses, tmp_path):
    return {"COURSES_PATH": str(courses), "COURSE_MEDIA_PATH": str(tmp_path / "media")}


@pytest.mark.parametrize("role", ["learner", "hr"])
def test_only_trainers_and_admins(client_as, role):
    client = client_as(role)
    for url in ("/trainer/preview", "/trainer/preview/pienikurssi"):
        assert client.get(url).status_code == 403


def test_trainer_lands_on_the_preview_list(client_as):
    client = client_as("trainer")
    assert client.get("/").headers["Location"].endswith("/trainer/preview")
    html = client.get("/trainer/preview").get_data(as_text=True)
    assert 'href="/trainer/preview/pienikurssi"' in html and 'href="/trainer/preview/rikki"' in html


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_valid_course_renders_every_unit_with_the_learner_question_partial(client_as, role):
    html = client_as(role).get("/trainer/preview/pienikurssi?lang=sv").get_data(as_text=True)
    assert "No problems: the course can be imported." in html
    assert "Förtroende" in html and "Para ihop begreppen." in html  # unit 2 title, matching
    assert 'class="question' in html and "<fieldset" in html  # learner/_question.html
    assert "Hur bygger du förtroende?" in html  # reflection prompt
    assert "<form" not in html.split("<main")[1].split("</main>")[0]  # nothing can be saved
    assert 'lang="sv"' in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "every unit's controls need their own ids"


def test_broken_course_shows_problems_inline_and_renders_the_rest(client_as):
    html = client_as("trainer").get("/trainer/preview/rikki?lang=fi").get_data(as_text=True)
    assert "These files cannot be published yet" in html
    problem = "courses/rikki/units/02-luottamus/unit.yaml:10: quiz.pass_mark: must be between 0 and 1 (got 5)"
    assert problem in html
    unit2 = html.split("units/02-luottamus</code>")[1]
    assert problem in unit2  # shown beside its unit
    unit1 = html.split("units/02-luottamus</code>")[0]
    assert "Verkoston perusta" in unit1 and "Ketkä ovat jäseniä?" in unit1  # still rendered
    assert "<fieldset" in unit1


def test_no_path_traversal(client_as):
    client = client_as("trainer")
    for url in ("/trainer/preview/..", "/trainer/preview/%2e%2e", "/trainer/preview/..%2Fsecret.txt",
                "/trainer/preview/../secret.txt", "/trainer/preview/nonexistent"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"not for trainers" not in response.data


def test_unknown_language_falls_back_to_finnish(client_as):
    html = client_as("trainer").get("/trainer/preview/pienikurssi?lang=de").get_data(as_text=True)
    assert "Yhdistä käsitteet." in html


def test_each_question_shows_its_answer_key_and_ground(client_as):
    html = client_as("trainer").get("/trainer/preview/pienikurssi?lang=en").get_data(as_text=True)
    blocks = html.split('<dl class="answer-key">')[1:]
    questions = html.count('<fieldset class="question')
    assert len(blocks) == questions == 6  # every question of both units has one
    matching = blocks[3]
    assert "Trust → Grows from actions" in matching and "Reciprocity → Gives and takes" in matching
    assert 'href="https://vnk.fi/"' in matching and "<code>soste</code>" in matching
    assert "<code>vnk-2019</code>" in matching  # a list of grounds shows each one
    ordering = blocks[4].split("<ol>")[1].split("</ol>")[0]
    assert ordering.index("Get to know each other") < ordering.index("Agree the ground rules")
    true_false = blocks[5]
    assert "<dd>False</dd>" in true_false and "<code>soste</code>" in true_false
    single = blocks[0]
    assert "<dd>A shared result</dd>" in single and "More meetings" not in single


def test_answer_key_is_translated(client_as):
    html = client_as("trainer").get("/trainer/preview/pienikurssi?lang=fi").get_data(as_text=True)
    assert "<dd>Yhteinen tulos</dd>" in html


def test_question_ids_repeated_across_units_get_their_own_fieldset_ids(client_as, courses):
    """Question ids are unique within a unit only: the whole-course preview still gives each
    unit's fieldsets and controls ids of their own."""
    unit = courses / "pienikurssi" / "units" / "02-luottamus" / "unit.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("- id: parit", "- id: lisaarvo"),
                    encoding="utf-8")
    html = client_as("trainer").get("/trainer/preview/pienikurssi").get_data(as_text=True)
    assert html.count("<fieldset") >= 6
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
