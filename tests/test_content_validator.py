"""The course file validator: every rule has a broken course under
``tests/fixtures/courses/broken/<rule>/`` and the exact ``path:line: message`` lines it gives.

Paths are shown as given: the tests run from the ``broken`` folder and name each course by
its folder, so the expected lines read ``<rule>/units/...``.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from elearn.content.loader import load_course, load_courses
from elearn.content.problems import Problem, sort_problems
from elearn.content.yamlsource import YAMLProblem, parse_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "courses"
BROKEN = FIXTURES / "broken"
VALID = FIXTURES / "valid"

EXPECTED = {
    'bad-id': [
        'bad-id/units/01-jakso/unit.yaml:1: id: "Jakso 1" is not a valid id (use lowercase letters a-z, digits, - and _, at most 100 characters)',
        'bad-id/units/01-jakso/unit.yaml:15: quiz.questions[0].id: "lisäarvo" is not a valid id (use lowercase letters a-z, digits, - and _, at most 100 characters)',
        'bad-id/units/01-jakso/unit.yaml:23: quiz.questions[0].choices[1].id: expected text, got a number (quote it: id: "010")',
    ],
    'course-id': [
        'course-id/course.yaml:1: id: must be the course folder\'s name "course-id" (got "toinen-kurssi")',
    ],
    'duplicate-ids': [
        'duplicate-ids/course.yaml:17: sources[1].id: duplicate source id "vnk-2019" (first on line 14)',
        'duplicate-ids/units/01-jakso/unit.yaml:23: quiz.questions[0].choices[1].id: duplicate id "a" (first on line 20)',
        'duplicate-ids/units/01-jakso/unit.yaml:28: quiz.questions[1].id: duplicate question id "kysymys" (first on line 15)',
        'duplicate-ids/units/01-jakso/unit.yaml:40: reflections[1].id: duplicate reflection id "pohdinta" (first on line 37)',
    ],
    'duplicate-key': [
        "duplicate-key/course.yaml:11: duplicate key 'mastery_score' (first on line 10)",
    ],
    'duplicate-unit-id': [
        'duplicate-unit-id/units/02-toinen/unit.yaml:1: id: duplicate unit id "jakso" (also in duplicate-unit-id/units/01-jakso/unit.yaml:1)',
    ],
    'feedback': [
        'feedback/units/01-jakso/unit.yaml:25: quiz.questions[0].feedback.incorrect: missing (required field)',
        'feedback/units/01-jakso/unit.yaml:27: quiz.questions[1].feedback: missing (required field)',
    ],
    'headings': [
        'headings/units/01-jakso/content.fi.md:1: headings start at ## (the page supplies the # title)',
        'headings/units/01-jakso/content.fi.md:5: headings start at ## (the page supplies the # title)',
    ],
    'images': [
        'images/units/01-jakso/content.fi.md:3: image "images/kuva.png" needs alt text: ![what the image shows](images/kuva.png)',
        'images/units/01-jakso/content.fi.md:5: image "images/puuttuu.png" not found',
        'images/units/01-jakso/content.fi.md:7: image "https://example.com/kuva.png" must be a file in the course folder (a relative path such as images/picture.png)',
        'images/units/01-jakso/content.fi.md:9: image "images/kuva.svg": use a .png, .jpg, .jpeg, .gif, .webp file',
        'images/units/01-jakso/content.fi.md:11: image "../../../salaisuus.png" points outside the course folder',
    ],
    'language-map': [
        'language-map/course.yaml:2: title.sv: missing translation',
        'language-map/course.yaml:4: title.de: unknown language (use fi, sv and en)',
        'language-map/course.yaml:9: description.en: expected non-empty text',
        'language-map/units/01-jakso/unit.yaml:6: objectives: every language needs the same number of objectives (fi 1, sv 1, en 2)',
        'language-map/units/01-jakso/unit.yaml:18: quiz.questions[0].prompt: expected a language map with fi, sv and en',
    ],
    'links': [
        'links/units/01-jakso/content.fi.md:5: link "javascript:alert(1)": only https://, http://, mailto: and relative links are allowed',
        'links/units/01-jakso/content.fi.md:5: link "data:text/html;base64,PHNjcmlwdD4=": only https://, http://, mailto: and relative links are allowed',
        'links/units/01-jakso/content.fi.md:6: link "ftp://example.com/": only https://, http://, mailto: and relative links are allowed',
        'links/units/01-jakso/content.fi.md:6: link "/admin": a relative link is relative to this file (no leading /)',
        'links/units/01-jakso/content.fi.md:6: link "liite.pdf" not found',
        'links/units/01-jakso/content.fi.md:7: link "muistio.txt": relative links may point to .png, .jpg, .jpeg, .gif, .webp, .pdf files only',
        'links/units/01-jakso/content.fi.md:7: link "//evil.example/": only https://, http://, mailto: and relative links are allowed',
    ],
    'many-problems': [
        'many-problems/course.yaml:10: mastery_score: must be between 0 and 1 (got 2)',
        'many-problems/units/01-jakso/content.sv.md:1: headings start at ## (the page supplies the # title)',
        'many-problems/units/01-jakso/content.sv.md:3: raw HTML is not allowed: <i>',
        'many-problems/units/01-jakso/content.sv.md:3: raw HTML is not allowed: </i>',
        'many-problems/units/01-jakso/unit.yaml:12: quiz.pass_mark: must be between 0 and 1 (got -1)',
        'many-problems/units/01-jakso/unit.yaml:19: quiz.questions[0].choices: single_choice needs exactly one choice with correct: true (found 0)',
    ],
    'mastery': [
        "mastery/course.yaml:10: mastery_score: 0.6 is above the pass mark 0.5 of units/01-jakso/ (the course is passed when every unit's quiz is: use at most 0.5)",
    ],
    'matching': [
        'matching/units/01-jakso/unit.yaml:32: quiz.questions[1].pairs: needs at least 2 pairs (found 1)',
        'matching/units/01-jakso/unit.yaml:33: quiz.questions[1].pairs[0].target: missing (required field)',
    ],
    'missing-field': [
        'missing-field/units/01-jakso/unit.yaml:1: title: missing (required field)',
        'missing-field/units/01-jakso/unit.yaml:11: quiz.questions[0].prompt: missing (required field)',
    ],
    'missing-files': [
        'missing-files/units/01-jakso/content.de.md:1: unknown language in the file name (use content.fi.md, content.sv.md, content.en.md)',
        'missing-files/units/01-jakso/content.en.md:1: file is empty',
        'missing-files/units/01-jakso/content.sv.md:1: file is missing',
    ],
    'multiple-choice': [
        'multiple-choice/units/01-jakso/unit.yaml:32: quiz.questions[1].choices: multiple_choice needs at least one choice with correct: true',
    ],
    'ordering': [
        'ordering/units/01-jakso/unit.yaml:32: quiz.questions[1].items: needs at least 2 items (found 1)',
        'ordering/units/01-jakso/unit.yaml:39: quiz.questions[2].type: unknown question type (use single_choice, multiple_choice, true_false, matching, ordering)',
    ],
    'question-source': [
        'question-source/units/01-jakso/unit.yaml:14: quiz.questions[0].source: missing (required field)',
        'question-source/units/01-jakso/unit.yaml:23: quiz.questions[1].source: unknown source "vnk-2010" (not in course.yaml)',
        'question-source/units/01-jakso/unit.yaml:29: quiz.questions[2].source: expected a source id or a list of source ids from course.yaml',
        'question-source/units/01-jakso/unit.yaml:35: quiz.questions[3].source: empty list (expected a source id or a list of source ids from course.yaml)',
        'question-source/units/01-jakso/unit.yaml:41: quiz.questions[4].source[1]: unknown source "vnk" (not in course.yaml)',
        'question-source/units/01-jakso/unit.yaml:41: quiz.questions[4].source[2]: "soste" is listed twice',
        'question-source/units/01-jakso/unit.yaml:41: quiz.questions[4].source[3]: expected a source id from course.yaml',
    ],
    'quiz-numbers': [
        'quiz-numbers/course.yaml:10: mastery_score: must be between 0 and 1 (got 80)',
        'quiz-numbers/units/01-jakso/unit.yaml:12: quiz.pass_mark: must be between 0 and 1 (got 1.5)',
        'quiz-numbers/units/01-jakso/unit.yaml:13: quiz.max_attempts: must be 0 (unlimited) to 1000 (got -1)',
        'quiz-numbers/units/01-jakso/unit.yaml:14: quiz.draw: draws 2 questions but the bank has 1',
        'quiz-numbers/units/01-jakso/unit.yaml:32: reflections[0].min_length: must be 0 to 20000 (got -5)',
    ],
    'raw-html': [
        'raw-html/units/01-jakso/content.fi.md:3: raw HTML is not allowed: <script>alert("x")</script>',
        'raw-html/units/01-jakso/content.fi.md:5: raw HTML is not allowed: <b onclick="x()">',
        'raw-html/units/01-jakso/content.fi.md:5: raw HTML is not allowed: </b>',
        'raw-html/units/01-jakso/content.fi.md:5: raw HTML is not allowed: <!-- huomautus -->',
    ],
    'shuffle': [
        'shuffle/units/01-jakso/unit.yaml:18: quiz.questions[0].shuffle: expected true or false',
        'shuffle/units/01-jakso/unit.yaml:32: quiz.questions[1].shuffle: unknown field (allowed here: id, type, source, points, prompt, feedback, answer)',
    ],
    'single-choice': [
        'single-choice/units/01-jakso/unit.yaml:19: quiz.questions[0].choices: single_choice needs exactly one choice with correct: true (found 2)',
        'single-choice/units/01-jakso/unit.yaml:33: quiz.questions[1].choices: needs at least 2 choices (found 1)',
        'single-choice/units/01-jakso/unit.yaml:33: quiz.questions[1].choices: single_choice needs exactly one choice with correct: true (found 0)',
        'single-choice/units/01-jakso/unit.yaml:36: quiz.questions[1].choices[0].correct: expected true or false',
    ],
    'sources': [
        'sources/units/01-jakso/unit.yaml:10: sources[1]: unknown source "soste" (not in course.yaml)',
    ],
    'true-false': [
        'true-false/units/01-jakso/unit.yaml:32: quiz.questions[1].answer: expected true or false',
        'true-false/units/01-jakso/unit.yaml:36: quiz.questions[2].answer: missing (required field)',
        'true-false/units/01-jakso/unit.yaml:40: quiz.questions[2].choices: unknown field (allowed here: id, type, source, points, prompt, feedback, answer)',
    ],
    'unit-listing': [
        'unit-listing/course.yaml:11: units: folder units/03-listaamaton/ is not listed',
        'unit-listing/course.yaml:13: units[1]: folder units/02-puuttuu/ does not exist',
        'unit-listing/course.yaml:14: units[2]: "01-jakso" is listed twice (first on line 12)',
        'unit-listing/course.yaml:15: units[3]: "../salaisuudet" must be a plain folder name under units/',
    ],
    'unknown-field': [
        'unknown-field/units/01-jakso/unit.yaml:19: quiz.questions[0].choices: single_choice needs exactly one choice with correct: true (found 0)',
        'unknown-field/units/01-jakso/unit.yaml:22: quiz.questions[0].choices[0].corect: unknown field (allowed here: id, text, correct, feedback)',
    ],
    'wrong-type': [
        'wrong-type/course.yaml:10: mastery_score: expected a number',
        'wrong-type/units/01-jakso/unit.yaml:11: estimated_minutes: expected a whole number',
        'wrong-type/units/01-jakso/unit.yaml:19: quiz.questions[0].prompt.sv: expected text, got the number 2024 (quote the text)',
        'wrong-type/units/01-jakso/unit.yaml:19: quiz.questions[0].prompt.en: expected text, got true (YAML reads yes, no, on, off, true and false as true/false: quote the text)',
        'wrong-type/units/01-jakso/unit.yaml:30: reflections[0]: expected a mapping of fields',
    ],
    'yaml-syntax': [
        'yaml-syntax/units/01-jakso/unit.yaml:14: YAML syntax error: while parsing a block mapping: did not find expected key',
    ],
}


def test_every_broken_fixture_is_covered():
    assert sorted(path.name for path in BROKEN.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_broken_course_reports_exact_problems(rule, monkeypatch):
    monkeypatch.chdir(BROKEN)
    _course, problems = load_course(rule)
    assert [str(problem) for problem in problems] == EXPECTED[rule]


def test_valid_fixture_has_no_problems():
    courses, problems = load_courses(VALID)
    assert problems == []
    assert [course.slug for course in courses] == ["pienikurssi"]
    course = courses[0]
    assert [unit.folder for unit in course.units] == ["01-verkoston-perusta", "02-luottamus"]
    types = {question["type"] for unit in course.units for question in unit.data["quiz"]["questions"]}
    assert types == {"single_choice", "multiple_choice", "true_false", "matching", "ordering"}


def test_folder_of_courses_reports_all_courses_sorted(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    courses, problems = load_courses("broken")
    assert len(courses) == len(EXPECTED)
    expected = sorted((f"broken/{line}".replace("(also in ", "(also in broken/")
                       for lines in EXPECTED.values() for line in lines),
                      key=lambda text: (text.split(":")[0], int(text.split(":")[1])))
    assert [str(problem) for problem in problems] == expected


def test_absolute_path_gives_absolute_paths():
    _course, problems = load_course(BROKEN / "sources")
    assert [str(problem) for problem in problems] == [
        f"{BROKEN}/sources/units/01-jakso/unit.yaml:10: sources[1]: unknown source \"soste\" "
        "(not in course.yaml)"]


def test_a_folder_without_courses_is_one_problem(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    courses, problems = load_courses("empty")
    assert courses == []
    assert [str(problem) for problem in problems] == [
        "empty/course.yaml:1: file is missing (PATH must be a course folder or a folder of "
        "course folders)"]


def test_problems_sort_by_file_then_line_keeping_order_within_a_line():
    problems = [Problem("b.yaml", 2, "z"), Problem("a.yaml", 10, "y"), Problem("a.yaml", 9, "x"),
                Problem("b.yaml", 2, "a"), Problem("a.yaml", 10, "y")]
    assert [str(p) for p in sort_problems(problems)] == [
        "a.yaml:9: x", "a.yaml:10: y", "b.yaml:2: z", "b.yaml:2: a"]


def test_yaml_keeps_lines_of_keys_values_and_items():
    data, minor = parse_yaml("a: 1\nb:\n  - x\n  - y: 2\n    z: [3]\n")
    assert minor == []
    assert data.key_lines == {"a": 1, "b": 2}
    assert data["b"].item_lines == [3, 4]
    assert data["b"][1].value_line("z") == 5


def test_yaml_reports_duplicate_keys_and_syntax_errors():
    data, minor = parse_yaml("a: 1\nb: 2\na: 3\n")
    assert data == {"a": 1, "b": 2}
    assert minor == [(3, "duplicate key 'a' (first on line 1)")]
    with pytest.raises(YAMLProblem) as error:
        parse_yaml("a: [1, 2\nb: 3\n")
    assert error.value.line == 2  # where the unexpected ":" is
    assert error.value.message.startswith("YAML syntax error: ")


def test_recursive_alias_is_a_problem_not_a_crash():
    with pytest.raises(YAMLProblem) as error:
        parse_yaml("a: &x\n  b: *x\n")
    assert "anchors" in error.value.message and error.value.line == 1


def test_markdown_problems_name_the_exact_line_in_nested_blocks(tmp_path):
    from elearn.content.markdown_check import check_markdown
    from elearn.content.problems import Collector

    text = ("## Otsikko\n\nEnsimmäinen rivi\ntoinen rivi [x](ftp://a.example/)\n\n"
            "- kohta\n- toinen <span>kohta</span>\n\n> lainaus\n> ![](kuva.png)\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n| [y](javascript:x) | 4 |\n")
    (tmp_path / "kuva.png").write_bytes(b"png")
    found: list[Problem] = []
    check_markdown(text, tmp_path, tmp_path, Collector("c.md", found))
    assert [str(p) for p in found] == [
        'c.md:4: link "ftp://a.example/": only https://, http://, mailto: and relative links '
        "are allowed",
        "c.md:7: raw HTML is not allowed: <span>",
        "c.md:7: raw HTML is not allowed: </span>",
        'c.md:10: image "kuva.png" needs alt text: ![what the image shows](kuva.png)',
        'c.md:15: link "javascript:x": only https://, http://, mailto: and relative links are '
        "allowed",
    ]
