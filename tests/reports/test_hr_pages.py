"""HR pages and API: role checks with real data, figures, filters, CSV downloads, delivery
health, the resend confirmation, and that no HR answer ever contains reflection text."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from elearn.models import XapiDelivery, XapiDestinationState
from elearn.db import utcnow
from tests.reports.cohort import REFLECTION_SECRET

HR_URLS = ["/hr/reports/completions", "/hr/reports/completions.csv", "/hr/delivery",
           "/hr/delivery/eoppiva/resend", "/api/reports/completions",
           "/api/reports/completions.csv"]


@pytest.mark.parametrize("role", ["learner", "trainer"])
def test_other_roles_cannot_read_report_data(client_as, cohort, role):
    client = client_as(role)
    for url in HR_URLS:
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"Alice Aalto" not in response.data
    assert client.post("/hr/delivery/eoppiva/resend").status_code == 403


def test_anonymous_is_sent_to_sign_in(app, cohort):
    client = app.test_client()
    assert client.get("/hr/reports/completions").status_code == 302
    assert client.get("/api/reports/completions").status_code == 401


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_and_admin_see_the_report(client_as, cohort, role):
    client = client_as(role)
    html = client.get("/hr/reports/completions").get_data(as_text=True)
    assert "<caption" in html and "Alice Aalto" in html and "Dave Dahl" in html
    assert 'scope="col"' in html and 'aria-sort="ascending"' in html
    for name in ("course", "organisation_unit", "status", "date_field", "since", "until"):
        assert f'<label for="f-{name}">' in html and f'id="f-{name}"' in html


def test_landing_page_of_hr_is_the_overview(client_as):
    client = client_as("hr")
    response = client.get("/")
    assert response.headers["Location"].endswith("/hr/reports")


def test_page_filters_sorting_and_csv_links(client_as, cohort):
    client = client_as("hr")
    html = client.get("/hr/reports/completions?status=completed&sort=score&direction=desc"
                      ).get_data(as_text=True)
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert re.findall(r'<th scope="row">([^<]+)</th>', body) == ["Alice Aalto", "Dave Dahl"]
    assert 'aria-sort="descending"' in html
    assert "status=completed" in html and "delimiter=semicolon" in html
    # the header link of the active column flips the direction
    assert re.search(r'href="[^"]*sort=score[^"]*direction=asc|href="[^"]*direction=asc[^"]*sort=score', html)


def test_pagination_links(client_as, cohort):
    html = client_as("hr").get("/hr/reports/completions?per_page=2&page=2").get_data(as_text=True)
    assert 'aria-label="Report pages"' in html
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert "page 2 of 3" in html


def test_invalid_page_filter_is_named_and_tied_to_its_field(client_as, cohort):
    response = client_as("hr").get("/hr/reports/completions?since=not-a-date&status=bogus")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-since" name="since" value="not-a-date" aria-invalid="true" ' \
           'aria-describedby="f-since-error"' in html
    assert 'id="f-status-error"' in html


def test_api_rows_and_pagination(client_as, cohort):
    client = client_as("hr")
    data = client.get("/api/reports/completions?course=testikurssi&per_page=3").get_json()
    assert data["pagination"] == {"page": 1, "per_page": 3, "total": 4, "pages": 2}
    assert data["destinations"] == ["eoppiva", "backup"]
    alice = data["rows"][0]
    assert alice["username"] == "alice" and alice["passed"] is True
    assert alice["deliveries"] == {"eoppiva": "delivered", "backup": "pending"}
    assert alice["completed_at"].startswith("2026-03-04T12:00:00")
    assert alice["score"] == 0.9 and alice["progress_percent"] == 100


@pytest.mark.parametrize("query, field", [("status=done", "status"), ("since=2026-13-01", "since"),
                                          ("sort=password_hash", "sort"), ("per_page=0", "per_page"),
                                          ("since=2026-03-05&until=2026-03-01", "until")])
def test_api_invalid_filter_is_422_naming_the_field(client_as, cohort, query, field):
    response = client_as("hr").get(f"/api/reports/completions?{query}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "validation_failed"
    assert field in body["error"]["details"]["fields"]


def test_csv_download_comma_and_semicolon(client_as, cohort):
    client = client_as("hr")
    response = client.get("/api/reports/completions.csv?status=passed")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == ("name,opaque_id,username,organisation_unit,course,version,"
                                    "enrolled_at,progress_percent,completed_at,score,passed,"
                                    "delivered_eoppiva,delivered_backup")
    assert len(text.splitlines()) == 2
    page_csv = client.get("/hr/reports/completions.csv?delimiter=semicolon&organisation_unit=Unit+B")
    lines = page_csv.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("name;opaque_id;username;")
    assert [line.split(";")[0] for line in lines[1:]] == ["Carol Cederlöf", "Dave Dahl"]
    assert client.get("/api/reports/completions.csv?delimiter=tab").status_code == 422


def test_delivery_health_page(client_as, cohort, db_session):
    db_session.add(XapiDestinationState(destination="backup", paused_at=utcnow(),
                                        paused_reason="HTTP 401 from the LRS: check credentials"))
    db_session.commit()
    html = client_as("hr").get("/hr/delivery").get_data(as_text=True)
    assert "Statement rejected: invalid verb display" in html
    assert "HTTP 401 from the LRS: check credentials" in html
    summary = html.split('<table class="summary">')[1].split("</table>")[0]
    rows = re.findall(r"<tr>\s*<th scope=\"row\"><a[^>]*>([^<]+)</a>.*?</tr>", summary, re.S)
    assert rows == ["eoppiva", "backup"]
    assert re.search(r"eoppiva</a></th>\s*<td>0</td>", summary)  # nothing queued for eoppiva
    assert re.search(r"backup</a></th>\s*<td>1</td>", summary)  # alice's completion queued
    assert "<svg" in html and "<title id=\"backlog-title\">" in html
    assert html.count("<caption>") >= 3


def test_resend_needs_confirmation_and_csrf(app, client_as, cohort, db_session):
    client = client_as("hr")
    confirm = client.get("/hr/delivery/eoppiva/resend").get_data(as_text=True)
    assert "1 statement was rejected by eoppiva" in confirm
    assert 'name="csrf_token"' in confirm
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/hr/delivery/eoppiva/resend").status_code == 400
    dave = select(XapiDelivery).where(XapiDelivery.destination == "eoppiva",
                                      XapiDelivery.statement_pk == 2)
    assert db_session.scalar(dave).state == "dead"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', confirm)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', confirm)
    response = client.post("/hr/delivery/eoppiva/resend", data={"csrf_token": token.group(1)})
    assert response.status_code == 302
    db_session.expire_all()
    delivery = db_session.scalar(dave)
    assert (delivery.state, delivery.attempts) == ("pending", 0)
    assert "1 dead-lettered statement for eoppiva is queued again" in \
        client.get("/hr/delivery").get_data(as_text=True)
    assert client.get("/hr/delivery/nowhere/resend").status_code == 404


def test_no_hr_answer_contains_reflection_text(app, client_as, cohort):
    client = client_as("hr")
    urls = ["/hr/reports", "/hr/reports/completions", "/hr/reports/completions.csv",
            "/hr/reports/completions.csv?delimiter=semicolon", "/hr/delivery",
            "/hr/delivery/eoppiva/resend", "/api/reports/completions?per_page=500",
            "/api/reports/completions.csv", "/api/openapi.json", "/hr/lms/rosters"]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/hr/", "/api/reports")) and "<" not in rule.rule:
            assert any(url.split("?")[0] == rule.rule for url in urls), \
                f"add {rule.rule} to this test"
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Salainen pohdinta".encode() not in response.data, url
        assert REFLECTION_SECRET.encode() not in response.data, url


def test_openapi_documents_the_report(client_as):
    spec = client_as("hr").get("/api/openapi.json").get_json()
    get = spec["paths"]["/api/reports/completions"]["get"]
    names = {parameter["name"] for parameter in get["parameters"]}
    assert {"course", "organisation_unit", "since", "until", "status", "sort", "page"} <= names
    assert "/api/reports/completions.csv" in spec["paths"]


def test_removed_destination_with_rows_is_still_shown(client_as, cohort, db_session):
    db_session.add(XapiDelivery(statement_pk=1, destination="old-lrs", state="dead",
                                last_status=400, last_error="gone"))
    db_session.commit()
    client = client_as("hr")
    html = client.get("/hr/delivery").get_data(as_text=True)
    assert "old-lrs</a> (no longer configured)" in html
    assert client.get("/hr/delivery/old-lrs/resend").status_code == 200


def test_queue_age_reads_in_minutes_hours_and_days(app):
    from datetime import timedelta

    from elearn.web.hr_views import age_text

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert age_text(timedelta(minutes=59, seconds=59)) == "59 min"
        assert age_text(timedelta(hours=2, minutes=5)) == "2 h 5 min"
        assert age_text(timedelta(days=259, hours=20, minutes=11)) == "259 d 20 h"
    with app.test_request_context(headers={"Accept-Language": "fi"}):
        assert age_text(timedelta(days=1, hours=3)) == "1 vrk 3 t"


def test_report_reads_first_what_hr_reads_most_with_titles_and_a_labelled_score(
        client_as, cohort):
    html = client_as("hr").get("/hr/reports/completions?sort=name").get_data(as_text=True)
    header = html.split("<thead>")[1].split("</thead>")[0]
    columns = [re.sub(r"<[^>]+>|[▲▼]", "", cell).strip()
               for cell in re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", header, re.S)]
    assert columns[:6] == ["Learner", "Organisation unit", "Progress", "Completed",
                           "Quiz score", "Passed"]
    assert columns[-1] == "Completion in the LRSs"
    assert 'aria-describedby="score-note"' in header and 'id="score-note"' in html
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    bob = re.search(r"Bob Berg</th>(.*?)</tr>", body, re.S).group(1)
    assert "50 %" in bob and "so far" in bob  # in progress: a score so far, not a grade
    alice = re.search(r"Alice Aalto</th>(.*?)</tr>", body, re.S).group(1)
    assert "90 %" in alice and "so far" not in alice
    assert "Course testikurssi" in bob and ">testikurssi<" not in body
    assert '<option value="testikurssi">Course testikurssi</option>' in html
    # per-LRS states, compact: a symbol and the name, the state in words for screen readers
    assert re.search(r'✓</span> eoppiva<span class="visually-hidden">: delivered</span>', alice)
    assert re.search(r'…</span> backup<span class="visually-hidden">: queued</span>', alice)
    assert "Completions: 5 learners and course versions" in html


def test_excel_download_has_column_names_in_the_interface_language(client_as, cohort):
    client = client_as("hr")
    client.post("/language", data={"language": "fi", "next": "/"})
    page = client.get("/hr/reports/completions").get_data(as_text=True)
    excel = re.search(r'href="([^"]*delimiter=semicolon[^"]*)"', page).group(1)
    assert "headers=language" in excel
    header = client.get(excel.replace("&amp;", "&")).data.decode("utf-8-sig").splitlines()[0]
    assert header.split(";") == [
        "Oppija", "Pseudonyymi tunniste", "Käyttäjätunnus", "Organisaatioyksikkö", "Kurssi",
        "Versio", "Ilmoittautunut (UTC)", "Eteneminen (%)", "Suoritettu (UTC)",
        "Testipisteet (0–1)", "Hyväksytty", "Suoritus toimitettu LRS-kohteeseen eoppiva",
        "Suoritus toimitettu LRS-kohteeseen backup"]
    # the other download and the API keep machine-stable names, whatever the language
    comma = re.search(r'href="([^"]*completions\.csv\?[^"]*)"', page).group(1)
    assert "headers=" not in comma and "delimiter" not in comma
    stable = client.get(comma.replace("&amp;", "&")).data.decode("utf-8-sig").splitlines()[0]
    assert stable.startswith("name,opaque_id,username,organisation_unit,course,version,")
    assert client.get("/api/reports/completions.csv?headers=klingon").status_code == 422
