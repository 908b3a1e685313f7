"""Admin account pages: only admins get in; filters and pages; a new organisation unit is
saved, confirmed, logged, and shows in the HR completion report's column and filter; bad
input is shown beside its field and changes nothing; the form needs its CSRF token."""
from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from elearn.models import Role, User
from tests.reports.cohort import DESTINATIONS, PUBLIC_URL, build_cohort


@pytest.fixture
def app_overrides():
    return {"PUBLIC_URL": PUBLIC_URL, "LRS_DESTINATIONS": DESTINATIONS}


@pytest.fixture
def client_as(client_as):
    """Signed-in clients whose browser asks for English (the texts the tests read)."""
    def factory(role, **fields):
        client = client_as(role, **fields)
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client
    return factory


@pytest.fixture
def cohort(app, db_session):
    built = build_cohort(db_session)
    db_session.commit()
    return built


def _user(db_session, username: str) -> User:
    db_session.expire_all()
    return db_session.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize("role", ["learner", "trainer", "hr"])
def test_only_admins_may_open_or_post(client_as, cohort, db_session, role):
    bob = _user(db_session, "bob")
    client = client_as(role)
    assert client.get("/admin/accounts").status_code == 403
    assert client.get(f"/admin/accounts/{bob.id}").status_code == 403
    response = client.post(f"/admin/accounts/{bob.id}",
                           data={"organisation_unit": "Hijacked", "role": "admin"})
    assert response.status_code == 403
    bob = _user(db_session, "bob")
    assert (bob.organisation_unit, bob.role) == ("Unit A", Role.LEARNER)
    assert 'href="/admin/accounts"' not in client.get("/").get_data(as_text=True)


def test_anonymous_is_sent_to_sign_in(app, cohort):
    response = app.test_client().get("/admin/accounts")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_lands_on_accounts_with_navigation_entry(client_as, cohort):
    client = client_as("admin")
    assert client.get("/").headers["Location"].endswith("/admin/accounts")
    html = client.get("/admin/accounts").get_data(as_text=True)
    assert re.search(r'<a[^>]*href="/admin/accounts"[^>]*>\s*Accounts', html)
    assert "<caption>Accounts</caption>" in html and "Bob Berg" in html


def test_filters_by_role_unit_and_name(client_as, cohort):
    client = client_as("admin", username="root-admin", display_name="Root Admin")
    html = client.get("/admin/accounts?organisation_unit=Unit+B").get_data(as_text=True)
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert re.findall(r'<th scope="row">([^<]+)</th>', body) == ["Carol Cederlöf", "Dave Dahl"]
    html = client.get("/admin/accounts?role=admin").get_data(as_text=True)
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert re.findall(r'<th scope="row">([^<]+)</th>', body) == ["Root Admin"]
    html = client.get("/admin/accounts?name=DAHL").get_data(as_text=True)
    assert "Dave Dahl" in html and "Bob Berg" not in html and "1 account, page 1 of 1" in html
    html = client.get("/admin/accounts?name=%25").get_data(as_text=True)  # a literal %, no wildcard
    assert "No accounts match the filters." in html


def test_invalid_filters_are_named_beside_their_fields(client_as, cohort):
    response = client_as("admin").get("/admin/accounts?role=superuser&page=zero")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="f-role-error"' in html
    assert '<p class="error" id="f-role-error">Choose one of the listed roles.</p>' in html
    assert "The page must be a whole number from 1 up." in html
    assert "Bob Berg" in html  # the other filters still apply


def test_pages_of_fifty(client_as, db_session):
    for n in range(60):
        user = User(username=f"user{n:02d}", display_name=f"User {n:02d}", role=Role.LEARNER,
                    password_hash="x")
        db_session.add(user)
    db_session.commit()
    client = client_as("admin", display_name="Zed Admin")
    first = client.get("/admin/accounts?role=learner").get_data(as_text=True)
    assert first.count('<th scope="row">') == 50
    assert 'aria-label="Account pages"' in first and 'rel="next"' in first
    assert "role=learner" in re.search(r'<a href="([^"]+)" rel="next"', first).group(1)
    second = client.get("/admin/accounts?role=learner&page=2").get_data(as_text=True)
    assert second.count('<th scope="row">') == 10 and "User 59" in second
    assert 'aria-current="page"' in second and "60 accounts, page 2 of 2" in second


def test_new_unit_is_saved_logged_and_shows_in_the_hr_report(app, client_as, cohort,
                                                             db_session, caplog):
    bob = _user(db_session, "bob")
    admin = client_as("admin", username="root-admin")
    form = admin.get(f"/admin/accounts/{bob.id}?role=learner").get_data(as_text=True)
    assert '<label for="organisation_unit">Organisation unit</label>' in form
    assert '<label for="role">Role</label>' in form and 'value="Unit A"' in form
    with caplog.at_level(logging.INFO, logger="elearn.audit"):
        response = admin.post(f"/admin/accounts/{bob.id}?role=learner",
                              data={"organisation_unit": "  Talousyksikkö ", "role": "learner"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/accounts?role=learner")
    listing = admin.get("/admin/accounts?role=learner").get_data(as_text=True)
    assert ("Account bob: Organisation unit changed from “Unit A” to “Talousyksikkö”."
            in listing)
    assert any("account bob: organisation_unit changed from 'Unit A' to 'Talousyksikkö' "
               "by admin root-admin" in record.getMessage() for record in caplog.records)
    assert _user(db_session, "bob").organisation_unit == "Talousyksikkö"

    hr = client_as("hr")
    report = hr.get("/hr/reports/completions").get_data(as_text=True)
    assert '<option value="Talousyksikkö">' in report
    filtered = hr.get("/hr/reports/completions?organisation_unit=Talousyksikk%C3%B6"
                      ).get_data(as_text=True)
    body = filtered.split('<table class="report">')[1].split("</tbody>")[0]
    assert re.findall(r'<th scope="row">([^<]+)</th>', body) == ["Bob Berg"]
    assert "<td>Talousyksikkö</td>" in body
    api = hr.get("/api/reports/completions?organisation_unit=Unit+A").get_json()
    assert [row["username"] for row in api["rows"]] == ["alice", "alice"]


def test_role_change_and_clearing_the_unit(client_as, cohort, db_session):
    carol = _user(db_session, "carol")
    client = client_as("admin")
    response = client.post(f"/admin/accounts/{carol.id}",
                           data={"organisation_unit": "", "role": "trainer"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert ("Account carol: Organisation unit changed from “Unit B” to “(none)”; "
            "Role changed from “Learner” to “Trainer”." in html)
    carol = _user(db_session, "carol")
    assert (carol.organisation_unit, carol.role) == ("", Role.TRAINER)
    again = client.post(f"/admin/accounts/{carol.id}",
                        data={"organisation_unit": "", "role": "trainer"}, follow_redirects=True)
    assert "Account carol: nothing changed." in again.get_data(as_text=True)


@pytest.mark.parametrize("data, field, message", [
    ({"organisation_unit": "x" * 201, "role": "hr"}, "organisation_unit",
     "At most 200 characters."),
    ({"organisation_unit": "Unit\nC", "role": "hr"}, "organisation_unit",
     "Line breaks and control characters are not allowed."),
    ({"organisation_unit": "Unit C", "role": "superuser"}, "role",
     "Choose one of the listed roles."),
])
def test_invalid_input_is_shown_beside_its_field_and_changes_nothing(client_as, cohort,
                                                                    db_session, data, field,
                                                                    message):
    dave = _user(db_session, "dave")
    response = client_as("admin").post(f"/admin/accounts/{dave.id}", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'<p class="error" id="{field}-error">{message}</p>' in html
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"',
                     html) or f'aria-describedby="{field}-hint {field}-error"' in html
    assert "Nothing was saved." in html
    dave = _user(db_session, "dave")
    assert (dave.organisation_unit, dave.role) == ("Unit B", Role.LEARNER)


def test_admin_cannot_remove_own_admin_role(client_as, db_session):
    client = client_as("admin", username="only-admin", organisation_unit="IT")
    me = _user(db_session, "only-admin")
    response = client.post(f"/admin/accounts/{me.id}",
                           data={"organisation_unit": "Tietohallinto", "role": "learner"})
    assert response.status_code == 422
    assert "You cannot remove the admin role from your own account." in response.get_data(as_text=True)
    me = _user(db_session, "only-admin")
    assert (me.organisation_unit, me.role) == ("IT", Role.ADMIN)


def test_form_needs_csrf_token(app, client_as, cohort, db_session):
    bob = _user(db_session, "bob")
    client = client_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/admin/accounts/{bob.id}",
                           data={"organisation_unit": "X", "role": "learner"}).status_code == 400
        assert _user(db_session, "bob").organisation_unit == "Unit A"
        form = client.get(f"/admin/accounts/{bob.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form) or \
            re.search(r'name="csrf_token" value="([^"]+)"', form)
        response = client.post(f"/admin/accounts/{bob.id}", data={
            "csrf_token": token.group(1), "organisation_unit": "X", "role": "learner"})
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _user(db_session, "bob").organisation_unit == "X"


def test_unknown_account_is_not_found(client_as):
    assert client_as("admin").get("/admin/accounts/999999").status_code == 404


def test_pages_in_finnish_and_swedish(client_as, cohort, db_session):
    bob = _user(db_session, "bob")
    client = client_as("admin")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fi"
    fi = client.get("/admin/accounts").get_data(as_text=True)
    assert "<h1>Käyttäjätilit</h1>" in fi and "Nimi tai käyttäjätunnus" in fi
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    sv = client.get(f"/admin/accounts/{bob.id}").get_data(as_text=True)
    assert "Redigera kontot bob" in sv and "Organisationsenhet" in sv
