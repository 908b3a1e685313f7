"""Learner pages through the Flask test client: who may open them, the quiz and reflection
forms (errors tied to fields, input kept), progress, completion and privacy."""
from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from elearn.models import QuizAttempt
from tests.learner_pages.helpers import answers_form, attempt_id_in, csrf_token_in

UNIT1 = "/learn/courses/testikurssi/units/unit-1"
REFLECTION = "A long enough reflection about my own network."


def _enrol(client) -> str:
    response = client.post("/learn/courses/testikurssi/enrol")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(UNIT1)
    page = client.get(UNIT1)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _pass_unit(client, db_session, unit_url: str = UNIT1) -> None:
    html = client.get(unit_url).get_data(as_text=True)
    db_session.expire_all()
    result = client.post(unit_url + "/quiz", data=answers_form(db_session, attempt_id_in(html)))
    assert result.status_code == 303, result.get_data(as_text=True)[:400]
    saved = client.post(unit_url + "/reflections/r1", data={"text": REFLECTION})
    assert saved.status_code == 303


@pytest.mark.parametrize("role", ["trainer", "hr", "admin"])
def test_other_roles_cannot_open_learner_pages(app, course, client_as, role):
    client = client_as(role)
    for url in ("/learn/dashboard", "/learn/courses", "/learn/courses/testikurssi", UNIT1,
                "/learn/reflections", "/learn/reflections/download"):
        assert client.get(url).status_code == 403, url
    assert client.post("/learn/courses/testikurssi/enrol").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(app, course):
    response = app.test_client().get("/learn/dashboard")
    assert response.status_code == 302
    assert "/login?next=/learn/dashboard" in response.headers["Location"]


def test_learners_land_on_their_dashboard(app, course, client_as):
    client = client_as("learner")
    assert client.get("/").headers["Location"].endswith("/learn/dashboard")
    page = client.get("/learn/dashboard").get_data(as_text=True)
    assert 'href="/learn/courses"' in page  # nothing started yet: a way to the catalogue
    assert 'aria-current="page"' in page


def test_catalogue_and_overview_before_enrolment(app, course, learner):
    catalogue = learner.get("/learn/courses").get_data(as_text=True)
    assert "Course testikurssi" in catalogue and "Not started" in catalogue
    overview = learner.get("/learn/courses/testikurssi").get_data(as_text=True)
    assert "Start the course" in overview
    assert overview.count("<h1>") == 1
    # Units cannot be opened before enrolling.
    assert learner.get(UNIT1).headers["Location"].endswith("/learn/courses/testikurssi")
    assert learner.get("/learn/courses/nosuchcourse").status_code == 404


def test_unit_page_shows_objectives_content_quiz_and_reflection(app, course, learner):
    html = _enrol(learner)
    assert "<h1>Unit 1</h1>" in html
    assert "Objective 1 (en)" in html and "<p>Content 1 (en).</p>" in html
    for control in ('type="radio" id="q-q1-single-choice-a"', 'type="checkbox"',
                    'id="q-q3-true-false-true"', '<select id="q-q4-matching-p1"',
                    '<select id="q-q5-ordering-first"', '<textarea id="reflection-r1-text"'):
        assert control in html, control
    assert html.count("<legend>") == 5
    assert 'for="q-q5-ordering-first"' in html  # every control has a label


def test_rejected_quiz_shows_errors_by_the_fields_and_keeps_input(app, course, learner,
                                                                  db_session):
    html = _enrol(learner)
    attempt_id = attempt_id_in(html)
    data = answers_form(db_session, attempt_id, skip=("multiple_choice", "matching"))
    data = [(k, v) for k, v in data.items(multi=True) if not k.startswith("q-q5")]
    data += [("q-q5-ordering-first", "1"), ("q-q5-ordering-second", "1"),
             ("q-q5-ordering-third", "2")]
    response = learner.post(UNIT1 + "/quiz", data=MultiDict(data))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<title>Error: Unit 1" in page
    summary = page[page.index('class="error-summary"'):page.index("</ul>", page.index(
        'class="error-summary"'))]
    first_shown = re.search(r'<input type="checkbox" id="(q-q2-multiple-choice-[a-d])"', page)
    assert f'href="#{first_shown.group(1)}"' in summary  # the first choice as shown
    assert 'href="#q-q4-matching-p1"' in summary
    assert 'href="#q-q5-ordering-' in summary
    assert "You have not answered. Choose at least one answer." in page
    assert "Give each item a different position from 1 to 3." in page
    assert 'aria-describedby="q-q2-multiple-choice-hint q-q2-multiple-choice-error"' in page
    assert re.search(r'<select id="q-q4-matching-p1" name="q-q4-matching-p1" '
                     r'aria-describedby="q-q4-matching-error" aria-invalid="true">', page)
    # What the learner had chosen is still chosen.
    assert re.search(r'id="q-q1-single-choice-a" name="q-q1-single-choice" value="a" checked',
                     page)
    assert re.search(r'id="q-q3-true-false-true"[^>]* checked', page)
    assert re.search(r'<option value="1" selected>1</option>', page)
    # Nothing was scored.
    db_session.expire_all()
    assert db_session.get(QuizAttempt, attempt_id).submitted_at is None


def test_passing_the_quiz_shows_the_result_with_feedback(app, course, learner, db_session):
    html = _enrol(learner)
    attempt_id = attempt_id_in(html)
    response = learner.post(UNIT1 + "/quiz", data=answers_form(db_session, attempt_id))
    assert response.status_code == 303
    result = learner.get(response.headers["Location"]).get_data(as_text=True)
    assert "Passed" in result and "100%" in result and "5 of 5 points" in result
    assert "Pass mark" in result and "75%" in result
    assert "q1-single-choice: right, because" in result  # per-question explanation
    assert "a is right" in result  # feedback of the chosen choice
    assert "Attempts left" in result and "<dd>2</dd>" in result
    assert "Continue to the reflection" in result
    # The same attempt cannot be submitted twice.
    again = learner.post(UNIT1 + "/quiz", data=answers_form(db_session, attempt_id))
    assert again.status_code == 303 and again.headers["Location"].endswith(UNIT1 + "#quiz")


def test_failed_attempt_offers_a_retry(app, course, learner, db_session):
    html = _enrol(learner)
    response = learner.post(UNIT1 + "/quiz",
                            data=answers_form(db_session, attempt_id_in(html), correct=False))
    result = learner.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not passed yet" in result and "Incorrect" in result
    assert 'href="/learn/courses/testikurssi/units/unit-1#quiz">Try again' in result


def test_reflection_is_validated_saved_and_completes_the_unit(app, course, learner,
                                                              db_session):
    html = _enrol(learner)
    learner.post(UNIT1 + "/quiz", data=answers_form(db_session, attempt_id_in(html)))
    short = learner.post(UNIT1 + "/reflections/r1", data={"text": "Too short"})
    assert short.status_code == 422
    page = short.get_data(as_text=True)
    assert 'href="#reflection-r1-text"' in page
    assert 'aria-describedby="reflection-r1-hint reflection-r1-error" aria-invalid="true">' \
           'Too short</textarea>' in page
    saved = learner.post(UNIT1 + "/reflections/r1", data={"text": REFLECTION})
    assert saved.headers["Location"].endswith(UNIT1 + "#reflection-r1-status")
    page = learner.get(UNIT1).get_data(as_text=True)
    assert f">{REFLECTION}</textarea>" in page and "Save changes" in page
    overview = learner.get("/learn/courses/testikurssi").get_data(as_text=True)
    assert "Course progress: 50%, 1 of 2 units complete" in overview
    assert 'value="50"' in overview
    dashboard = learner.get("/learn/dashboard").get_data(as_text=True)
    assert "Continue where you left off" in dashboard and "Complete" in dashboard


def test_reflections_are_private_and_downloadable(app, course, learner, client_as,
                                                  db_session):
    _enrol(learner)
    learner.post(UNIT1 + "/reflections/r1", data={"text": REFLECTION})
    mine = learner.get("/learn/reflections").get_data(as_text=True)
    assert REFLECTION in mine
    download = learner.get("/learn/reflections/download")
    assert download.mimetype == "text/markdown"
    assert "attachment" in download.headers["Content-Disposition"]
    assert REFLECTION in download.get_data(as_text=True)
    other = client_as("learner")
    assert REFLECTION not in other.get("/learn/reflections").get_data(as_text=True)
    assert REFLECTION not in other.get("/learn/reflections/download").get_data(as_text=True)
    other.post("/learn/courses/testikurssi/enrol")
    assert REFLECTION not in other.get(UNIT1).get_data(as_text=True)


def test_attempt_results_of_others_are_not_found(app, course, learner, client_as, db_session):
    html = _enrol(learner)
    response = learner.post(UNIT1 + "/quiz", data=answers_form(db_session, attempt_id_in(html)))
    result_url = response.headers["Location"]
    other = client_as("learner")
    other.post("/learn/courses/testikurssi/enrol")
    assert other.get(result_url).status_code == 404


def test_completion_page_in_finnish(app, course, learner, db_session):
    assert learner.get("/learn/courses/testikurssi/completion").status_code == 404
    _enrol(learner)
    early = learner.get("/learn/courses/testikurssi/completion")
    assert early.headers["Location"].endswith("/learn/courses/testikurssi")
    _pass_unit(learner, db_session)
    _pass_unit(learner, db_session, "/learn/courses/testikurssi/units/unit-2")
    learner.post("/language", data={"language": "fi", "next": "/"})
    page = learner.get("/learn/courses/testikurssi/completion").get_data(as_text=True)
    assert "Kurssi suoritettu" in page
    assert re.search(r"<dd>\d{1,2}\. [a-zäö]+kuuta \d{4}</dd>", page)  # e.g. 24. marraskuuta
    assert "<dd>100\xa0%</dd>" in page  # Finnish percent format
    assert "Hyväksytty" in page and "läpäisit jokaisen jakson testin." in page
    assert "Miten kurssi läpäistään" in page and "24 tunnin kuluttua" in page


def test_used_up_attempts_close_the_quiz(app, learner, db_session):
    from tests.factories import make_course_version
    make_course_version(db_session, slug="tiukka", units=1, max_attempts=1)
    db_session.commit()
    learner.post("/learn/courses/tiukka/enrol")
    url = "/learn/courses/tiukka/units/unit-1"
    html = learner.get(url).get_data(as_text=True)
    learner.post(url + "/quiz", data=answers_form(db_session, attempt_id_in(html),
                                                  correct=False))
    page = learner.get(url).get_data(as_text=True)
    assert "You have used every attempt of this round without passing." in page
    assert "A new round of attempts, with new questions drawn, opens on " in page
    assert 'name="attempt_id"' not in page
    overview = learner.get("/learn/courses/tiukka").get_data(as_text=True)
    assert "How to pass this course" in overview
    assert "opens 24 hours after your last attempt" in overview
    assert "Next step" in overview and "new quiz attempts open on " in overview
    # After the wait the quiz opens again with a new attempt.
    app.config["QUIZ_RETRY_WAIT_HOURS"] = 0
    page = learner.get(url).get_data(as_text=True)
    assert 'name="attempt_id"' in page and "Attempts used: 0 of 1." in page


def test_forms_carry_csrf_tokens_and_posts_without_one_are_refused(app, course, learner):
    _enrol(learner)
    app.config["WTF_CSRF_ENABLED"] = True
    page = learner.get(UNIT1).get_data(as_text=True)
    forms = re.findall(r"<form method=\"post\".*?</form>", page, flags=re.S)
    assert len(forms) >= 4  # language, sign-out, quiz, reflection
    assert all('name="csrf_token"' in form for form in forms)
    refused = learner.post(UNIT1 + "/reflections/r1", data={"text": REFLECTION})
    assert refused.status_code == 400
    accepted = learner.post(UNIT1 + "/reflections/r1",
                            data={"text": REFLECTION, "csrf_token": csrf_token_in(page)})
    assert accepted.status_code == 303


def test_swedish_interface_shows_swedish_content(app, course, learner):
    _enrol(learner)
    learner.post("/language", data={"language": "sv", "next": "/"})
    page = learner.get(UNIT1).get_data(as_text=True)
    assert '<html lang="sv">' in page
    assert "Lärandemål" in page and "Skicka svaren" in page
    assert "Objective 1 (sv)" in page and "Content 1 (sv)." in page
    assert 'lang="sv"' in page


def test_choice_feedback_sits_under_the_chosen_choice_without_repeating_it(
        app, course, learner, db_session):
    html = _enrol(learner)
    response = learner.post(UNIT1 + "/quiz",
                            data=answers_form(db_session, attempt_id_in(html), correct=False))
    result = learner.get(response.headers["Location"]).get_data(as_text=True)
    answer = re.search(r'<div class="your-answer">(.*?)</div>', result, re.S).group(1)
    assert re.search(r"Wrong choice\s*<p class=\"choice-feedback\">b is wrong</p>", answer)
    assert result.count("Wrong choice") == 1 and "Wrong choice: " not in result


def test_saved_reflection_is_confirmed_in_its_form_not_at_the_top(app, course, learner):
    _enrol(learner)
    saved = learner.post(UNIT1 + "/reflections/r1", data={"text": REFLECTION})
    assert saved.headers["Location"].endswith(UNIT1 + "#reflection-r1-status")
    page = learner.get(UNIT1).get_data(as_text=True)  # the page as sent, no script needed
    assert 'class="flashes"' not in page
    status = re.search(r'<p class="saved-status" id="reflection-r1-status" role="status" '
                       r'tabindex="-1">(.*?)</p>', page, re.S).group(1)
    assert "Your reflection was saved." in status and "Saved " in status
    again = learner.get(UNIT1).get_data(as_text=True)
    assert "Your reflection was saved." not in again  # said once, where it happened


def test_continue_points_at_the_next_unit_after_one_is_complete(app, course, learner,
                                                                 db_session):
    _enrol(learner)
    _pass_unit(learner, db_session)
    for url in ("/learn/dashboard", "/learn/courses/testikurssi"):
        page = learner.get(url).get_data(as_text=True)
        assert re.search(r'href="/learn/courses/testikurssi/units/unit-2">Continue where you '
                         r'left off: Unit 2', page), url
    assert learner.post("/learn/courses/testikurssi/enrol").headers["Location"].endswith(
        "/units/unit-2")


def test_favicon_is_served_on_every_page(app, client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    login = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico"' in login
