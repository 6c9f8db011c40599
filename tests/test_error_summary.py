"""The error summary: a form shown again with errors says at the top of the page how many
problems there are, links each to its field and takes the focus (base.html and
macros/forms.html error_summary), on every form page without the page asking for it."""

import re

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.mentorships import services as mentoring
from marketplace.mentorships.models import CheckIn, Mentorship

from .builders import start_mentorship
from .factories import make_area, make_profile, make_user
from .helpers import login_client
from .test_accounts_views import REGISTRATION

SUMMARY = re.compile(r'<div class="error-summary"[^>]*>.*?</div>', re.DOTALL)


def summary_of(response):
    """The summary's opening tag and content, or None when the page has none."""
    match = SUMMARY.search(response.get_data(as_text=True))
    return match.group(0) if match else None


def links_of(summary):
    return re.findall(r'<a href="#([\w-]+)">([^<]*)</a>', summary)


def count_users(app):
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def test_registration_with_errors_shows_a_focused_summary_linking_each_field(app, client):
    before = count_users(app)
    response = client.submit("/auth/register", data={
        **REGISTRATION, "full_name": "", "confirm": "something else entirely",
        "language": "xx"})
    assert response.status_code == 422
    summary = summary_of(response)
    assert summary is not None
    assert "There are 3 problems to fix" in summary
    assert 'tabindex="-1"' in summary and "autofocus" in summary
    assert 'aria-labelledby="error-summary-title"' in summary
    targets = [target for target, _text in links_of(summary)]
    # In the form's order; a group of radios is reached through its first option.
    assert targets == ["full_name", "confirm", "language-0"]
    page = response.get_data(as_text=True)
    for target in targets:
        assert f'id="{target}"' in page
    assert "Full name: Enter your first name and surname." in summary
    # Above the form: the first thing read after the header and the messages.
    assert page.index('class="error-summary"') < page.index('name="full_name"')
    assert count_users(app) == before


def test_one_problem_is_said_in_the_singular_and_in_italian(app, client):
    response = client.submit("/auth/register", data={**REGISTRATION, "full_name": ""},
                             headers={"Accept-Language": "it"})
    assert response.status_code == 422
    summary = summary_of(response)
    assert "C’è 1 problema da correggere" in summary
    assert links_of(summary)[0][0] == "full_name"


def test_no_summary_before_a_submit_nor_after_a_good_one(app, client):
    assert summary_of(client.get("/auth/register")) is None
    response = client.submit("/auth/register", data=REGISTRATION)
    assert response.status_code == 302 and response.location == "/auth/login"
    assert count_users(app) == 1


@pytest.fixture
def mentorship(app):
    """(mentee id, mentorship id): Rita mentored by Marco."""
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        mentee = make_user(email="rita@example.com", full_name="Rita Rep")
        mentor = make_profile(make_user(email="marco@example.com", full_name="Marco Mentor"),
                              areas=[area])
        return mentee.id, start_mentorship(mentee.id, mentor.id, area.id)


def test_a_form_under_another_name_gets_its_summary_too(app, mentorship):
    """The mentorship page passes its check-in form as `check_in_form`."""
    _mentee_id, mentorship_id = mentorship
    browser = login_client(app, "rita@example.com")
    response = browser.submit(f"/mentorships/{mentorship_id}/checkins",
                              data={"date": "", "minutes": "60", "summary": ""})
    assert response.status_code == 422
    targets = [target for target, _text in links_of(summary_of(response))]
    assert targets == ["date", "summary"]
    with app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_every_form_the_page_has_counts_whatever_its_name(app, mentorship):
    """No list of names to keep up to date: the objection to a completion (passed as
    `object_form`) gets its summary like any other."""
    mentee_id, mentorship_id = mentorship
    with app.test_request_context():
        mentoring.propose_completion(db.session.get(Mentorship, mentorship_id),
                                     actor=db.session.get(User, mentee_id))
        db.session.commit()
    browser = login_client(app, "marco@example.com")
    response = browser.submit(f"/mentorships/{mentorship_id}/complete/object",
                              data={"reason": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert [target for target, _text in links_of(summary_of(response))] == [
        "objection-reason"]
    # The early end's reason is on the page too: each field keeps an id of its own.
    assert page.count('id="objection-reason"') == 1 and page.count('id="reason"') == 1
    with app.app_context():
        assert db.session.get(Mentorship, mentorship_id).completion_objection is None


def test_a_filter_in_the_address_is_not_a_submit(app, client, auth, admin):
    """The dashboard's period comes from the address: its errors stay by its fields,
    and the focus stays where it was."""
    auth.login(admin.email)
    response = client.get("/admin?start=soon&end=tomorrow")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert summary_of(response) is None
